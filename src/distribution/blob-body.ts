import { connect as netConnect, isIP, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import type { BufferPool } from '../lib/buffer-pool.js';
import { BerthError } from '../lib/errors.js';

/** Where a blob GET goes, with what: the registry client's URL, auth and TLS settings. */
export interface BlobGet {
  url: URL;
  headers: Record<string, string>;
  /** Options for TLS connections (https URLs, a redirect's too). */
  tls: ConnectionOptions;
}

/** The answer when it is not a body to read: the caller asks again the usual way. */
export interface OtherAnswer {
  status: number;
}

/** A 200's body, in pieces of the pool (the last one a part of one), checked against the expected size. */
export interface BlobBody {
  pieces: Readable;
  /** Stops the transfer (the consumer failed). */
  abort(e: Error): void;
}

const MAX_REDIRECTIONS = 10;
const MAX_HEAD_BYTES = 64 * 1024;
/** Where a read goes while every piece is lent: the socket is paused, but one read may be under way. */
const SPARE_BYTES = 64 * 1024;
/** As undici's default body and headers timeouts. */
const IDLE_TIMEOUT_MS = 300_000;

/**
 * GETs a blob over HTTP/1.1 and has the socket read its body straight into pieces lent out of
 * `pool` (node:net's `onread` with a buffer of ours): no fresh buffer per socket read and no copy
 * on the way, where an HTTP client allocates each read (64 KiB; a 152 MB pull made V8 run a full
 * collection every ~8 MB of them) and copies it at least once. Follows redirects (without the
 * Authorization header to another origin, as Docker). Answers other than a 200 with a
 * Content-Length of `size` are handed back unread as an OtherAnswer.
 */
export async function getBlobBody(req: BlobGet, size: number, pool: BufferPool, onBytes: (received: number) => void): Promise<BlobBody | OtherAnswer> {
  let target = req;
  for (let hop = 0; ; hop++) {
    const answer = await getOnce(target, size, pool, onBytes);
    if (!('location' in answer)) return answer;
    if (hop >= MAX_REDIRECTIONS) return { status: answer.status };
    const url = new URL(answer.location, target.url);
    const headers = { ...target.headers };
    if (url.origin !== target.url.origin) delete headers['Authorization'];
    target = { url, headers, tls: target.tls };
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

async function getOnce(req: BlobGet, size: number, pool: BufferPool, onBytes: (received: number) => void): Promise<BlobBody | OtherAnswer | { status: number; location: string }> {
  const { url } = req;
  const https = url.protocol === 'https:';
  const tls = https ? await import('node:tls') : undefined;
  const first = await pool.take();
  const port = Number(url.port || (https ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const head = [`GET ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, 'Connection: close', ...Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');

  return new Promise((resolve, reject) => {
    const spare = Buffer.allocUnsafe(Math.min(SPARE_BYTES, pool.size));
    /** Bytes read into `spare` that no piece has taken yet. */
    const stash: Buffer[] = [];
    let piece: Buffer | undefined = first;
    let filled = 0;
    let inSpare = false;
    let bodyStarted = false;
    let received = 0;
    let settled = false;
    let finished = false;
    const pieces = new Readable({ objectMode: true, highWaterMark: 1, read() {} });
    const fail = (e: Error): void => {
      finished = true;
      socket.destroy();
      if (!settled) {
        settled = true;
        reject(e);
      } else if (!pieces.destroyed) pieces.destroy(e);
    };
    const drainStash = (): void => {
      while (stash.length > 0 && piece !== undefined && !finished) {
        const chunk = stash[0]!;
        const n = chunk.copy(piece, filled);
        if (n === chunk.length) stash.shift();
        else stash[0] = chunk.subarray(n);
        advance(n);
      }
    };
    const nextPiece = (): void => {
      filled = 0;
      piece = pool.tryTake();
      if (piece !== undefined) return;
      // Every piece is lent: the socket waits for one.
      socket.pause();
      void pool.take().then((p) => {
        piece = p;
        drainStash();
        if (piece !== undefined && !finished) socket.resume();
      });
    };
    const onBody = (): void => {
      if (received === size) {
        finished = true;
        socket.destroy();
        if (filled > 0) pieces.push(piece!.subarray(0, filled));
        piece = undefined;
        pieces.push(null);
        onBytes(received);
        return;
      }
      if (filled === piece!.length) {
        pieces.push(piece);
        onBytes(received);
        nextPiece();
      }
    };
    const advance = (n: number): void => {
      filled += n;
      if (!bodyStarted) return onHead();
      received += n;
      onBody();
    };
    const onHead = (): void => {
      const end = piece!.subarray(0, filled).indexOf('\r\n\r\n');
      if (end < 0) {
        if (filled >= MAX_HEAD_BYTES) fail(new BerthError('Unavailable', 'bad_response', `GET ${url.origin}${url.pathname}: response headers too long`));
        return;
      }
      const lines = piece!.toString('latin1', 0, end).split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? NaN);
      const headers = new Map<string, string>();
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
      const location = headers.get('location');
      if (REDIRECTS.has(status) && location !== undefined) {
        settled = true;
        finished = true;
        socket.destroy();
        pool.release(piece!);
        return resolve({ status, location });
      }
      const length = headers.get('content-length');
      if (status !== 200 || length === undefined || headers.has('transfer-encoding') || Number(length) !== size) {
        settled = true;
        finished = true;
        socket.destroy();
        pool.release(piece!);
        return resolve({ status });
      }
      bodyStarted = true;
      settled = true;
      resolve({ pieces, abort: fail });
      piece!.copyWithin(0, end + 4, filled);
      filled -= end + 4;
      received = filled;
      onBody();
    };
    const onRead = (n: number): boolean => {
      if (finished) return false;
      if (inSpare) {
        inSpare = false;
        stash.push(Buffer.from(spare.subarray(0, n)));
        drainStash();
      } else advance(n);
      return true;
    };
    // Where the next read goes: the free part of the piece (never past the body's end), or the
    // spare while every piece is lent.
    const buffer = (): Uint8Array => {
      const left = bodyStarted ? size - received : Infinity;
      if (piece === undefined || filled === piece.length || left === 0 || stash.length > 0) {
        inSpare = true;
        return spare.subarray(0, Math.min(spare.length, left));
      }
      return piece.subarray(filled, Math.min(piece.length, filled + left));
    };
    const onread = { buffer, callback: onRead };
    const socket: Socket = tls
      ? tls.connect({ ...req.tls, host, port, servername: isIP(host) ? '' : host, ALPNProtocols: ['http/1.1'], onread } as ConnectionOptions)
      : netConnect({ host, port, onread });
    socket.setTimeout(IDLE_TIMEOUT_MS, () => fail(new BerthError('Unavailable', 'blob_timeout', `GET ${url.origin}${url.pathname}: timed out`)));
    socket.once(https ? 'secureConnect' : 'connect', () => socket.write(head));
    socket.on('error', (e) => fail(new BerthError('Unavailable', 'blob_read_failed', `reading ${url.origin}${url.pathname}: ${e.message}`, { cause: e })));
    socket.on('close', () => {
      if (!finished && (!settled || bodyStarted)) fail(new BerthError('Unavailable', 'short_blob', `GET ${url.origin}${url.pathname}: got ${received} of ${size} bytes`));
    });
    pieces.on('close', () => {
      if (!finished) fail(new Error('blob body closed early'));
    });
  });
}

/**
 * One HTTP/1.1 exchange on a new unix-socket connection, for requests whose body is in memory: the
 * response head, then the whole body, the body as it comes (push progress), or the socket itself
 * after an upgrade. The CLI's short commands (`run -d`, `ps`, `inspect`…) and push make only such
 * requests; node:http would cost each of them ~4 ms of start-up (its modules, its parser, compiling
 * its code on first use) for the same bytes.
 */
import { connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';

export interface ExchangeRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface ResponseHead {
  status: number;
  statusText: string;
  /** Lower-case names; a repeated header's values joined with `, `. */
  headers: Record<string, string>;
}

export interface Exchange {
  head: ResponseHead;
  /** The complete body; the connection is closed once it has arrived. */
  body: Promise<Buffer>;
  /** Closes the connection now: a body still to come rejects. */
  abort(): void;
}

/** A malformed or cut-off response. */
export class ResponseError extends Error {
  override readonly name = 'ResponseError';
}

const HEAD_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');

/**
 * Sends `req` and resolves once the response head has arrived, with the body as a stream of its
 * bytes as they arrive (framing removed); destroying the stream closes the connection. Connection
 * errors reject (with their `code`).
 */
export function streamingExchange(socketPath: string, req: ExchangeRequest): Promise<{ head: ResponseHead; body: Readable }> {
  return open(socketPath, req).then(({ head, socket, rest }) => {
    const body = new Readable({
      read: () => void socket.resume(),
      destroy: (err, cb) => {
        socket.destroy();
        cb(err);
      },
    });
    frameBody(socket, rest, head, req.method, (data) => void (body.push(data) || socket.pause())).then(
      () => body.push(null),
      (e: Error) => body.destroy(e),
    );
    return { head, body };
  });
}

/** Sends `req` and resolves once the response head has arrived; connection errors reject (with their `code`). */
export function exchange(socketPath: string, req: ExchangeRequest): Promise<Exchange> {
  return open(socketPath, req).then(({ head, socket, rest }) => {
    const body = readBody(socket, rest, head, req.method);
    // The caller may never read it (a failed status is read for its message); a failure must not go unhandled.
    body.catch(() => undefined);
    return { head, body, abort: () => void socket.destroy(new ResponseError('the request was abandoned')) };
  });
}

/**
 * Sends an upgrade request and resolves with the head and the socket: after a `101` the socket is
 * the hijacked stream (bytes that came with the head are put back into it). Any other status gives
 * the socket with the response's body to read; the caller ends it.
 */
export function upgrade(socketPath: string, req: ExchangeRequest): Promise<{ head: ResponseHead; socket: Socket; body: () => Promise<Buffer> }> {
  return open(socketPath, req).then(({ head, socket, rest }) => {
    if (head.status === 101) {
      if (rest.length > 0) socket.unshift(rest);
      return { head, socket, body: () => Promise.resolve(Buffer.alloc(0)) };
    }
    return { head, socket, body: () => readBody(socket, rest, head, req.method) };
  });
}

function requestText(req: ExchangeRequest): string {
  // As node:http refuses them: a space or line break would end the request line or a header early.
  if (/[^\x21-\x7e]/.test(req.path)) throw new TypeError(`request path contains unescaped characters: ${JSON.stringify(req.path)}`);
  const lines = [`${req.method} ${req.path} HTTP/1.1`, 'Host: localhost'];
  for (const [name, value] of Object.entries(req.headers)) {
    if (/[\r\n]/.test(name + value)) throw new TypeError(`invalid character in header ${JSON.stringify(name)}`);
    lines.push(`${name}: ${value}`);
  }
  const length = req.body?.length ?? (req.method === 'POST' || req.method === 'PUT' ? 0 : undefined);
  if (length !== undefined) lines.push(`Content-Length: ${length}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Connects, writes the request, reads up to the end of the response head. `rest`: bytes after it. */
function open(socketPath: string, req: ExchangeRequest): Promise<{ head: ResponseHead; socket: Socket; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    // Before connecting: a request that cannot be written rejects (the executor's throw) with no connection made.
    const text = requestText(req);
    const socket = connect(socketPath);
    let received: Buffer = Buffer.alloc(0);
    const fail = (e: Error): void => {
      cleanup();
      socket.destroy();
      reject(e);
    };
    const onEnd = (): void => fail(new ResponseError('the daemon closed the connection before it answered'));
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) {
        received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
        const end = received.indexOf(HEAD_END);
        if (end < 0) continue;
        let head: ResponseHead;
        try {
          head = parseHead(received.subarray(0, end).toString('latin1'));
        } catch (e) {
          fail(e as Error);
          return;
        }
        cleanup();
        resolve({ head, socket, rest: received.subarray(end + HEAD_END.length) });
        return;
      }
    };
    // 'readable' and read(), not 'data': once the listener goes, the socket is back in its initial
    // state, so a hijacking caller's own 'data' listener makes it flow.
    const cleanup = (): void => {
      socket.off('readable', onReadable);
      socket.off('error', fail);
      socket.off('end', onEnd);
    };
    socket.on('readable', onReadable);
    socket.on('error', fail);
    socket.on('end', onEnd);
    socket.write(text);
    if (req.body !== undefined && req.body.length > 0) socket.write(req.body);
  });
}

function parseHead(text: string): ResponseHead {
  const [statusLine = '', ...lines] = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
  if (m === null) throw new ResponseError(`malformed response from the daemon: ${JSON.stringify(statusLine.slice(0, 80))}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new ResponseError(`malformed response header from the daemon: ${JSON.stringify(line.slice(0, 80))}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status: Number(m[1]), statusText: m[2] ?? '', headers };
}

/** Reads the whole body (see frameBody). */
function readBody(socket: Socket, rest: Buffer, head: ResponseHead, method: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  return frameBody(socket, rest, head, method, (data) => void (parts.push(data), (size += data.length))).then(() => Buffer.concat(parts, size));
}

/**
 * Hands each piece of the body to `out` as its head frames it (length, chunked, or up to the close),
 * then closes the socket; settles once the body is complete.
 */
function frameBody(socket: Socket, rest: Buffer, head: ResponseHead, method: string, out: (data: Buffer) => void): Promise<void> {
  const noBody = method === 'HEAD' || head.status === 204 || head.status === 304 || head.status < 200;
  const chunked = /(^|,)\s*chunked\s*$/i.test(head.headers['transfer-encoding'] ?? '');
  const lengthText = head.headers['content-length'];
  const length = noBody ? 0 : chunked || lengthText === undefined ? undefined : Number(lengthText);
  if (length !== undefined && !(Number.isSafeInteger(length) && length >= 0)) {
    socket.destroy();
    return Promise.reject(new ResponseError(`malformed Content-Length from the daemon: ${lengthText ?? ''}`));
  }
  const decoder = chunked && !noBody ? new ChunkedDecoder() : undefined;
  let size = 0;
  return new Promise((resolve, reject) => {
    const finish = (e?: Error): void => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', finish);
      socket.destroy();
      if (e !== undefined) reject(e);
      else resolve();
    };
    // True once the body is complete.
    const take = (chunk: Buffer): boolean => {
      if (decoder !== undefined) return decoder.feed(chunk, out);
      const wanted = length === undefined ? chunk.length : Math.min(chunk.length, length - size);
      if (wanted > 0) out(chunk.subarray(0, wanted));
      size += wanted;
      return length !== undefined && size >= length;
    };
    const onData = (chunk: Buffer): void => {
      try {
        if (take(chunk)) finish();
      } catch (e) {
        finish(e as Error);
      }
    };
    const onEnd = (): void => finish(length === undefined && decoder === undefined ? undefined : new ResponseError('the daemon closed the connection in the middle of its answer'));
    if (length === 0 || (rest.length > 0 && take(rest))) {
      finish();
      return;
    }
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', finish);
  });
}

/** Transfer-Encoding: chunked, fed as bytes arrive; trailers are skipped. */
export class ChunkedDecoder {
  private pending: Buffer = Buffer.alloc(0);
  /** Bytes of the current chunk's data still to come (then its CRLF). */
  private left = 0;
  private state: 'size' | 'data' | 'data-end' | 'trailer' | 'done' = 'size';

  /** Feeds `input`, handing each piece of data to `out`; true once the last chunk and trailers are in. */
  feed(input: Buffer, out: (data: Buffer) => void): boolean {
    let buf = this.pending.length === 0 ? input : Buffer.concat([this.pending, input]);
    this.pending = Buffer.alloc(0);
    while (buf.length > 0 && this.state !== 'done') {
      if (this.state === 'data') {
        const n = Math.min(this.left, buf.length);
        out(buf.subarray(0, n));
        this.left -= n;
        buf = buf.subarray(n);
        if (this.left === 0) this.state = 'data-end';
        continue;
      }
      const eol = buf.indexOf(CRLF);
      if (eol < 0) break;
      const line = buf.subarray(0, eol).toString('latin1');
      buf = buf.subarray(eol + CRLF.length);
      if (this.state === 'data-end') {
        if (line !== '') throw new ResponseError('malformed chunked answer from the daemon');
        this.state = 'size';
      } else if (this.state === 'size') {
        const sizeText = line.split(';')[0]?.trim() ?? '';
        if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw new ResponseError(`malformed chunk size from the daemon: ${JSON.stringify(line.slice(0, 40))}`);
        this.left = parseInt(sizeText, 16);
        this.state = this.left === 0 ? 'trailer' : 'data';
      } else if (line === '') {
        this.state = 'done';
      }
    }
    this.pending = buf;
    return this.state === 'done';
  }
}

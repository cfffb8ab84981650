import type { Duplex, Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import type { RequestContext } from './router.js';
import { commonHeaders } from './headers.js';

export const MULTIPLEXED = 'application/vnd.docker.multiplexed-stream';
export const RAW_STREAM = 'application/vnd.docker.raw-stream';

/** A bidirectional byte stream to a client: the hijacked socket, or a plain long-lived 200 response. */
export interface ClientStream {
  /** Writes output bytes (already framed if multiplexed); false means wait for 'drain' via `waitDrain`. */
  write(chunk: Buffer): boolean;
  waitDrain(): Promise<void>;
  /** Ends the session: the client sees EOF. */
  end(): void;
  /** Client → daemon bytes after the request body; null for plain requests, which carry no stdin. */
  stdin: Readable | null;
  /** Resolves when the client goes away or the stream was ended. */
  closed: Promise<void>;
}

/** The 8-byte header of Docker's multiplexed framing: stream type, 3 zero bytes, big-endian length. */
export function frame(stream: 1 | 2 | 3, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

/**
 * Reads the request body of an upgraded request (exec start sends JSON) out of the bytes that
 * follow the headers; whatever comes after it is the client's stdin.
 */
async function splitUpgradeBody(socket: Duplex, head: Buffer, length: number): Promise<{ body: Buffer; rest: Buffer }> {
  let buf = head;
  while (buf.length < length) {
    const chunk = await new Promise<Buffer | null>((resolve) => {
      const onData = (d: Buffer) => {
        cleanup();
        resolve(d);
      };
      const onEnd = () => {
        cleanup();
        resolve(null);
      };
      const cleanup = () => {
        socket.off('data', onData);
        socket.off('end', onEnd);
        socket.pause();
      };
      socket.on('data', onData);
      socket.on('end', onEnd);
      socket.resume();
    });
    if (chunk === null) break;
    buf = Buffer.concat([buf, chunk]);
  }
  return { body: buf.subarray(0, length), rest: buf.subarray(length) };
}

/** Reads the JSON body of a request, whichever way it arrived. */
export async function readBody(ctx: RequestContext): Promise<{ body: Buffer; rest: Buffer }> {
  const length = Number(ctx.req.headers['content-length'] ?? 0);
  if (ctx.upgrade) return splitUpgradeBody(ctx.upgrade.socket, ctx.upgrade.head, length);
  const chunks: Buffer[] = [];
  for await (const c of ctx.req) chunks.push(c as Buffer);
  return { body: Buffer.concat(chunks), rest: Buffer.alloc(0) };
}

/**
 * Switches the connection to a raw stream: `101 UPGRADED` when the client asked to upgrade (the
 * docker CLI requires exactly 101), else a `200` whose body is the stream (dockerode's default).
 * The header goes out at once and on its own: clients block until it arrives.
 */
export function openClientStream(ctx: RequestContext, contentType: string, leftover: Buffer): ClientStream {
  if (ctx.upgrade) {
    const { socket } = ctx.upgrade;
    const headers = { ...commonHeaders(), 'Content-Type': contentType, Connection: 'Upgrade', Upgrade: 'tcp' };
    socket.write(
      `HTTP/1.1 101 UPGRADED\r\n${Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')}\r\n`,
    );
    const stdin = new PassThrough();
    if (leftover.length > 0) stdin.write(leftover);
    socket.pipe(stdin);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    return {
      write: (chunk) => (socket.destroyed ? true : socket.write(chunk)),
      waitDrain: () => (socket.destroyed || socket.writableLength === 0 ? Promise.resolve() : new Promise((r) => socket.once('drain', r))),
      end: () => socket.end(),
      stdin,
      closed,
    };
  }
  const res = ctx.res;
  if (!res) throw new Error('request has neither a response nor an upgraded socket');
  res.writeHead(200, { 'Content-Type': contentType });
  res.flushHeaders();
  const closed = new Promise<void>((resolve) => res.once('close', () => resolve()));
  return {
    write: (chunk) => (res.destroyed ? true : res.write(chunk)),
    waitDrain: () => (res.destroyed || res.writableLength === 0 ? Promise.resolve() : new Promise((r) => res.once('drain', r))),
    end: () => res.end(),
    stdin: null,
    closed,
  };
}

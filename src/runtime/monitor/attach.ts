import { closeSync, constants as fsConstants, openSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { SeqpacketSocket } from 'node-unix-socket';
import { BerthError, errorMessage } from '../../lib/errors.js';

/** 1 = stdout, 2 = stderr (Docker's stream numbers). A TTY has only stdout. */
export type OutputStream = 1 | 2;

/**
 * One client connection to conmon's attach socket (SOCK_SEQPACKET).
 *
 * Output: each packet from conmon is one chunk of container output, its first byte naming the pipe
 * (2 stdout, 3 stderr); `onData` gets it as Docker's stream number. Chunks that arrive before the
 * first `onData` call are kept and delivered to it, so nothing is lost between connect and listen.
 * `onEnd` fires once, after the last chunk: conmon closes every attach connection when the process
 * has exited and its output is drained (or the connection failed / `close()` was called).
 *
 * Input: `write` sends raw stdin bytes (split into packets conmon can take whole); the promise
 * settles when the bytes are handed to the kernel, which gives callers backpressure.
 * `closeStdin` half-closes the connection: conmon then closes the container's stdin unless it was
 * launched with `leaveStdinOpen`. Closing or dropping the connection never stops the container.
 */
export interface AttachConnection {
  onData(cb: (stream: OutputStream, chunk: Buffer) => void): void;
  onEnd(cb: (err?: Error) => void): void;
  write(chunk: Buffer): Promise<void>;
  closeStdin(): void;
  close(): void;
}

/** conmon reads stdin packets into a 32 KiB buffer (minus one byte); larger packets would be cut. */
const MAX_STDIN_PACKET = 32 * 1024 - 1;

const PIPE_STDOUT = 2;
const PIPE_STDERR = 3;

type UnixSocketModule = typeof import('node-unix-socket');
let unixSocketModule: Promise<UnixSocketModule> | undefined;

/** The native addon loads at the first attach: a daemon nobody attaches to does without it (~1 MB RSS). */
function loadSeqpacket(): Promise<UnixSocketModule> {
  unixSocketModule ??= import('node-unix-socket').then((m) => (m as UnixSocketModule & { default?: UnixSocketModule }).default ?? m);
  return unixSocketModule;
}

/**
 * Connects to the attach socket at `socketPath` (normally `<bundle>/attach`). The path may exceed
 * the 108-byte sun_path limit: we connect through `/proc/self/fd/<dirfd>/attach`, as podman does.
 * With `stdin: false`, `write` and `closeStdin` are refused (a half-close would close the
 * container's stdin for every attached client).
 */
export async function attach(socketPath: string, opts: { stdin: boolean }): Promise<AttachConnection> {
  const { SeqpacketSocket } = await loadSeqpacket();
  return new Promise((resolve, reject) => {
    let dirFd: number;
    try {
      dirFd = openSync(dirname(socketPath), fsConstants.O_RDONLY | fsConstants.O_DIRECTORY);
    } catch (e) {
      reject(new BerthError('Unavailable', 'attach_failed', `cannot attach: ${errorMessage(e)}`, { cause: e }));
      return;
    }
    const sock = new SeqpacketSocket();
    let connected = false;
    const closeDir = (): void => {
      if (dirFd >= 0) closeSync(dirFd);
      dirFd = -1;
    };
    sock.once('error', (e: Error) => {
      closeDir();
      if (!connected) reject(new BerthError('Unavailable', 'attach_failed', `cannot attach: ${e.message}`, { cause: e }));
    });
    try {
      sock.connect(`/proc/self/fd/${dirFd}/${basename(socketPath)}`, () => {
        connected = true;
        closeDir();
        resolve(new SeqpacketAttach(sock, opts.stdin));
      });
    } catch (e) {
      closeDir();
      sock.destroy();
      reject(new BerthError('Unavailable', 'attach_failed', `cannot attach: ${errorMessage(e)}`, { cause: e }));
    }
  });
}

class SeqpacketAttach implements AttachConnection {
  private dataCb: ((stream: OutputStream, chunk: Buffer) => void) | undefined;
  private endCb: ((err?: Error) => void) | undefined;
  private pending: Array<[OutputStream, Buffer]> = [];
  private ended = false;
  private endErr: Error | undefined;
  private endDelivered = false;
  private stdinClosed = false;
  private closed = false;

  constructor(
    private readonly sock: SeqpacketSocket,
    private readonly stdin: boolean,
  ) {
    sock.on('data', (pkt: Buffer) => this.packet(pkt));
    sock.on('end', () => this.finish());
    sock.on('error', (e: Error) => this.finish(e));
  }

  onData(cb: (stream: OutputStream, chunk: Buffer) => void): void {
    this.dataCb = cb;
    const queued = this.pending;
    this.pending = [];
    for (const [s, c] of queued) cb(s, c);
    this.deliverEnd();
  }

  onEnd(cb: (err?: Error) => void): void {
    this.endCb = cb;
    this.deliverEnd();
  }

  write(chunk: Buffer): Promise<void> {
    if (!this.stdin) return Promise.reject(new BerthError('Conflict', 'stdin_not_attached', 'stdin is not attached'));
    if (this.stdinClosed || this.closed) return Promise.reject(new BerthError('Conflict', 'stdin_closed', 'stdin is closed'));
    const writes: Promise<void>[] = [];
    // A zero-length packet would read as EOF on conmon's side.
    for (let off = 0; off < chunk.length; off += MAX_STDIN_PACKET) {
      const part = chunk.subarray(off, Math.min(off + MAX_STDIN_PACKET, chunk.length));
      writes.push(new Promise((res) => this.sock.write(part, 0, part.length, () => res())));
    }
    return Promise.all(writes).then(() => undefined);
  }

  closeStdin(): void {
    if (!this.stdin || this.stdinClosed || this.closed) return;
    this.stdinClosed = true;
    this.sock.end();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sock.destroy();
    this.finish();
  }

  private packet(pkt: Buffer): void {
    if (pkt.length < 2) return;
    const stream: OutputStream | undefined = pkt[0] === PIPE_STDOUT ? 1 : pkt[0] === PIPE_STDERR ? 2 : undefined;
    if (stream === undefined) return;
    // Copy: the addon may reuse its receive buffer.
    const chunk = Buffer.from(pkt.subarray(1));
    if (this.dataCb) this.dataCb(stream, chunk);
    else this.pending.push([stream, chunk]);
  }

  private finish(err?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.endErr = err;
    if (!this.closed) {
      this.closed = true;
      this.sock.destroy();
    }
    this.deliverEnd();
  }

  /** The end is reported only after queued output has gone to a data listener (or none will come). */
  private deliverEnd(): void {
    if (!this.ended || this.endDelivered || !this.endCb) return;
    if (this.pending.length > 0 && !this.dataCb) return;
    this.endDelivered = true;
    this.endCb(this.endErr);
  }
}

import type { AttachConnection, OutputStream } from '../runtime/monitor/attach.js';

/**
 * A client's attachment to a container or exec, which may begin before the process exists
 * (`docker run` attaches before it starts the container). Output and end are delivered once a
 * monitor connection is bound; stdin written earlier is queued and flushed at bind time.
 */
export class AttachSession {
  private connection: AttachConnection | undefined;
  private readonly pendingStdin: Buffer[] = [];
  private stdinClosed = false;
  private ended = false;
  private outputCb: ((stream: OutputStream, chunk: Buffer) => void) | undefined;
  /** Output that arrived before the API layer subscribed. */
  private readonly pendingOutput: [OutputStream, Buffer][] = [];
  private endCb: (() => void) | undefined;

  constructor(
    readonly tty: boolean,
    readonly wantsStdin: boolean,
    readonly streams: { stdout: boolean; stderr: boolean },
  ) {}

  onOutput(cb: (stream: OutputStream, chunk: Buffer) => void): void {
    this.outputCb = cb;
    for (const [stream, chunk] of this.pendingOutput.splice(0)) cb(stream, chunk);
  }

  onEnd(cb: () => void): void {
    if (this.ended) cb();
    else this.endCb = cb;
  }

  /** Binds the monitor connection; queued stdin goes first. */
  async bind(conn: AttachConnection): Promise<void> {
    if (this.ended) {
      conn.close();
      return;
    }
    this.connection = conn;
    conn.onData((stream, chunk) => {
      if (!((stream === 1 && this.streams.stdout) || (stream === 2 && this.streams.stderr))) return;
      if (this.outputCb) this.outputCb(stream, chunk);
      else this.pendingOutput.push([stream, chunk]);
    });
    conn.onEnd(() => this.finish());
    for (const b of this.pendingStdin.splice(0)) await conn.write(b);
    if (this.stdinClosed) conn.closeStdin();
  }

  async writeStdin(chunk: Buffer): Promise<void> {
    if (!this.wantsStdin || this.stdinClosed) return;
    if (this.connection) await this.connection.write(chunk);
    else this.pendingStdin.push(chunk);
  }

  /** The client's stdin reached EOF: close the process's stdin. */
  closeStdin(): void {
    if (!this.wantsStdin || this.stdinClosed) return;
    this.stdinClosed = true;
    this.connection?.closeStdin();
  }

  /** The process will never run (start failed) or the client went away. */
  finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.connection?.close();
    const cb = this.endCb;
    this.endCb = undefined;
    cb?.();
  }

  get isEnded(): boolean {
    return this.ended;
  }
}

/**
 * A fixed set of equal buffers lent out and given back, so that copying a large file reuses a few
 * MiB instead of allocating fresh memory for every chunk (which costs page faults and makes V8
 * run full collections for the external memory). `take` waits while all of them are lent.
 */
export class BufferPool {
  private readonly free: Buffer[];
  private readonly own = new Set<ArrayBufferLike>();
  private readonly waiting: Array<(buf: Buffer) => void> = [];

  constructor(
    count: number,
    readonly size: number,
  ) {
    // Each its own allocation: a chunk's ArrayBuffer then tells which buffer it came from.
    this.free = Array.from({ length: count }, () => Buffer.allocUnsafeSlow(size));
    for (const buf of this.free) this.own.add(buf.buffer);
  }

  /** Buffers not lent out now. */
  get idle(): number {
    return this.free.length;
  }

  take(): Promise<Buffer> {
    const buf = this.free.pop();
    return buf !== undefined ? Promise.resolve(buf) : new Promise((resolve) => this.waiting.push(resolve));
  }

  /**
   * Gives back the buffer that `chunk` (a buffer taken, or part of one) lies in; a chunk from
   * elsewhere is ignored, so a consumer may release everything it was handed. The holder must
   * not touch the chunk afterwards.
   */
  release(chunk: Uint8Array): void {
    if (!this.own.has(chunk.buffer)) return;
    const buf = Buffer.from(chunk.buffer, 0, this.size);
    const next = this.waiting.shift();
    if (next !== undefined) next(buf);
    else this.free.push(buf);
  }
}

/** Where lent buffers go back: a consumer releases every chunk it was handed, lent or not. */
export interface Lender {
  /** Buffers not lent out now. */
  readonly idle: number;
  release(chunk: Uint8Array): void;
}

/**
 * A fixed set of equal buffers lent out and given back, so that copying a large file reuses a few
 * MiB instead of allocating fresh memory for every chunk (which costs page faults and makes V8
 * run full collections for the external memory). `take` waits while all of them are lent.
 */
export class BufferPool implements Lender {
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

  /** Whether `chunk` lies in one of this pool's buffers. */
  owns(chunk: Uint8Array): boolean {
    return this.own.has(chunk.buffer);
  }

  take(): Promise<Buffer> {
    const buf = this.tryTake();
    return buf !== undefined ? Promise.resolve(buf) : new Promise((resolve) => this.waiting.push(resolve));
  }

  /** A buffer now, or undefined while all of them are lent. */
  tryTake(): Buffer | undefined {
    return this.free.pop();
  }

  /**
   * Gives back the buffer that `chunk` (a buffer taken, or part of one) lies in; a chunk from
   * elsewhere is ignored, so a consumer may release everything it was handed. The holder must
   * not touch the chunk afterwards.
   */
  release(chunk: Uint8Array): void {
    if (!this.owns(chunk)) return;
    const buf = Buffer.from(chunk.buffer, 0, this.size);
    const next = this.waiting.shift();
    if (next !== undefined) next(buf);
    else this.free.push(buf);
  }
}

/**
 * A pool whose lent buffers each go to `holders` consumers at once: a buffer goes back once every
 * one of them has released it.
 */
export class SharedLender implements Lender {
  private readonly left = new Map<ArrayBufferLike, number>();

  constructor(
    private readonly pool: BufferPool,
    private readonly holders: number,
  ) {}

  get idle(): number {
    return this.pool.idle;
  }

  release(chunk: Uint8Array): void {
    if (!this.pool.owns(chunk)) return;
    const left = (this.left.get(chunk.buffer) ?? this.holders) - 1;
    if (left > 0) {
      this.left.set(chunk.buffer, left);
      return;
    }
    this.left.delete(chunk.buffer);
    this.pool.release(chunk);
  }
}

import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import { constants, crc32, deflateRaw } from 'node:zlib';
import type { BufferPool } from '../../lib/buffer-pool.js';
import { internal } from '../../lib/errors.js';

export interface ParallelGzipOptions {
  /** Bytes of input compressed as one unit (default 1 MiB). */
  chunkSize?: number;
  /** Chunks compressed at once on the libuv threadpool (default: the CPUs available). */
  concurrency?: number;
  /**
   * Level for chunks that compress (default 1: layer capture is bound by deflate, and level 1 stays
   * within a few per cent of the default level's size on rootfs content).
   */
  level?: number;
}

const WINDOW = 32 * 1024;
/**
 * Bits per byte of a sample above which its chunk is stored: random and already-compressed data
 * measures ~7.99, text 4-5, binaries 5-7. Deflate would cost the most there and gain nothing. A
 * random file's first chunk in a layer tar, after its entries' headers (1.5 KiB of the samples'
 * 32), measures ~7.89: still stored.
 */
const STORE_ENTROPY = 7.8;
const SAMPLES = 4;
const SAMPLE_SIZE = 8 * 1024;

/** gzip member header: deflate, no flags, no mtime (the bytes must depend on the input only), OS unknown. */
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);

function deflateChunk(data: Buffer, opts: { level: number; dictionary?: Buffer; finishFlush: number }): Promise<Buffer> {
  // An output buffer that holds the whole result (deflate's worst case is a little over the input):
  // with zlib's default of 16 KiB, every 16 KiB of output is one more trip through the threadpool.
  const chunkSize = data.length + (data.length >> 8) + 1024;
  return new Promise((resolve, reject) => {
    deflateRaw(data, { ...opts, chunkSize }, (err, out) => (err ? reject(err) : resolve(out)));
  });
}

/** Order-0 entropy (bits per byte) of evenly spread slices of `chunk`: cheap enough for the main thread. */
function sampledEntropy(chunk: Buffer): number {
  const counts = new Uint32Array(256);
  const slices = chunk.length <= SAMPLES * SAMPLE_SIZE ? [chunk] : Array.from({ length: SAMPLES }, (_, i) => {
    const at = Math.floor((chunk.length / SAMPLES) * i);
    return chunk.subarray(at, at + SAMPLE_SIZE);
  });
  let n = 0;
  for (const slice of slices) {
    for (let i = 0; i < slice.length; i++) counts[slice[i]!]!++;
    n += slice.length;
  }
  let bits = 0;
  for (const c of counts) if (c > 0) bits -= (c / n) * Math.log2(c / n);
  return bits;
}

/** Largest stored deflate block (RFC 1951 3.2.4: LEN is 16 bits). */
const STORED_MAX = 0xffff;

/** Bytes `length` bytes of input take as stored blocks: a 5-byte header for each block. */
export function storedSize(length: number): number {
  return length + 5 * Math.max(1, Math.ceil(length / STORED_MAX));
}

/**
 * Writes `chunk` as stored deflate blocks into `out` (at least `storedSize` long) and returns
 * those bytes. Written here rather than by zlib, whose level 0 still copies every byte through its
 * window on the threadpool: for random data that is most of a layer's compression time. The
 * stream is on a byte boundary here (its start, or after a sync flush or a stored block), so each
 * block header is one byte: BFINAL, then BTYPE 00 and the padding.
 */
export function writeStoredBlocks(chunk: Buffer, last: boolean, out: Buffer): Buffer {
  let at = 0;
  let to = 0;
  do {
    const len = Math.min(STORED_MAX, chunk.length - at);
    out[to] = last && at + len === chunk.length ? 1 : 0;
    out.writeUInt16LE(len, to + 1);
    out.writeUInt16LE(~len & 0xffff, to + 3);
    chunk.copy(out, to + 5, at, at + len);
    to += 5 + len;
    at += len;
  } while (at < chunk.length);
  return out.subarray(0, to);
}

/**
 * Compresses one chunk as raw deflate blocks that continue the stream: not final (a sync flush ends
 * it on a byte boundary) unless `last`; primed with the previous chunk's last 32 KiB as pigz does, so
 * matches across the cut are still found. Incompressible chunks are stored, into `out` when given.
 * The choice is made from the chunk's own bytes, never from timing, so equal input gives equal output.
 */
function compressChunk(chunk: Buffer, dictionary: Buffer | undefined, last: boolean, level: number, out: Buffer | undefined): Promise<Buffer> {
  if (chunk.length > 0 && sampledEntropy(chunk) > STORE_ENTROPY) {
    return Promise.resolve(writeStoredBlocks(chunk, last, out ?? Buffer.allocUnsafeSlow(storedSize(chunk.length))));
  }
  return deflateChunk(chunk, {
    level,
    ...(dictionary ? { dictionary } : {}),
    finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
  });
}

/** One gzip member's state between chunks: the CRC and length of the input so far, and the window the next chunk is primed with. */
class GzipMember {
  private crc = 0;
  private total = 0;
  private dictionary: Buffer | undefined;

  constructor(private readonly level: number) {}

  /** Starts compressing the next chunk of input; chunks must come in input order. */
  chunk(data: Buffer, last: boolean, out?: Buffer): Promise<Buffer> {
    this.crc = crc32(data, this.crc);
    this.total += data.length;
    const job = compressChunk(data, this.dictionary, last, this.level, out);
    // A copy: the chunk's memory may be reused before the next chunk is compressed.
    this.dictionary = data.length >= WINDOW ? Buffer.from(data.subarray(data.length - WINDOW)) : undefined;
    return job;
  }

  trailer(): Buffer {
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(this.crc >>> 0, 0);
    trailer.writeUInt32LE(this.total % 2 ** 32, 4);
    return trailer;
  }
}

function chunkOptions(opts: ParallelGzipOptions): { chunkSize: number; concurrency: number; level: number } {
  const chunkSize = opts.chunkSize ?? 1024 * 1024;
  if (chunkSize < WINDOW) throw new RangeError(`chunkSize must be at least ${WINDOW}`);
  return { chunkSize, concurrency: Math.max(1, opts.concurrency ?? availableParallelism()), level: opts.level ?? 1 };
}

/**
 * A gzip compressor (RFC 1952, one member) that deflates fixed-size chunks of its input on the
 * threadpool, several at once, and writes them in input order. Incompressible chunks (random or
 * already-compressed data) are stored rather than deflated. At most `concurrency` chunks are in
 * flight, plus the one being filled: memory stays bounded whatever the input's size.
 */
export function createParallelGzip(opts: ParallelGzipOptions = {}): Transform {
  const { chunkSize, concurrency, level } = chunkOptions(opts);
  const member = new GzipMember(level);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let headerSent = false;
  // Running compressions in input order; each settles to its output.
  const inFlight: Promise<Buffer>[] = [];

  const start = (chunk: Buffer, last: boolean): void => {
    const job = member.chunk(chunk, last);
    // Rejections are seen when the job reaches the head of the queue; until then, none is unhandled.
    job.catch(() => undefined);
    inFlight.push(job);
  };

  const shiftInto = async (stream: Transform): Promise<void> => {
    const out = await inFlight.shift()!;
    if (!headerSent) {
      stream.push(HEADER);
      headerSent = true;
    }
    stream.push(out);
  };

  return new Transform({
    transform(data: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      pending.push(data);
      pendingBytes += data.length;
      const work = async (): Promise<void> => {
        if (pendingBytes < chunkSize) return;
        // A lone piece (1 MiB reads from the content store) is used as it is, not copied.
        let all = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
        while (all.length >= chunkSize) {
          // Not last even at the end of the input: flush then ends the stream with an empty final block.
          start(all.subarray(0, chunkSize), false);
          all = all.subarray(chunkSize);
          while (inFlight.length >= concurrency) await shiftInto(this);
        }
        pending = all.length > 0 ? [all] : [];
        pendingBytes = all.length;
      };
      work().then(() => cb(), cb);
    },
    flush(cb: TransformCallback) {
      const finish = async (): Promise<void> => {
        start(Buffer.concat(pending, pendingBytes), true);
        pending = [];
        while (inFlight.length > 0) await shiftInto(this);
        this.push(member.trailer());
      };
      finish().then(() => cb(), cb);
    },
  });
}

/**
 * The same gzip member as `createParallelGzip` makes, of the file at `path`, read into `pool`'s
 * buffers (each at least `storedSize(chunkSize)` long): no memory is allocated for the bulk of an
 * incompressible file, whose fresh buffers would cost page faults and V8 full collections for the
 * external memory. Yields the member's pieces in order. A full chunk that is stored comes in a
 * buffer lent out of the pool, for the consumer to release; every other piece is its own. Each
 * chunk in flight holds two of the pool's buffers (input and output): the pool needs more than
 * twice the concurrency, plus what the consumer holds while it waits for the next piece.
 */
export async function* gzipFile(path: string, pool: BufferPool, opts: ParallelGzipOptions = {}): AsyncGenerator<Buffer> {
  const { chunkSize, concurrency, level } = chunkOptions(opts);
  if (pool.size < storedSize(chunkSize)) throw new RangeError(`pool buffers must hold ${storedSize(chunkSize)} bytes`);
  const member = new GzipMember(level);
  const fh = await open(path, 'r');
  const inFlight: Promise<Buffer>[] = [];
  try {
    const { size } = await fh.stat();
    yield HEADER;
    // Full chunks, then the rest (maybe none) as the last: the chunks the stream above would cut.
    for (let at = 0, last = false; !last; ) {
      while (inFlight.length >= concurrency) yield await inFlight.shift()!;
      const want = Math.min(chunkSize, size - at);
      last = want < chunkSize;
      const input = await pool.take();
      const { bytesRead } = await fh.read(input, 0, want, at);
      if (bytesRead < want) throw internal('layer_source_changed', `${path} shrank while it was being compressed`);
      at += want;
      const out = last ? undefined : await pool.take();
      const job = member.chunk(input.subarray(0, want), last, out).finally(() => pool.release(input));
      if (out !== undefined) job.then((piece) => piece.buffer !== out.buffer && pool.release(out), () => pool.release(out));
      inFlight.push(job);
    }
    while (inFlight.length > 0) yield await inFlight.shift()!;
    yield member.trailer();
  } finally {
    // Jobs still running (the consumer stopped, or a read failed) settle before the file closes.
    await Promise.allSettled(inFlight);
    await fh.close();
  }
}

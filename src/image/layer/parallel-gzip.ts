import { availableParallelism } from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import { constants, crc32, deflateRaw } from 'node:zlib';

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
 * measures ~7.99, text 4-5, binaries 5-7. Deflate would cost the most there and gain nothing.
 */
const STORE_ENTROPY = 7.9;
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

/**
 * `chunk` as stored deflate blocks, written here rather than by zlib, whose level 0 still copies
 * every byte through its window on the threadpool: for random data that is most of a layer's
 * compression time. The stream is on a byte boundary here (its start, or after a sync flush or a
 * stored block), so each block header is one byte: BFINAL, then BTYPE 00 and the padding.
 */
export function storedBlocks(chunk: Buffer, last: boolean): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  do {
    const len = Math.min(STORED_MAX, chunk.length - at);
    const final = last && at + len === chunk.length;
    const header = Buffer.alloc(5);
    header[0] = final ? 1 : 0;
    header.writeUInt16LE(len, 1);
    header.writeUInt16LE(~len & 0xffff, 3);
    out.push(header, chunk.subarray(at, at + len));
    at += len;
  } while (at < chunk.length);
  return out;
}

/**
 * Compresses one chunk as raw deflate blocks that continue the stream: not final (a sync flush ends
 * it on a byte boundary) unless `last`; primed with the previous chunk's last 32 KiB as pigz does, so
 * matches across the cut are still found. Incompressible chunks are stored. The choice is made from
 * the chunk's own bytes, never from timing, so equal input gives equal output.
 */
function compressChunk(chunk: Buffer, dictionary: Buffer | undefined, last: boolean, level: number): Promise<Buffer> {
  if (chunk.length > 0 && sampledEntropy(chunk) > STORE_ENTROPY) return Promise.resolve(Buffer.concat(storedBlocks(chunk, last)));
  return deflateChunk(chunk, {
    level,
    ...(dictionary ? { dictionary } : {}),
    finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
  });
}

/**
 * A gzip compressor (RFC 1952, one member) that deflates fixed-size chunks of its input on the
 * threadpool, several at once, and writes them in input order. Incompressible chunks (random or
 * already-compressed data) are stored rather than deflated. At most `concurrency` chunks are in
 * flight, plus the one being filled: memory stays bounded whatever the input's size.
 */
export function createParallelGzip(opts: ParallelGzipOptions = {}): Transform {
  const chunkSize = opts.chunkSize ?? 1024 * 1024;
  const concurrency = Math.max(1, opts.concurrency ?? availableParallelism());
  const level = opts.level ?? 1;
  if (chunkSize < WINDOW) throw new RangeError(`chunkSize must be at least ${WINDOW}`);

  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let dictionary: Buffer | undefined;
  let crc = 0;
  let total = 0;
  let headerSent = false;
  // Running compressions in input order; each settles to its output.
  const inFlight: Promise<Buffer>[] = [];

  const start = (chunk: Buffer, last: boolean): void => {
    const job = compressChunk(chunk, dictionary, last, level);
    // Rejections are seen when the job reaches the head of the queue; until then, none is unhandled.
    job.catch(() => undefined);
    inFlight.push(job);
    dictionary = chunk.length >= WINDOW ? Buffer.from(chunk.subarray(chunk.length - WINDOW)) : undefined;
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
      crc = crc32(data, crc);
      total += data.length;
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
        const trailer = Buffer.alloc(8);
        trailer.writeUInt32LE(crc >>> 0, 0);
        trailer.writeUInt32LE(total % 2 ** 32, 4);
        this.push(trailer);
      };
      finish().then(() => cb(), cb);
    },
  });
}

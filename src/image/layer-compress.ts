import type { Descriptor, ImageManifest } from '../oci/image.js';
import { MEDIA_TYPES } from '../oci/image.js';
import type { Digest } from '../oci/digest.js';
import type { ContentStore } from '../store/content/content-store.js';
import { BufferPool, SharedLender, type Lender } from '../lib/buffer-pool.js';
import { gzipFile, storedSize } from './layer/parallel-gzip.js';

/** Uncompressed layer media types and their gzip counterparts. */
const GZIP_OF: Readonly<Record<string, string>> = {
  [MEDIA_TYPES.dockerLayer]: MEDIA_TYPES.dockerLayerGzip,
  [MEDIA_TYPES.ociLayer]: MEDIA_TYPES.ociLayerGzip,
};

const isGzipLayer = (mediaType: string): boolean => mediaType === MEDIA_TYPES.dockerLayerGzip || mediaType === MEDIA_TYPES.ociLayerGzip;

/** The gzip blobs of the given images' layers by DiffID: a layer compressed once is not compressed again. */
export function gzipLayersByDiffId(images: readonly { manifest: ImageManifest; config: { rootfs: { diff_ids: string[] } } }[]): Map<string, Descriptor> {
  const out = new Map<string, Descriptor>();
  for (const { manifest, config } of images) {
    manifest.layers.forEach((l, i) => {
      const diffId = config.rootfs.diff_ids[i];
      if (diffId !== undefined && isGzipLayer(l.mediaType)) out.set(diffId, l);
    });
  }
  return out;
}

/** The gzip media type for an uncompressed layer's; undefined for any other. */
export function gzipMediaType(mediaType: string): string | undefined {
  return GZIP_OF[mediaType];
}

const CHUNK = 1024 * 1024;
/** Chunks of one layer compressed at once (the stored ones cost no threadpool time). */
const CONCURRENCY = 2;
/** Pieces queued for the upload besides the one it is sending. */
const UPLOAD_AHEAD = 3;
/**
 * Buffers of one layer's compression: two for each chunk being read and compressed (its input and
 * its stored output), those queued for and held by the upload, and one for the store's write.
 */
const COMPRESS_BUFFERS = 2 * CONCURRENCY + UPLOAD_AHEAD + 1;

/** A layer's gzip bytes as they are made; `return()` stops reading them. */
export interface GzipPieces extends AsyncIterableIterator<Buffer> {
  return(): Promise<IteratorResult<Buffer>>;
}

/**
 * Compresses a stored uncompressed layer blob with the parallel gzip (deterministic, so every
 * daemon makes the same blob from the same layer) into the content store. `gzip` yields the same
 * compressed bytes as they are made, for an upload in the same pass; its reader must ask for each
 * piece only once it is done with the previous one (undici writes a body so: see UploadFeed), or
 * call `return()` to stop reading, which leaves the store to finish alone. `hashed` gives the
 * blob's digest once every byte is hashed (an upload can close with it while the store makes the
 * blob durable); `stored` settles once the blob is stored. `onHashed` hears that digest before the
 * blob appears in the store.
 */
export function compressLayerBlob(
  digest: Digest,
  content: ContentStore,
  onHashed?: (digest: Digest) => void,
): { gzip: GzipPieces; hashed: Promise<Digest>; stored: Promise<{ digest: Digest; size: number }> } {
  const pool = new BufferPool(COMPRESS_BUFFERS, storedSize(CHUNK));
  const lender = new SharedLender(pool, 2);
  const feed = new UploadFeed(lender);
  const pieces = async function* (): AsyncGenerator<Buffer> {
    for await (const piece of gzipFile(content.path(digest), pool, { chunkSize: CHUNK, concurrency: CONCURRENCY })) {
      await feed.put(piece);
      yield piece;
    }
    feed.end();
  };
  let hashedNow: (digest: Digest) => void = () => undefined;
  const hashed = new Promise<Digest>((resolve) => (hashedNow = resolve));
  const stored = content.putLent(pieces(), lender, {
    onHashed: (d) => {
      onHashed?.(d);
      hashedNow(d);
    },
  });
  stored.catch((e: unknown) => feed.fail(e));
  // A store that fails before the last byte is hashed fails `hashed` too, which no one may await.
  const hashedOrFailed = Promise.race([hashed, stored.then(() => hashed)]);
  hashedOrFailed.catch(() => undefined);
  return { gzip: feed, hashed: hashedOrFailed, stored };
}

/**
 * The compressed pieces on their way to the upload, each lent until the reader asks for the next
 * one: undici writes an async iterable body chunk by chunk and, for a chunk above the socket's
 * high-water mark (16 KiB; the lent pieces are 1 MiB), waits for the socket to drain before it
 * asks for the next, so the bytes are with the kernel by then. A reader that stops (`return()`)
 * gives back what it holds and everything later goes to the store alone.
 */
class UploadFeed implements GzipPieces {
  private readonly queue: Buffer[] = [];
  private handed: Buffer | undefined;
  private ended = false;
  private failure: { error: unknown } | undefined;
  private stopped = false;
  private wakeReader: (() => void) | undefined;
  private wakeWriter: (() => void) | undefined;

  constructor(private readonly lender: Lender) {}

  [Symbol.asyncIterator](): AsyncIterableIterator<Buffer> {
    return this;
  }

  /** Queues a piece; waits while UPLOAD_AHEAD are queued. */
  async put(piece: Buffer): Promise<void> {
    if (this.stopped) return this.lender.release(piece);
    this.queue.push(piece);
    this.wake('reader');
    while (this.queue.length >= UPLOAD_AHEAD && !this.stopped) await new Promise<void>((resolve) => (this.wakeWriter = resolve));
  }

  end(): void {
    this.ended = true;
    this.wake('reader');
  }

  fail(error: unknown): void {
    this.failure ??= { error };
    this.wake('reader');
  }

  async next(): Promise<IteratorResult<Buffer>> {
    this.giveBack();
    while (this.queue.length === 0 && !this.ended && this.failure === undefined && !this.stopped) {
      await new Promise<void>((resolve) => (this.wakeReader = resolve));
    }
    if (this.failure !== undefined) throw this.failure.error;
    const piece = this.stopped ? undefined : this.queue.shift();
    if (piece === undefined) return { done: true, value: undefined };
    this.handed = piece;
    this.wake('writer');
    return { done: false, value: piece };
  }

  async return(): Promise<IteratorResult<Buffer>> {
    this.stopped = true;
    this.giveBack();
    for (const piece of this.queue.splice(0)) this.lender.release(piece);
    this.wake('writer');
    this.wake('reader');
    return { done: true, value: undefined };
  }

  private giveBack(): void {
    if (this.handed !== undefined) this.lender.release(this.handed);
    this.handed = undefined;
  }

  private wake(who: 'reader' | 'writer'): void {
    const wake = who === 'reader' ? this.wakeReader : this.wakeWriter;
    if (who === 'reader') this.wakeReader = undefined;
    else this.wakeWriter = undefined;
    wake?.();
  }
}

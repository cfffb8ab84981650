import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough, Transform, type Readable, type Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { BufferPool } from '../lib/buffer-pool.js';
import { noteYoungBuffers } from '../lib/v8-collector.js';
import { BerthError, errorMessage, invalidArgument, isBerthError } from '../lib/errors.js';
import { nextChainId, parseDiffId, type ChainId, type DiffId, type Digest } from '../oci/digest.js';
import type { ContentStore } from '../store/content/content-store.js';
import type { SnapshotManager } from '../store/snapshot/snapshot-manager.js';
import type { SnapshotRow } from '../store/meta/meta-store.js';
import { applyLayer } from './layer/apply.js';
import { decompressedStream, detectCompression } from './layer/compression.js';
import { createParallelGzip } from './layer/parallel-gzip.js';

export interface IngestedLayer {
  diffId: DiffId;
  chainId: ChainId;
  blob: { digest: Digest; size: number };
  /** The layer's size as Docker counts it (ApplyResult.contentBytes). */
  size: number;
  snapshot: SnapshotRow;
}

/**
 * Holds the end of a blob being stored until its layer is unpacked: a layer refused part-way (an
 * entry escaping the root, a wrong DiffID) must not leave its blob behind, and a small blob is
 * fully stored before that is known. `settle(false)` makes the store fail.
 */
function unpackGate(): { gate: Transform; settle: (ok: boolean) => void } {
  let settle: (ok: boolean) => void = () => undefined;
  const applied = new Promise<boolean>((resolve) => (settle = resolve));
  const gate = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      cb(null, chunk);
    },
    flush(cb) {
      void applied.then((ok) => cb(ok ? null : new Error('layer was not unpacked')));
    },
  });
  return { gate, settle };
}

/** Passes bytes through, keeping their sha256; `onChunk` sees each chunk's size. */
function measuring(onChunk?: (bytes: number) => void): { stream: Transform; digest: () => string } {
  const hash = createHash('sha256');
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      onChunk?.(chunk.length);
      cb(null, chunk);
    },
  });
  let digest: string | undefined;
  return { stream, digest: () => (digest ??= `sha256:${hash.digest('hex')}`) };
}

/**
 * Reads an uncompressed layer tar once and, in the same pass, computes its DiffID, stores its
 * gzip-compressed blob and unpacks it into a committed snapshot on top of `parent`.
 */
export async function ingestLayer(
  tar: Readable,
  parent: { chainId: ChainId; snapshotKey: string } | null,
  content: ContentStore,
  snapshots: SnapshotManager,
): Promise<IngestedLayer> {
  const measured = measuring();
  const measure = measured.stream;
  const toBlob = new PassThrough();
  const toDisk = new PassThrough();
  const { gate, settle: settleApply } = unpackGate();
  // A non-berth error here comes from the input itself (corrupt or truncated gzip): the caller's fault.
  tar.on('error', (e) => {
    measure.destroy(isBerthError(e) ? e : invalidArgument('layer_read_failed', `reading the layer: ${errorMessage(e)}`, e));
  });
  // A broken input (truncated gzip) fails both consumers; `gate` and `toDisk` have listeners,
  // the intermediate streams are left to be collected.
  measure.on('error', (e) => {
    toDisk.destroy(e);
    gate.destroy(e);
  });
  // The unpack starts reading `toDisk` only once its snapshot is prepared; an input that fails before
  // then must not be an unhandled 'error': the unpack sees the stored error when it starts.
  toDisk.on('error', () => undefined);
  tar.pipe(measure);
  measure.pipe(toBlob);
  measure.pipe(toDisk);

  let blob: { digest: Digest; size: number } | undefined;
  let diffId: DiffId | undefined;
  const blobDone = content.putStream(toBlob.pipe(createParallelGzip()).pipe(gate));
  // An input that fails at once (a COPY of a bad archive) rejects this before the snapshot is
  // prepared and anything awaits it: that must not be an unhandled rejection.
  blobDone.catch(() => undefined);
  const snapshot = await snapshots.commit(parent?.snapshotKey ?? null, async (dir) => {
    const unpacked = applyLayer(toDisk, dir);
    unpacked.then(() => settleApply(true), () => settleApply(false));
    const [applied, stored] = await Promise.all([unpacked, blobDone]);
    blob = stored;
    diffId = parseDiffId(measured.digest());
    return { key: nextChainId(parent?.chainId ?? null, diffId), size: applied.contentBytes };
  }).catch(async (e: unknown) => {
    settleApply(false);
    // The unpack stopped reading: detach it, or `measure` stays paused waiting for its drain and
    // the rest of the input never reaches the gate.
    measure.unpipe(toDisk);
    measure.resume();
    await blobDone.catch(() => undefined);
    throw e;
  });
  if (blob === undefined || diffId === undefined) throw new Error('layer ingest finished without a digest');
  return { diffId, chainId: snapshot.key as ChainId, blob, size: snapshot.size, snapshot };
}

/**
 * Unpacks a (possibly compressed) layer blob into `dir` and checks it against the config's
 * DiffID; returns the layer's size as Docker counts it (ApplyResult.contentBytes).
 */
export async function unpackCompressedLayer(blob: Readable, dir: string, digest: Digest, diffId: DiffId): Promise<number> {
  // A blob whose digest is its DiffID is the tar itself, and its bytes are checked against that
  // digest by whoever stores them: hashing them again here would only repeat it.
  if ((digest as string) === (diffId as string)) return (await applyLayer(blob, dir)).contentBytes;
  return unpackTar(await decompressedStream(blob), dir, digest, diffId);
}

/** Unpacks a layer's uncompressed tar into `dir`, checked against its DiffID; returns its size. */
async function unpackTar(tar: Readable, dir: string, digest: Digest, diffId: DiffId): Promise<number> {
  // Inflated output: fresh buffers, written to files and dropped.
  const measured = measuring(noteYoungBuffers);
  tar.on('error', (e) => measured.stream.destroy(e));
  const { contentBytes } = await applyLayer(tar.pipe(measured.stream), dir);
  if (measured.digest() !== diffId) {
    throw invalidArgument('diff_id_mismatch', `layer ${digest} unpacks to ${measured.digest()}, but the image config says ${diffId}`);
  }
  return contentBytes;
}

/**
 * The unpacking side of a pulled blob, fed its pieces one at a time. A gzip blob's pieces go
 * straight into the inflater, and `write` resolves once it has consumed them, so the piece can
 * be reused; any other blob gets copies, through the generic decompression. After a failure of
 * the unpack, or `stop`, writes are dropped.
 */
class UnpackFeed {
  private readonly input: Writable & Readable;
  private readonly gzip: boolean;
  private stopped = false;
  private resolveStopped: () => void = () => undefined;
  private readonly stopped$ = new Promise<void>((resolve) => (this.resolveStopped = resolve));

  constructor(
    head: Buffer,
    private readonly digest: Digest,
    private readonly diffId: DiffId,
  ) {
    this.gzip = (digest as string) !== (diffId as string) && detectCompression(head) === 'gzip';
    // zlib's 16 KiB default output chunks cost a main-thread callback each; 1 MiB ones made each
    // layer in flight hold several MiB of output (a 500 MB pull's RSS grew ~10 MB more).
    this.input = this.gzip ? createGunzip({ chunkSize: 256 * 1024 }) : new PassThrough();
    this.input.on('error', () => this.stop());
  }

  /** Drops what is written from now on, and wakes a write waiting for the unpack. */
  stop(): void {
    this.stopped = true;
    this.resolveStopped();
  }

  /** Unpacks what is written into `dir`; returns the layer's size. */
  unpack(dir: string): Promise<number> {
    return this.gzip ? unpackTar(this.input, dir, this.digest, this.diffId) : unpackCompressedLayer(this.input, dir, this.digest, this.diffId);
  }

  async write(piece: Buffer): Promise<void> {
    if (this.stopped) return;
    if (this.gzip) {
      await Promise.race([new Promise<void>((resolve) => this.input.write(piece, () => resolve())), this.stopped$]);
    } else {
      noteYoungBuffers(piece.length);
      if (!this.input.write(Buffer.from(piece))) await Promise.race([once(this.input, 'drain'), this.stopped$]);
    }
  }

  end(): void {
    if (!this.stopped) this.input.end();
  }

  /** The download failed: so does the unpack. */
  abort(e: unknown): void {
    this.stop();
    this.input.destroy(e instanceof Error ? e : new Error(String(e)));
  }
}

/**
 * A pulled layer in one read of its (compressed) blob, whose pieces are lent out of `pool`: each
 * is hashed, inflated, then written to the content store, which gives it back. The blob is
 * verified against `digest` and its tar, unpacked into a committed snapshot, against `diffId`.
 * Either mismatch fails both: no blob and no snapshot. The parent need not be unpacked yet (an
 * overlay layer directory does not depend on the layers below), so layers of one image unpack
 * in parallel as they download.
 */
export async function ingestLayerBlob(
  pieces: AsyncIterable<Buffer>,
  pool: BufferPool,
  digest: Digest,
  parent: ChainId | null,
  diffId: DiffId,
  content: ContentStore,
  snapshots: SnapshotManager,
): Promise<void> {
  const reader = pieces[Symbol.asyncIterator]();
  const first = await reader.next();
  const feed = new UnpackFeed(first.done === true ? Buffer.alloc(0) : first.value, digest, diffId);
  const hash = createHash('sha256');
  let received: string | undefined;
  let settle: (ok: boolean) => void = () => undefined;
  const applied = new Promise<boolean>((resolve) => (settle = resolve));
  // The store ends only once the layer is unpacked: a layer refused part-way (an entry escaping
  // the root, a wrong DiffID) must not leave its blob behind. After such a refusal the rest is
  // still read, so that a corrupt download is named as such.
  async function* stored(): AsyncGenerator<Buffer> {
    try {
      for (let next = first; next.done !== true; next = await reader.next()) {
        hash.update(next.value);
        await feed.write(next.value);
        yield next.value;
      }
    } catch (e) {
      feed.abort(e);
      throw e;
    }
    received = `sha256:${hash.digest('hex')}`;
    feed.end();
    if (!(await applied)) throw new Error('layer was not unpacked');
  }
  const store = content.putLent(stored(), pool, { expected: digest, hashedBy: () => received! });
  store.catch((e: unknown) => feed.abort(e));
  const key = nextChainId(parent, diffId);
  try {
    await snapshots.commit(parent, async (dir) => {
      const size = await feed.unpack(dir);
      settle(true);
      await store;
      return { key, size };
    });
  } catch (e) {
    feed.stop();
    settle(false);
    await store.catch(() => undefined);
    if (received !== undefined && received !== digest) {
      throw new BerthError('InvalidArgument', 'digest_mismatch', `blob digest mismatch: expected ${digest}, got ${received}`);
    }
    throw e;
  }
}

import { createHash } from 'node:crypto';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { createGzip, constants as zlibConstants } from 'node:zlib';
import { errorMessage, invalidArgument, isBerthError } from '../lib/errors.js';
import { nextChainId, parseDiffId, type ChainId, type DiffId, type Digest } from '../oci/digest.js';
import type { ContentStore } from '../store/content/content-store.js';
import type { SnapshotManager } from '../store/snapshot/snapshot-manager.js';
import type { SnapshotRow } from '../store/meta/meta-store.js';
import { applyLayer } from './layer/apply.js';

export interface IngestedLayer {
  diffId: DiffId;
  chainId: ChainId;
  blob: { digest: Digest; size: number };
  /** Bytes of the uncompressed tar. */
  size: number;
  snapshot: SnapshotRow;
}

/**
 * Level 1: layer capture is bounded by gzip on these machines and level 1 keeps it above
 * 100 MB/s while compressing typical rootfs content to within ~10% of the default level.
 */
const GZIP_LEVEL = 1;

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
  const hash = createHash('sha256');
  let size = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  const toBlob = new PassThrough();
  const toDisk = new PassThrough();
  let settleApply: (ok: boolean) => void = () => undefined;
  const applied = new Promise<boolean>((resolve) => (settleApply = resolve));
  // The blob's last bytes wait for the unpack: a layer refused part-way (an entry escaping the
  // root) must not leave its blob behind, and a small tar is fully stored before that is known.
  const gate = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      cb(null, chunk);
    },
    flush(cb) {
      void applied.then((ok) => cb(ok ? null : new Error('layer was not unpacked')));
    },
  });
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
  const blobDone = content.putStream(toBlob.pipe(createGzip({ level: GZIP_LEVEL, strategy: zlibConstants.Z_DEFAULT_STRATEGY })).pipe(gate));
  const snapshot = await snapshots.commit(parent?.snapshotKey ?? null, async (dir) => {
    const unpacked = applyLayer(toDisk, dir);
    unpacked.then(() => settleApply(true), () => settleApply(false));
    const [, stored] = await Promise.all([unpacked, blobDone]);
    blob = stored;
    diffId = parseDiffId(`sha256:${hash.digest('hex')}`);
    return { key: nextChainId(parent?.chainId ?? null, diffId), size };
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
  return { diffId, chainId: snapshot.key as ChainId, blob, size, snapshot };
}

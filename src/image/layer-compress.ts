import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Descriptor, ImageManifest } from '../oci/image.js';
import { MEDIA_TYPES } from '../oci/image.js';
import type { Digest } from '../oci/digest.js';
import type { ContentStore } from '../store/content/content-store.js';
import { createParallelGzip } from './layer/parallel-gzip.js';

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

/**
 * Compresses a stored uncompressed layer blob with the parallel gzip (deterministic, so every
 * daemon makes the same blob from the same layer) into the content store. `gzip` yields the same
 * compressed bytes as they are made, for an upload in the same pass; it must be read (or
 * resumed) for the store to finish. `stored` settles once the blob is stored.
 */
export function compressLayerBlob(digest: Digest, content: ContentStore): { gzip: Readable; stored: Promise<{ digest: Digest; size: number }> } {
  const gz = createParallelGzip();
  const toStore = new PassThrough();
  const gzip = new PassThrough();
  gz.on('error', (e) => {
    toStore.destroy(e);
    gzip.destroy(e);
  });
  // A failure also rejects `stored`; a consumer that has not attached yet must not crash the daemon.
  gzip.on('error', () => undefined);
  gz.pipe(toStore);
  gz.pipe(gzip);
  const stored = Promise.all([content.putStream(toStore), pipeline(content.read(digest), gz)]).then(([blob]) => blob);
  return { gzip, stored };
}

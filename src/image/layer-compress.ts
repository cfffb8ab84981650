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

export function hasUncompressedLayers(manifest: ImageManifest): boolean {
  return manifest.layers.some((l) => GZIP_OF[l.mediaType] !== undefined);
}

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

/**
 * `manifest` with each uncompressed layer replaced by a gzip blob: one in `known` for its DiffID,
 * else its blob compressed into the content store with the parallel gzip (deterministic, so every
 * daemon makes the same blob from the same layer). Layers are compressed one at a time, each on
 * every CPU.
 */
export async function compressManifestLayers(
  manifest: ImageManifest,
  diffIds: readonly string[],
  content: ContentStore,
  known: ReadonlyMap<string, Descriptor>,
): Promise<ImageManifest> {
  const layers: Descriptor[] = [];
  for (const [i, layer] of manifest.layers.entries()) {
    const gzipType = GZIP_OF[layer.mediaType];
    const reuse = known.get(diffIds[i] ?? '');
    if (gzipType === undefined) layers.push(layer);
    else if (reuse !== undefined) layers.push({ ...layer, mediaType: gzipType, digest: reuse.digest, size: reuse.size });
    else {
      const gz = createParallelGzip();
      const [stored] = await Promise.all([content.putStream(gz), pipeline(content.read(layer.digest as Digest), gz)]);
      layers.push({ ...layer, mediaType: gzipType, digest: stored.digest, size: stored.size });
    }
  }
  return { ...manifest, layers };
}

import { invalidArgument } from '../lib/errors.js';
import { MEDIA_TYPES, type ImageManifest } from './image.js';

/** The manifest formats a push can write: Docker's schema2 (`v2s2`, Docker's own choice) or OCI's. */
export type ManifestFormat = 'v2s2' | 'oci';

const MANIFEST_FORMATS: readonly string[] = ['v2s2', 'oci'];

/** `oci`, `v2s2` (podman's `--format` words) → the format. */
export function parseManifestFormat(text: string): ManifestFormat {
  if (!MANIFEST_FORMATS.includes(text)) throw invalidArgument('invalid_manifest_format', `unsupported manifest format "${text}": use oci or v2s2`);
  return text as ManifestFormat;
}

/** Docker's media type and OCI's for the same thing, in pairs. */
const PAIRS: ReadonlyArray<readonly [docker: string, oci: string]> = [
  [MEDIA_TYPES.dockerManifest, MEDIA_TYPES.ociManifest],
  [MEDIA_TYPES.dockerConfig, MEDIA_TYPES.ociConfig],
  [MEDIA_TYPES.dockerLayerGzip, MEDIA_TYPES.ociLayerGzip],
  [MEDIA_TYPES.dockerLayer, MEDIA_TYPES.ociLayer],
  ['application/vnd.docker.image.rootfs.diff.tar.zstd', 'application/vnd.oci.image.layer.v1.tar+zstd'],
  ['application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip'],
];

const TO: Record<ManifestFormat, ReadonlyMap<string, string>> = {
  oci: new Map(PAIRS.map(([d, o]) => [d, o])),
  v2s2: new Map(PAIRS.map(([d, o]) => [o, d])),
};

/** The format a manifest is in, from its media type (an OCI manifest may omit it). */
export function manifestFormat(manifest: ImageManifest): ManifestFormat {
  return manifest.mediaType === MEDIA_TYPES.dockerManifest ? 'v2s2' : 'oci';
}

/**
 * The manifest (and its bytes) in `format`: the same blobs under the other family's media types.
 * A manifest already in `format` is returned as it is, bytes and all, so its digest holds.
 * Media types with no counterpart are kept.
 */
export function convertManifest(manifest: ImageManifest, bytes: Buffer, format: ManifestFormat): { manifest: ImageManifest; bytes: Buffer } {
  if (manifestFormat(manifest) === format) return { manifest, bytes };
  const map = TO[format];
  const retype = <T extends { mediaType: string }>(d: T): T => ({ ...d, mediaType: map.get(d.mediaType) ?? d.mediaType });
  const converted: ImageManifest = {
    schemaVersion: 2,
    mediaType: format === 'oci' ? MEDIA_TYPES.ociManifest : MEDIA_TYPES.dockerManifest,
    config: retype(manifest.config),
    layers: manifest.layers.map(retype),
  };
  return { manifest: converted, bytes: Buffer.from(JSON.stringify(converted, null, 2)) };
}

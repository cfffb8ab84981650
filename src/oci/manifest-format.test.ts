import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MEDIA_TYPES, type ImageManifest } from './image.js';
import { convertManifest, manifestFormat, parseManifestFormat } from './manifest-format.js';

const docker: ImageManifest = {
  schemaVersion: 2,
  mediaType: MEDIA_TYPES.dockerManifest,
  config: { mediaType: MEDIA_TYPES.dockerConfig, digest: 'sha256:' + 'c'.repeat(64), size: 10 },
  layers: [
    { mediaType: MEDIA_TYPES.dockerLayerGzip, digest: 'sha256:' + 'a'.repeat(64), size: 20 },
    { mediaType: MEDIA_TYPES.dockerLayer, digest: 'sha256:' + 'b'.repeat(64), size: 30 },
  ],
};

test('convertManifest: schema2 to OCI and back, same blobs', () => {
  const bytes = Buffer.from(JSON.stringify(docker));
  const oci = convertManifest(docker, bytes, 'oci');
  assert.equal(oci.manifest.mediaType, MEDIA_TYPES.ociManifest);
  assert.equal(oci.manifest.config.mediaType, MEDIA_TYPES.ociConfig);
  assert.deepEqual(
    oci.manifest.layers.map((l) => l.mediaType),
    [MEDIA_TYPES.ociLayerGzip, MEDIA_TYPES.ociLayer],
  );
  assert.deepEqual(JSON.parse(oci.bytes.toString('utf8')), oci.manifest);
  assert.deepEqual(
    oci.manifest.layers.map((l) => [l.digest, l.size]),
    docker.layers.map((l) => [l.digest, l.size]),
  );
  const back = convertManifest(oci.manifest, oci.bytes, 'v2s2');
  assert.deepEqual(back.manifest, docker);
});

test('convertManifest: a manifest already in the format keeps its bytes', () => {
  const bytes = Buffer.from(JSON.stringify(docker, null, 3));
  assert.equal(convertManifest(docker, bytes, 'v2s2').bytes, bytes);
  const oci = convertManifest(docker, bytes, 'oci');
  assert.equal(convertManifest(oci.manifest, oci.bytes, 'oci').bytes, oci.bytes);
});

test('manifestFormat: an OCI manifest without mediaType is OCI', () => {
  const { mediaType: _omit, ...rest } = docker;
  assert.equal(manifestFormat({ ...rest, mediaType: undefined as unknown as string }), 'oci');
  assert.equal(manifestFormat(docker), 'v2s2');
});

test('parseManifestFormat: oci and v2s2 only', () => {
  assert.equal(parseManifestFormat('oci'), 'oci');
  assert.equal(parseManifestFormat('v2s2'), 'v2s2');
  assert.throws(() => parseManifestFormat('docker'), /unsupported manifest format "docker"/);
});

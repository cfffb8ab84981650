import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { MEDIA_TYPES, type ImageManifest } from '../oci/image.js';
import type { Digest } from '../oci/digest.js';
import { ContentStore } from '../store/content/content-store.js';
import { compressManifestLayers, gzipLayersByDiffId, hasUncompressedLayers } from './layer-compress.js';
import { collect } from './layer/test-fixtures.js';

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('compressManifestLayers', () => {
  let root = '';
  let content: ContentStore;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'layer-compress-'));
    content = new ContentStore(root);
    await content.init();
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const config = { mediaType: MEDIA_TYPES.dockerConfig, digest: `sha256:${'c'.repeat(64)}`, size: 2 };

  it('replaces uncompressed layers by gzip blobs of the same bytes, keeps compressed ones, reuses known ones', async () => {
    const tars = [Buffer.from('first layer '.repeat(1000)), Buffer.from('second layer '.repeat(1000)), Buffer.from('third layer '.repeat(1000))];
    const gz0 = gzipSync(tars[0]!);
    const stored0 = await content.putBytes(gz0);
    const plain1 = await content.putBytes(tars[1]!);
    const plain2 = await content.putBytes(tars[2]!);
    const diffIds = tars.map(sha);
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config,
      layers: [
        { mediaType: MEDIA_TYPES.ociLayerGzip, ...stored0 },
        { mediaType: MEDIA_TYPES.ociLayer, ...plain1 },
        { mediaType: MEDIA_TYPES.ociLayer, ...plain2 },
      ],
    };
    assert.equal(hasUncompressedLayers(manifest), true);
    const knownBlob = { mediaType: MEDIA_TYPES.dockerLayerGzip, digest: `sha256:${'e'.repeat(64)}`, size: 42 };
    const out = await compressManifestLayers(manifest, diffIds, content, new Map([[diffIds[2]!, knownBlob]]));
    assert.equal(hasUncompressedLayers(out), false);
    assert.deepEqual(out.layers[0], manifest.layers[0]);
    assert.equal(out.layers[1]!.mediaType, MEDIA_TYPES.ociLayerGzip);
    const gz1 = await collect(content.read(out.layers[1]!.digest as Digest));
    assert.equal(out.layers[1]!.size, gz1.length);
    assert.deepEqual(gunzipSync(gz1), tars[1]);
    assert.deepEqual(out.layers[2], { mediaType: MEDIA_TYPES.ociLayerGzip, digest: knownBlob.digest, size: 42 });

    // Deterministic: compressing again gives the same blob.
    const again = await compressManifestLayers(manifest, diffIds, content, new Map());
    assert.equal(again.layers[1]!.digest, out.layers[1]!.digest);
    assert.deepEqual(gzipLayersByDiffId([{ manifest: out, config: { rootfs: { diff_ids: diffIds } } }]).get(diffIds[1]!), out.layers[1]);
  });

  it('fails when an uncompressed blob is missing', async () => {
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.dockerManifest,
      config,
      layers: [{ mediaType: MEDIA_TYPES.dockerLayer, digest: `sha256:${'d'.repeat(64)}`, size: 10 }],
    };
    await assert.rejects(compressManifestLayers(manifest, [`sha256:${'d'.repeat(64)}`], content, new Map()), /ENOENT/);
  });
});

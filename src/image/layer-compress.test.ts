import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { MEDIA_TYPES, type ImageManifest } from '../oci/image.js';
import type { Digest } from '../oci/digest.js';
import { ContentStore } from '../store/content/content-store.js';
import { compressLayerBlob, gzipLayersByDiffId, gzipMediaType } from './layer-compress.js';
import { collect } from './layer/test-fixtures.js';

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('compressLayerBlob', () => {
  let root = '';
  let content: ContentStore;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'layer-compress-'));
    content = new ContentStore(root);
    await content.init();
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('stores a gzip blob of the same bytes and yields those bytes as it goes; deterministic', async () => {
    const tar = Buffer.from('a layer '.repeat(5000));
    const plain = await content.putBytes(tar);
    const { gzip, stored } = compressLayerBlob(plain.digest, content);
    const [streamed, blob] = await Promise.all([collect(gzip), stored]);
    assert.deepEqual(await collect(content.read(blob.digest)), streamed);
    assert.equal(blob.digest, sha(streamed));
    assert.equal(blob.size, streamed.length);
    assert.deepEqual(gunzipSync(streamed), tar);
    const again = compressLayerBlob(plain.digest, content);
    again.gzip.resume();
    assert.equal((await again.stored).digest, blob.digest);
  });

  it('fails when the uncompressed blob is missing', async () => {
    const { gzip, stored } = compressLayerBlob(`sha256:${'d'.repeat(64)}` as Digest, content);
    gzip.on('error', () => undefined).resume();
    await assert.rejects(stored, /ENOENT/);
  });
});

describe('gzipLayersByDiffId and gzipMediaType', () => {
  it('maps DiffIDs to the gzip blobs images hold; uncompressed media types to their gzip ones', () => {
    const diffIds = [`sha256:${'1'.repeat(64)}`, `sha256:${'2'.repeat(64)}`];
    const gz = { mediaType: MEDIA_TYPES.ociLayerGzip, digest: `sha256:${'e'.repeat(64)}`, size: 42 };
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: { mediaType: MEDIA_TYPES.ociConfig, digest: `sha256:${'c'.repeat(64)}`, size: 2 },
      layers: [gz, { mediaType: MEDIA_TYPES.ociLayer, digest: diffIds[1]!, size: 10 }],
    };
    const known = gzipLayersByDiffId([{ manifest, config: { rootfs: { diff_ids: diffIds } } }]);
    assert.deepEqual([...known], [[diffIds[0], gz]]);
    assert.equal(gzipMediaType(MEDIA_TYPES.dockerLayer), MEDIA_TYPES.dockerLayerGzip);
    assert.equal(gzipMediaType(MEDIA_TYPES.ociLayer), MEDIA_TYPES.ociLayerGzip);
    assert.equal(gzipMediaType(MEDIA_TYPES.dockerLayerGzip), undefined);
  });
});

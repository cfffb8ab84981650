import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
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
    const { gzip, hashed, stored } = compressLayerBlob(plain.digest, content);
    const [streamed, blob, digest] = await Promise.all([collect(gzip), stored, hashed]);
    assert.equal(digest, blob.digest);
    assert.deepEqual(await collect(content.read(blob.digest)), streamed);
    assert.equal(blob.digest, sha(streamed));
    assert.equal(blob.size, streamed.length);
    assert.deepEqual(gunzipSync(streamed), tar);
    const again = compressLayerBlob(plain.digest, content);
    await again.gzip.return();
    assert.equal((await again.stored).digest, blob.digest);
  });

  it('keeps each piece it hands out intact until the next one is asked for, while the store goes on', async () => {
    // Random bytes: every chunk is stored, in the pool's reused buffers.
    const tar = randomBytes(12 * 1024 * 1024 + 5);
    const plain = await content.putBytes(tar);
    const { gzip, stored } = compressLayerBlob(plain.digest, content);
    const copies: Buffer[] = [];
    for (let r = await gzip.next(); r.done !== true; r = await gzip.next()) {
      const copy = Buffer.from(r.value);
      // Time for the compression to run ahead and reuse whatever was given back.
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
      assert.ok(r.value.equals(copy), 'a piece changed before the next was asked for');
      copies.push(copy);
    }
    const blob = await stored;
    assert.deepEqual(gunzipSync(Buffer.concat(copies)), tar);
    assert.deepEqual(await collect(content.read(blob.digest)), Buffer.concat(copies));
  });

  it('stores the blob alone once the reader stops halfway', async () => {
    const tar = randomBytes(10 * 1024 * 1024);
    const plain = await content.putBytes(tar);
    const { gzip, stored } = compressLayerBlob(plain.digest, content);
    for (let i = 0; i < 3; i++) await gzip.next();
    await gzip.return();
    assert.equal((await gzip.next()).done, true);
    const blob = await stored;
    assert.deepEqual(gunzipSync(await collect(content.read(blob.digest))), tar);
  });

  it('fails when the uncompressed blob is missing', async () => {
    const { gzip, hashed, stored } = compressLayerBlob(`sha256:${'d'.repeat(64)}` as Digest, content);
    await assert.rejects(stored, /ENOENT/);
    await assert.rejects(hashed, /ENOENT/);
    await assert.rejects(gzip.next(), /ENOENT/);
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

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { BufferPool } from '../lib/buffer-pool.js';
import { nextChainId, type DiffId, type Digest } from '../oci/digest.js';
import { ContentStore } from '../store/content/content-store.js';
import { MetaStore } from '../store/meta/meta-store.js';
import { SnapshotManager } from '../store/snapshot/snapshot-manager.js';
import { ingestLayerBlob, unpackCompressedLayer } from './layer-ingest.js';
import { tarOf } from './layer/test-fixtures.js';

describe('unpackCompressedLayer', () => {
  const root = mkdtempSync(join(tmpdir(), 'layer-ingest-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('a blob that fails in its first bytes rejects, with no uncaught stream error', async () => {
    const gz = gzipSync(await tarOf([{ header: { name: 'f' }, body: 'x'.repeat(100_000) }]));
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown): void => void uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      const blob = new Readable({ read() {} });
      const unpacked = unpackCompressedLayer(blob, root, `sha256:${'1'.repeat(64)}` as Digest, `sha256:${'2'.repeat(64)}` as DiffId);
      blob.push(gz.subarray(0, 1000));
      // Once the gzip header is read, before the unpack has opened its root: a download reset
      // right after its first packet.
      setTimeout(() => blob.destroy(new Error('connection reset')), 0);
      await assert.rejects(unpacked, /connection reset/);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(uncaught, []);
      assert.deepEqual(readdirSync(root), []);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});

describe('ingestLayerBlob', () => {
  const root = mkdtempSync(join(tmpdir(), 'layer-ingest-blob-'));
  let meta: MetaStore;
  let content: ContentStore;
  let snapshots: SnapshotManager;
  before(async () => {
    meta = new MetaStore(join(root, 'meta.db'));
    content = new ContentStore(join(root, 'content'));
    await content.init();
    snapshots = new SnapshotManager(join(root, 'snapshots'), meta);
    await snapshots.init();
  });
  after(() => {
    meta.close();
    rmSync(root, { recursive: true, force: true });
  });

  const MiB = 1024 * 1024;
  const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
  /** `blob` copied into pieces lent out of `pool`, as a download hands them on; fails after `failAt` bytes. */
  const lent = (blob: Buffer, pool: BufferPool, failAt = Infinity): Readable =>
    Readable.from(
      (async function* () {
        for (let at = 0; at < blob.length; ) {
          if (at >= failAt) throw new Error('connection reset');
          const piece = await pool.take();
          const n = blob.copy(piece, 0, at);
          at += n;
          yield piece.subarray(0, n);
        }
      })(),
    );
  const layer = async (): Promise<{ tar: Buffer; data: Buffer }> => {
    const data = randomBytes(3 * MiB + 5);
    return { tar: await tarOf([{ header: { name: 'data/blob.bin' }, body: data }]), data };
  };
  const snapshotDirs = (): string[] => readdirSync(join(root, 'snapshots'));

  it('stores a gzip blob and unpacks it from pieces lent out of a pool, giving every piece back', async () => {
    const { tar, data } = await layer();
    const blob = gzipSync(tar);
    const pool = new BufferPool(3, MiB);
    const diffId = sha(tar) as DiffId;
    await ingestLayerBlob(lent(blob, pool), pool, sha(blob) as Digest, null, diffId, content, snapshots);
    assert.equal(pool.idle, 3);
    assert.deepEqual(readFileSync(content.path(sha(blob) as Digest)), blob);
    const row = snapshots.get(nextChainId(null, diffId))!;
    assert.deepEqual(readFileSync(join(snapshots.fsPath(row), 'data/blob.bin')), data);
  });

  it('unpacks an uncompressed blob (its digest is its DiffID)', async () => {
    const { tar, data } = await layer();
    const pool = new BufferPool(2, MiB);
    await ingestLayerBlob(lent(tar, pool), pool, sha(tar) as Digest, null, sha(tar) as DiffId, content, snapshots);
    assert.equal(pool.idle, 2);
    const row = snapshots.get(nextChainId(null, sha(tar) as DiffId))!;
    assert.deepEqual(readFileSync(join(snapshots.fsPath(row), 'data/blob.bin')), data);
  });

  it('a corrupt download fails as a digest mismatch and leaves no blob and no snapshot', async () => {
    const { tar } = await layer();
    const blob = gzipSync(tar);
    const digest = sha(blob) as Digest;
    blob[blob.length >> 1] ^= 0xff;
    const before = snapshotDirs();
    const pool = new BufferPool(3, MiB);
    await assert.rejects(ingestLayerBlob(lent(blob, pool), pool, digest, null, sha(tar) as DiffId, content, snapshots), /digest mismatch/);
    assert.equal(await content.has(digest), false);
    assert.deepEqual(snapshotDirs(), before);
    assert.deepEqual(readdirSync(join(root, 'content', 'ingest')), []);
  });

  it('a blob whose tar is not the DiffID fails and leaves nothing', async () => {
    const { tar } = await layer();
    const blob = gzipSync(tar);
    const before = snapshotDirs();
    const pool = new BufferPool(3, MiB);
    const wrong = sha(Buffer.from('other')) as DiffId;
    await assert.rejects(ingestLayerBlob(lent(blob, pool), pool, sha(blob) as Digest, null, wrong, content, snapshots), /diff_id|unpacks to/);
    assert.equal(await content.has(sha(blob) as Digest), false);
    assert.deepEqual(snapshotDirs(), before);
  });

  it('a download that fails part-way fails with its error and leaves nothing', async () => {
    const { tar } = await layer();
    const blob = gzipSync(tar);
    const before = snapshotDirs();
    const pool = new BufferPool(3, MiB);
    await assert.rejects(ingestLayerBlob(lent(blob, pool, 2 * MiB), pool, sha(blob) as Digest, null, sha(tar) as DiffId, content, snapshots), /connection reset/);
    assert.equal(await content.has(sha(blob) as Digest), false);
    assert.deepEqual(snapshotDirs(), before);
    assert.deepEqual(readdirSync(join(root, 'content', 'ingest')), []);
  });
});

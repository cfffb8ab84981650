import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { BufferPool } from '../../lib/buffer-pool.js';
import type { Digest } from '../../oci/digest.js';
import { ContentStore } from './content-store.js';

const sha = (b: Buffer): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}` as Digest;
const pieces = (data: Buffer, piece: number): Readable =>
  Readable.from(
    (function* () {
      for (let i = 0; i < data.length; i += piece) yield data.subarray(i, i + piece);
    })(),
    { objectMode: false },
  );

let root = '';
let store: ContentStore;
before(async () => {
  root = mkdtempSync(join(tmpdir(), 'content-store-'));
  store = new ContentStore(root);
  await store.init();
});
after(() => rmSync(root, { recursive: true, force: true }));
const ingestLeft = (): string[] => readdirSync(join(root, 'ingest'));

describe('ContentStore.putStream', () => {

  it('stores a blob bigger than the background-sync interval under its digest', async () => {
    const data = randomBytes(20 * 1024 * 1024 + 12345);
    const stored = await store.putStream(pieces(data, 1 << 20));
    assert.deepEqual(stored, { digest: sha(data), size: data.length });
    assert.deepEqual(readFileSync(store.path(stored.digest)), data);
    assert.deepEqual(ingestLeft(), []);
  });

  it('stores nothing when the digest is not the expected one', async () => {
    const data = randomBytes(1000);
    const wrong = sha(Buffer.from('other'));
    await assert.rejects(store.putStream(pieces(data, 100), wrong), /digest mismatch/);
    assert.equal(await store.has(sha(data)), false);
    assert.equal(await store.has(wrong), false);
    assert.deepEqual(ingestLeft(), []);
  });

  it('stores nothing when the source fails part-way', async () => {
    const data = randomBytes(10 * 1024 * 1024);
    const failing = new Readable({
      read() {
        this.push(data);
        this.destroy(new Error('connection reset'));
      },
    });
    await assert.rejects(store.putStream(failing), /connection reset/);
    assert.equal(await store.has(sha(data)), false);
    assert.deepEqual(ingestLeft(), []);
  });
});

describe('ContentStore.putLent', () => {
  /** `data` as small chunks of their own between pieces copied into the pool's buffers, as a layer tar comes. */
  async function* lent(data: Buffer, pool: BufferPool): AsyncGenerator<Buffer> {
    for (let i = 0; i < data.length; ) {
      const small = data.subarray(i, i + 512);
      yield Buffer.from(small);
      i += small.length;
      const buf = await pool.take();
      const n = data.copy(buf, 0, i, i + pool.size);
      i += n;
      if (n > 0) yield buf.subarray(0, n);
      else pool.release(buf);
    }
  }

  it('stores chunks lent from a pool smaller than the blob, and gives every buffer back', async () => {
    const data = randomBytes(20 * 1024 * 1024 + 777);
    const pool = new BufferPool(3, 256 * 1024);
    const stored = await store.putLent(lent(data, pool), pool);
    assert.deepEqual(stored, { digest: sha(data), size: data.length });
    assert.deepEqual(readFileSync(store.path(stored.digest)), data);
    assert.equal(pool.idle, 3);
    assert.deepEqual(ingestLeft(), []);
  });

  it('tells the digest once the last chunk is hashed, before the blob is in place', async () => {
    const data = randomBytes(2 * 1024 * 1024 + 3);
    const heard: Array<{ digest: string; inPlace: boolean }> = [];
    const stored = await store.putLent(pieces(data, 64 * 1024), new BufferPool(1, 1024), { onHashed: (digest) => heard.push({ digest, inPlace: existsSync(store.path(digest)) }) });
    assert.deepEqual(heard, [{ digest: sha(data), inPlace: false }]);
    assert.equal(stored.digest, sha(data));
  });

  it('stores many small chunks in order', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 5);
    const stored = await store.putLent(pieces(data, 700), new BufferPool(1, 1024));
    assert.deepEqual(readFileSync(store.path(stored.digest)), data);
  });

  it('stores nothing when the source fails part-way', async () => {
    const data = randomBytes(4 * 1024 * 1024);
    const pool = new BufferPool(2, 1024 * 1024);
    async function* failing(): AsyncGenerator<Buffer> {
      yield* lent(data, pool);
      throw new Error('layer_source_changed');
    }
    await assert.rejects(store.putLent(failing(), pool), /layer_source_changed/);
    assert.equal(await store.has(sha(data)), false);
    assert.deepEqual(ingestLeft(), []);
  });

  it('stores nothing when the digest is not the expected one', async () => {
    const data = randomBytes(2 * 1024 * 1024 + 3);
    const pool = new BufferPool(2, 1024 * 1024);
    const wrong = sha(Buffer.from('other'));
    await assert.rejects(store.putLent(lent(data, pool), pool, { expected: wrong }), /digest mismatch/);
    assert.equal(await store.has(sha(data)), false);
    assert.equal(pool.idle, 2);
    assert.deepEqual(ingestLeft(), []);
  });

  it('takes the digest from hashedBy, asked once the chunks have ended', async () => {
    const data = randomBytes(1024 * 1024 + 9);
    const pool = new BufferPool(2, 1024 * 1024);
    let ended = false;
    async function* marked(): AsyncGenerator<Buffer> {
      yield* lent(data, pool);
      ended = true;
    }
    const claimed = sha(Buffer.from('hashed upstream'));
    const stored = await store.putLent(marked(), pool, { expected: claimed, hashedBy: () => (assert.ok(ended), claimed) });
    assert.deepEqual(stored, { digest: claimed, size: data.length });
    assert.deepEqual(readFileSync(store.path(claimed)), data);
    await store.delete(claimed);
  });
});

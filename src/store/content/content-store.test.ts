import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
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

describe('ContentStore.putStream', () => {
  let root = '';
  let store: ContentStore;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'content-store-'));
    store = new ContentStore(root);
    await store.init();
  });
  after(() => rmSync(root, { recursive: true, force: true }));
  const ingestLeft = (): string[] => readdirSync(join(root, 'ingest'));

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

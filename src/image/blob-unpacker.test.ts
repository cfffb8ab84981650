import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { BerthError, isBerthError } from '../lib/errors.js';
import type { DiffId, Digest } from '../oci/digest.js';
import { ContentStore } from '../store/content/content-store.js';
import { BlobUnpacker } from './blob-unpacker.js';
import { streamOf, tarOf } from './layer/test-fixtures.js';

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('BlobUnpacker', () => {
  let root = '';
  let content: ContentStore;
  let dir = '';
  const unpacker = new BlobUnpacker();
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'blob-unpacker-'));
    content = new ContentStore(root);
    await content.init();
  });
  beforeEach(() => {
    dir = join(root, `fs-${Math.random().toString(16).slice(2)}`);
    mkdirSync(dir);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const layer = async (text = 'hello\n'): Promise<{ tar: Buffer; gz: Buffer }> => {
    const tar = await tarOf([{ header: { name: 'etc/', type: 'directory', mode: 0o755 } }, { header: { name: 'etc/motd', mode: 0o644 }, body: text.repeat(50_000) }]);
    return { tar, gz: gzipSync(tar) };
  };
  const ingestLeft = (): string[] => readdirSync(join(root, 'ingest'));

  it('stores the blob and unpacks it on a worker, several at once, returning the tar size', async () => {
    const { tar, gz } = await layer();
    const other = gzipSync(await tarOf([{ header: { name: 'x', mode: 0o600 }, body: 'x' }]));
    const otherDir = join(root, 'other');
    mkdirSync(otherDir);
    const [size] = await Promise.all([
      unpacker.unpack(streamOf(gz, 65536), { contentRoot: root, dir, digest: sha(gz) as Digest, diffId: sha(tar) as DiffId }),
      unpacker.unpack(streamOf(other), { contentRoot: root, dir: otherDir, digest: sha(other) as Digest, diffId: sha(gzipSync(Buffer.alloc(0))) as DiffId }).catch((e: unknown) => e),
    ]);
    assert.equal(size, tar.length);
    assert.equal(readFileSync(join(dir, 'etc/motd'), 'utf8'), 'hello\n'.repeat(50_000));
    assert.deepEqual(readFileSync(content.path(sha(gz) as Digest)), gz);
  });

  it('a blob whose digest differs is refused as the main thread would: a BerthError, nothing stored', async () => {
    const { tar, gz } = await layer();
    const wrong = `sha256:${'0'.repeat(64)}` as Digest;
    await assert.rejects(
      unpacker.unpack(streamOf(gz), { contentRoot: root, dir, digest: wrong, diffId: sha(tar) as DiffId }),
      (e: unknown) => isBerthError(e, 'InvalidArgument') && (e as BerthError).code === 'digest_mismatch' && e.message.includes(wrong),
    );
    assert.equal(existsSync(content.path(wrong)), false);
    assert.deepEqual(ingestLeft(), []);
  });

  it('an entry escaping the layer root fails the job with the unpack error and stores no blob', async () => {
    const tar = await tarOf([{ header: { name: '../escaped' }, body: 'x' }]);
    const gz = gzipSync(tar);
    await assert.rejects(
      unpacker.unpack(streamOf(gz), { contentRoot: root, dir, digest: sha(gz) as Digest, diffId: sha(tar) as DiffId }),
      (e: unknown) => isBerthError(e, 'InvalidArgument') && /escapes the layer root/.test((e as Error).message),
    );
    assert.equal(existsSync(content.path(sha(gz) as Digest)), false);
    assert.equal(existsSync(join(root, 'escaped')), false);
    assert.deepEqual(ingestLeft(), []);
  });

  it("a download that fails part-way rejects with the download's own error and leaves no blob", async () => {
    const { tar, gz } = await layer('cut short\n');
    const cut = new BerthError('Unavailable', 'blob_read_failed', 'reading blob: connection reset');
    const broken = Readable.from(
      (async function* () {
        yield gz.subarray(0, 1000);
        throw cut;
      })(),
      { objectMode: false },
    );
    await assert.rejects(unpacker.unpack(broken, { contentRoot: root, dir, digest: sha(gz) as Digest, diffId: sha(tar) as DiffId }), (e: unknown) => e === cut);
    assert.equal(existsSync(content.path(sha(gz) as Digest)), false);
    assert.deepEqual(ingestLeft(), []);
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { DiffId, Digest } from '../oci/digest.js';
import { unpackCompressedLayer } from './layer-ingest.js';
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

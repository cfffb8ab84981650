import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isBerthError } from '../../lib/errors.js';
import { decompressedStream, detectCompression, type Compression } from './compression.js';
import { collect } from './test-fixtures.js';

/** Feeds `buf` a few bytes at a time first, so sniffing must span chunks. */
const trickle = (buf: Buffer): Readable =>
  Readable.from(
    (function* () {
      yield buf.subarray(0, 1);
      yield buf.subarray(1, 3);
      for (let i = 3; i < buf.length; i += 65536) yield buf.subarray(i, i + 65536);
    })(),
    { objectMode: false },
  );

const compressWith = (tool: string) => (data: Buffer): Buffer => {
  const r = spawnSync(tool, ['-c'], { input: data, maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr?.toString());
  return r.stdout;
};

describe('detectCompression', () => {
  const cases: Array<[string, number[], Compression]> = [
    ['gzip', [0x1f, 0x8b, 0x08], 'gzip'],
    ['bzip2', [0x42, 0x5a, 0x68, 0x39], 'bzip2'],
    ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'xz'],
    ['zstd', [0x28, 0xb5, 0x2f, 0xfd, 0x00], 'zstd'],
    ['tar', [...Buffer.from('etc/passwd')], 'none'],
    ['truncated xz magic', [0xfd, 0x37, 0x7a, 0x58, 0x5a], 'none'],
    ['empty', [], 'none'],
  ];
  for (const [name, head, want] of cases) {
    it(`${name} → ${want}`, () => assert.equal(detectCompression(Buffer.from(head)), want));
  }
});

describe('decompressedStream', () => {
  const data = Buffer.concat([randomBytes(200_000), Buffer.alloc(300_000, 'a')]);
  const cases: Array<[string, (d: Buffer) => Buffer]> = [
    ['plain', (d) => d],
    ['gzip', (d) => gzipSync(d)],
    ['gzip with two members', (d) => Buffer.concat([gzipSync(d.subarray(0, 1000)), gzipSync(d.subarray(1000))])],
    ['bzip2', compressWith('bzip2')],
    ['xz', compressWith('xz')],
    ['zstd', compressWith('zstd')],
  ];
  for (const [name, compress] of cases) {
    it(`restores ${name} input`, async () => {
      const out = await collect(await decompressedStream(trickle(compress(data))));
      assert.ok(out.equals(data));
    });
  }

  it('passes short and empty inputs through', async () => {
    assert.deepEqual(await collect(await decompressedStream(trickle(Buffer.from('ab')))), Buffer.from('ab'));
    assert.deepEqual(await collect(await decompressedStream(Readable.from([], { objectMode: false }))), Buffer.alloc(0));
  });

  it('says zstd is not supported when the tool is missing', async () => {
    const input = trickle(compressWith('zstd')(data));
    const out = await decompressedStream(input, { tools: { zstd: '/nonexistent/zstd' } });
    await assert.rejects(collect(out), (e: unknown) => {
      assert.ok(isBerthError(e, 'NotImplemented'));
      assert.equal(e.message, 'zstd-compressed layers are not supported');
      return true;
    });
  });

  it('fails on corrupt or truncated compressed data', async () => {
    const xz = compressWith('xz')(data);
    await assert.rejects(collect(await decompressedStream(trickle(xz.subarray(0, xz.length / 2)))), /xz decompression failed/);
    const gz = gzipSync(data);
    await assert.rejects(collect(await decompressedStream(trickle(gz.subarray(0, gz.length / 2)))));
  });

  it('surfaces an input error', async () => {
    const failing = Readable.from(
      (async function* () {
        yield compressWith('bzip2')(data).subarray(0, 100);
        throw new Error('network down');
      })(),
      { objectMode: false },
    );
    await assert.rejects(collect(await decompressedStream(failing)), /network down/);
  });
});

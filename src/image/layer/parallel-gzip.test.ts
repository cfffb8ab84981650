import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { constants, gunzipSync, gzipSync, inflateRawSync } from 'node:zlib';
import { BufferPool } from '../../lib/buffer-pool.js';
import { createParallelGzip, gzipFile, storedSize, writeStoredBlocks, type ParallelGzipOptions } from './parallel-gzip.js';
import { encodeHeader } from './tar-header.js';
import { collect, removeDir, tempDir } from './test-fixtures.js';

const KiB = 1024;

/** Text-like, compressible input: numbered lines. */
function textBytes(n: number): Buffer {
  const lines: string[] = [];
  let len = 0;
  for (let i = 0; len < n; i++) {
    const line = `line ${i} of a file that compresses well ${i % 97}\n`;
    lines.push(line);
    len += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, n);
}

/** `data` fed in pieces of `piece` bytes. */
const pieces = (data: Buffer, piece: number): Readable =>
  Readable.from(
    (function* () {
      for (let i = 0; i < data.length; i += piece) yield data.subarray(i, i + piece);
    })(),
    { objectMode: false },
  );

const gzipOf = (data: Buffer, piece: number, opts: ParallelGzipOptions = {}): Promise<Buffer> =>
  collect(pieces(data, piece).pipe(createParallelGzip({ chunkSize: 64 * KiB, ...opts })));

describe('createParallelGzip', () => {
  const mixed = Buffer.concat([textBytes(300 * KiB), randomBytes(200 * KiB), textBytes(123 * KiB + 7)]);
  const cases: Array<[string, Buffer, number]> = [
    ['empty', Buffer.alloc(0), 1],
    ['one byte', Buffer.from('x'), 1],
    ['less than a chunk', textBytes(1000), 100],
    ['exactly one chunk', textBytes(64 * KiB), 4096],
    ['exactly three chunks', textBytes(192 * KiB), 64 * KiB],
    ['text over many chunks, odd pieces', textBytes(700 * KiB + 3), 10007],
    ['random data', randomBytes(400 * KiB), 65536],
    ['text, random, text', mixed, 50000],
  ];
  for (const [name, data, piece] of cases) {
    it(`round trips ${name} through node's gunzip and gzip -dc`, async () => {
      const gz = await gzipOf(data, piece);
      assert.deepEqual(gunzipSync(gz), data);
      const r = spawnSync('gzip', ['-dc'], { input: gz, maxBuffer: 64 * 1024 * 1024 });
      assert.equal(r.status, 0, r.stderr.toString());
      assert.deepEqual(r.stdout, data);
    });
  }

  it('is one gzip member with no timestamp: gzip -t accepts it and the header has mtime 0', async () => {
    const gz = await gzipOf(mixed, 4096);
    assert.equal(spawnSync('gzip', ['-t'], { input: gz }).status, 0);
    assert.deepEqual([...gz.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  });

  it('gives the same bytes for the same input, however it arrives and whatever the concurrency', async () => {
    const a = await gzipOf(mixed, 50000, { concurrency: 1 });
    const b = await gzipOf(mixed, 777, { concurrency: 4 });
    const c = await gzipOf(mixed, 1 << 20, { concurrency: 2 });
    assert.deepEqual(b, a);
    assert.deepEqual(c, a);
  });

  it('compresses text about as well as gzip -1 and stores random data with little overhead', async () => {
    const text = textBytes(1 << 20);
    const ours = await gzipOf(text, 65536);
    assert.ok(ours.length < gzipSync(text, { level: 1 }).length * 1.1, `${ours.length} vs ${gzipSync(text, { level: 1 }).length}`);
    const random = randomBytes(1 << 20);
    const stored = await gzipOf(random, 65536);
    assert.ok(stored.length < random.length * 1.01, `${stored.length} for ${random.length}`);
  });

  it('keeps the input order when later chunks finish first', async () => {
    // Random chunks (stored, fast) after text chunks (deflated, slower).
    const data = Buffer.concat([textBytes(256 * KiB), randomBytes(256 * KiB), textBytes(64 * KiB)]);
    assert.deepEqual(gunzipSync(await gzipOf(data, 65536, { concurrency: 8 })), data);
  });

  it('propagates an error of its input', async () => {
    const failing = new Readable({
      read() {
        this.push(textBytes(100 * KiB));
        this.destroy(new Error('disk read failed'));
      },
    });
    await assert.rejects(pipeline(failing, createParallelGzip({ chunkSize: 64 * KiB }), new Transform({ transform: (_c, _e, cb) => cb() })), /disk read failed/);
  });

  it('holds a bounded amount of input however large the stream', async () => {
    const chunkSize = 64 * KiB;
    const concurrency = 2;
    let produced = 0;
    let consumed = 0;
    let maxAhead = 0;
    const total = 8 << 20;
    const source = new Readable({
      read() {
        if (produced >= total) return void this.push(null);
        // Fresh random bytes are stored, so output bytes match input bytes one for one.
        produced += 16 * KiB;
        this.push(randomBytes(16 * KiB));
      },
      highWaterMark: 16 * KiB,
    });
    const gz = createParallelGzip({ chunkSize, concurrency });
    const sink = createHash('sha256');
    // A slow reader: what the compressor has taken in but not yet written out stays bounded.
    const slow = new Transform({
      highWaterMark: 16 * KiB,
      transform(c: Buffer, _e, cb) {
        consumed += c.length;
        sink.update(c);
        maxAhead = Math.max(maxAhead, produced - consumed);
        setImmediate(cb);
      },
    });
    await pipeline(source, gz, slow);
    assert.ok(consumed > 0);
    // The chunks in flight, the one being filled, and the streams' buffers.
    assert.ok(maxAhead < (concurrency + 3) * chunkSize + 256 * KiB, `ran ${maxAhead} bytes ahead`);
  });

  it('refuses a chunk size below the deflate window', () => {
    assert.throws(() => createParallelGzip({ chunkSize: 1024 }), RangeError);
  });
});

describe('writeStoredBlocks', () => {
  it('cuts a chunk into stored blocks of at most 65535 bytes that inflate back; only the last block of the last chunk is final', () => {
    const data = randomBytes(200 * KiB + 3);
    const blocks = Math.ceil(data.length / 0xffff);
    assert.equal(storedSize(data.length), data.length + 5 * blocks);
    const out = Buffer.alloc(storedSize(data.length) + 100);
    const last = Buffer.from(writeStoredBlocks(data, true, out));
    assert.equal(last.length, storedSize(data.length));
    assert.deepEqual(inflateRawSync(last), data);
    const headers = Array.from({ length: blocks }, (_, i) => last.subarray(i * (0xffff + 5), i * (0xffff + 5) + 5));
    assert.deepEqual(headers.map((h) => h[0]), [0, 0, 0, 1]);
    for (const h of headers) assert.equal(h.readUInt16LE(1) ^ h.readUInt16LE(3), 0xffff);
    // Not last: the stream goes on, so no block is final.
    const more = writeStoredBlocks(data, false, out);
    assert.ok(headers.every((_, i) => more[i * (0xffff + 5)] === 0));
    assert.deepEqual(inflateRawSync(more, { finishFlush: constants.Z_SYNC_FLUSH }), data);
  });

  it("stores a random file's first chunk in a layer tar, its entries' headers included", async () => {
    const entry = (path: string, type: 'dir' | 'file', size: number): Buffer =>
      encodeHeader({ path, type, mode: 0o755, uid: 0, gid: 0, size, mtime: 0, linkname: '', devmajor: 0, devminor: 0, xattrs: new Map() });
    const random = randomBytes(128 * KiB);
    const data = Buffer.concat([entry('.', 'dir', 0), entry('data', 'dir', 0), entry('data/part1.bin', 'file', random.length), random]).subarray(0, 128 * KiB);
    const gz = await gzipOf(data, 50 * KiB);
    assert.deepEqual(gunzipSync(gz), data);
    // Both 64 KiB chunks stored, two blocks each; the empty last chunk deflates to 2 bytes; the framing.
    assert.equal(gz.length, data.length + 2 * 2 * 5 + 2 + 18);
  });

  it('random data gzips to its own size plus 5 bytes a stored block and the gzip framing', async () => {
    const data = randomBytes(300 * KiB);
    const gz = await gzipOf(data, 50 * KiB);
    assert.deepEqual(gunzipSync(gz), data);
    // Four full 64 KiB chunks of two blocks each (65535 + 1 bytes), the last 44 KiB in one final block,
    // 10 bytes of gzip header and 8 of trailer.
    assert.equal(gz.length, data.length + 4 * 2 * 5 + 5 + 18);
  });
});

describe('gzipFile', () => {
  const chunkSize = 64 * KiB;
  const files: Array<[string, Buffer]> = [
    ['empty', Buffer.alloc(0)],
    ['less than a chunk', textBytes(1000)],
    ['exactly three chunks', randomBytes(3 * chunkSize)],
    ['text, random, text', Buffer.concat([textBytes(300 * KiB), randomBytes(200 * KiB), textBytes(123 * KiB + 7)])],
  ];
  for (const [name, data] of files) {
    it(`makes the bytes the stream makes: ${name}`, async () => {
      const dir = await tempDir('gzip-file');
      try {
        const path = join(dir, 'blob');
        await writeFile(path, data);
        const pool = new BufferPool(6, storedSize(chunkSize));
        const pieces: Buffer[] = [];
        for await (const piece of gzipFile(path, pool, { chunkSize, concurrency: 2 })) {
          pieces.push(Buffer.from(piece));
          pool.release(piece);
        }
        assert.deepEqual(Buffer.concat(pieces), await gzipOf(data, 10007));
        assert.equal(pool.idle, 6, 'every lent buffer came back');
      } finally {
        await removeDir(dir);
      }
    });
  }

  it("lends a stored chunk's output out of the pool and reuses it once given back", async () => {
    const dir = await tempDir('gzip-file');
    try {
      const path = join(dir, 'blob');
      const data = randomBytes(8 * chunkSize);
      await writeFile(path, data);
      const pool = new BufferPool(5, storedSize(chunkSize));
      const seen = new Set<ArrayBufferLike>();
      const pieces: Buffer[] = [];
      for await (const piece of gzipFile(path, pool, { chunkSize, concurrency: 2 })) {
        if (pool.owns(piece)) seen.add(piece.buffer);
        pieces.push(Buffer.from(piece));
        pool.release(piece);
      }
      // Eight chunks through five buffers: the same memory came round again.
      assert.ok(seen.size > 0 && seen.size <= 5);
      assert.deepEqual(gunzipSync(Buffer.concat(pieces)), data);
    } finally {
      await removeDir(dir);
    }
  });

  it('refuses a pool whose buffers cannot hold a stored chunk', async () => {
    await assert.rejects(gzipFile('/nonexistent', new BufferPool(2, chunkSize), { chunkSize }).next(), RangeError);
  });
});

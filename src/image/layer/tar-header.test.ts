import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import {
  BLOCK_SIZE,
  decodeHeaderBlock,
  encodeHeader,
  encodePaxRecords,
  END_OF_ARCHIVE,
  paddingOf,
  parsePaxRecords,
  type TarHeader,
} from './tar-header.js';
import { TarParser, TarReader } from './tar-reader.js';
import { removeDir, streamOf, tarOf, tempDir } from './test-fixtures.js';

const header = (over: Partial<TarHeader>): TarHeader => ({
  path: 'f', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1_700_000_000,
  linkname: '', devmajor: 0, devminor: 0, xattrs: new Map(), ...over,
});

type Read = Array<{ header: TarHeader; body: Buffer }>;

async function readEntries(tar: Buffer, chunk = 4096): Promise<Read> {
  const out: Read = [];
  for await (const e of new TarReader(streamOf(tar, chunk)).entries()) {
    const parts: Buffer[] = [];
    for await (const p of e.body) parts.push(p);
    out.push({ header: e.header, body: Buffer.concat(parts) });
  }
  return out;
}

/** The same through the push parser, the input written in pieces of `chunk` bytes. */
async function parseAll(tar: Buffer, chunk = 4096): Promise<Read> {
  const out: Read = [];
  let parts: Buffer[] = [];
  const parser = new TarParser({
    entry: (header) => out.push({ header, body: Buffer.alloc(0) }),
    data: (piece) => parts.push(Buffer.from(piece)),
    entryEnd: () => {
      out[out.length - 1]!.body = Buffer.concat(parts);
      parts = [];
    },
  });
  for (let off = 0; off < tar.length; off += chunk) parser.write(tar.subarray(off, off + chunk));
  parser.end();
  return out;
}

const archive = (h: TarHeader, body = Buffer.alloc(0)): Buffer =>
  Buffer.concat([encodeHeader(h), body, Buffer.alloc(paddingOf(body.length)), END_OF_ARCHIVE()]);

describe('TarReader body pieces', () => {
  it('hands on a body in the input\'s own chunks, up to 1 MiB each', async () => {
    const MiB = 1024 * 1024;
    const body = Buffer.alloc(3 * MiB + 100, 7);
    const tar = archive(header({ size: body.length }), body);
    // Chunks that start at the body, as an inflater's output after the header's own chunk.
    const chunks = [tar.subarray(0, BLOCK_SIZE)];
    for (let off = BLOCK_SIZE; off < tar.length; off += 2 * MiB) chunks.push(tar.subarray(off, off + 2 * MiB));
    const sizes: number[] = [];
    for await (const e of new TarReader(Readable.from(chunks, { objectMode: false })).entries()) {
      for await (const p of e.body) sizes.push(p.length);
    }
    assert.deepEqual(sizes, [MiB, MiB, MiB, 100]);
  });
});

for (const [readerName, readAll] of [['TarReader', readEntries], ['TarParser', parseAll]] as const) describe(`encodeHeader and ${readerName}`, () => {
  const cases: Array<{ name: string; h: TarHeader; pax: boolean }> = [
    { name: 'plain file', h: header({ size: 5 }), pax: false },
    { name: 'mode 0 kept', h: header({ mode: 0 }), pax: false },
    { name: 'setuid and sticky bits', h: header({ mode: 0o7755 }), pax: false },
    { name: 'directory', h: header({ path: 'a/b', type: 'dir', mode: 0o755 }), pax: false },
    { name: 'name split into ustar prefix', h: header({ path: `${'p'.repeat(120)}/${'n'.repeat(90)}` }), pax: false },
    { name: 'name too long for ustar', h: header({ path: `${'p'.repeat(200)}/${'n'.repeat(120)}` }), pax: true },
    { name: 'non-ASCII name', h: header({ path: 'dïr/fïlé' }), pax: true },
    { name: 'long link', h: header({ type: 'symlink', linkname: `/${'l'.repeat(150)}` }), pax: true },
    { name: 'hard link', h: header({ path: 'b', type: 'hardlink', linkname: 'a' }), pax: false },
    { name: 'big uid and gid', h: header({ uid: 3_000_000, gid: 4_000_000 }), pax: true },
    { name: 'binary xattrs', h: header({ xattrs: new Map([['security.capability', Buffer.from([1, 0, 0, 2, 0xff, 0x80, 0])], ['user.e', Buffer.alloc(0)]]) }), pax: true },
    { name: 'char device', h: header({ path: 'dev/null', type: 'char', devmajor: 1, devminor: 3 }), pax: false },
    { name: 'fifo', h: header({ path: 'p', type: 'fifo', mode: 0o600 }), pax: false },
  ];
  for (const c of cases) {
    it(`round-trips ${c.name}`, async () => {
      const body = Buffer.from('x'.repeat(c.h.size));
      const encoded = encodeHeader(c.h);
      assert.equal(encoded.length > BLOCK_SIZE, c.pax);
      const [entry, ...rest] = await readAll(archive(c.h, body), 7);
      assert.equal(rest.length, 0);
      assert.deepEqual(entry!.header, c.h);
      assert.ok(entry!.body.equals(body));
    });
  }

  it('uses a PAX size record for sizes beyond ustar', () => {
    const encoded = encodeHeader(header({ size: 2 ** 34 }));
    const paxHeader = decodeHeaderBlock(encoded.subarray(0, BLOCK_SIZE))!;
    assert.equal(paxHeader.kind, 'pax');
    const records = parsePaxRecords(encoded.subarray(BLOCK_SIZE, BLOCK_SIZE + paxHeader.size));
    assert.equal(records.get('size')?.toString(), String(2 ** 34));
  });

  it('reads what tar-stream writes, including its PAX long names', async () => {
    const long = `${'x'.repeat(150)}/${'y'.repeat(150)}`;
    const tar = await tarOf([
      { header: { name: 'd', type: 'directory', mode: 0o750, uid: 1, gid: 2 } },
      { header: { name: long, mode: 0o600 }, body: 'content' },
      { header: { name: 'l', type: 'symlink', linkname: 'target' } },
    ]);
    const entries = await readAll(tar, 3);
    assert.deepEqual(entries.map((e) => [e.header.path, e.header.type, e.header.mode, e.body.toString()]), [
      ['d', 'dir', 0o750, ''],
      [long, 'file', 0o600, 'content'],
      ['l', 'symlink', 0o644, ''],
    ]);
  });

  it('reads GNU long names and links written by GNU tar', async () => {
    const dir = await tempDir('gnutar');
    try {
      const long = `${'g'.repeat(130)}`;
      await mkdir(join(dir, long));
      await writeFile(join(dir, long, 'f'), 'gnu');
      const r = spawnSync('tar', ['--format=gnu', '-C', dir, '-c', long], { maxBuffer: 1 << 24 });
      assert.equal(r.status, 0);
      const entries = await readAll(r.stdout);
      assert.deepEqual(entries.map((e) => [e.header.path, e.body.toString()]), [[long, ''], [`${long}/f`, 'gnu']]);
    } finally {
      await removeDir(dir);
    }
  });

  it('accepts a last body without its padding, as the docker CLI sends a context', async () => {
    const tar = Buffer.concat([encodeHeader(header({ size: 3 })), Buffer.from('abc')]);
    const entries = await readAll(tar, 5);
    assert.deepEqual(entries.map((e) => [e.header.path, e.body.toString()]), [['f', 'abc']]);
  });

  it('ignores what follows the end-of-archive marker', async () => {
    const tar = Buffer.concat([archive(header({ size: 3 }), Buffer.from('abc')), Buffer.from('trailing junk')]);
    assert.deepEqual((await readAll(tar, 100)).map((e) => e.header.path), ['f']);
  });

  it('ignores global PAX headers', async () => {
    // A long name makes a PAX header; retyped 'g' it becomes a global one naming every entry.
    const paxThenEntry = encodeHeader(header({ path: 'z'.repeat(300) }));
    const globalOnly = retype(Buffer.from(paxThenEntry.subarray(0, paxThenEntry.length - BLOCK_SIZE)), 'g');
    const entries = await readAll(Buffer.concat([globalOnly, archive(header({ path: 'after' }))]));
    assert.deepEqual(entries.map((e) => e.header.path), ['after']);
  });

  const broken: Array<[string, (tar: Buffer) => Buffer, RegExp]> = [
    ['a bad checksum', (t) => { t[0] = 0x41; return t; }, /checksum/],
    ['a truncated body', (t) => t.subarray(0, BLOCK_SIZE + 10), /unexpected end of data/],
    ['an unsupported type', (t) => retype(t, 'V'), /unsupported tar type 'V'/],
    ['a size field that is not octal', (t) => refield(t, 124, '0000000128 \0'), /bad size field "0000000128"/],
    ['a truncated header', (t) => t.subarray(0, 300), /unexpected end of data/],
  ];
  for (const [name, corrupt, want] of broken) {
    it(`rejects ${name}`, async () => {
      await assert.rejects(readAll(corrupt(archive(header({ size: 600 }), Buffer.alloc(600)))), want);
    });
  }

  it('rejects sparse files', async () => {
    const h = encodeHeader(header({ xattrs: new Map([['x', Buffer.from('y')]]) }));
    const text = h.toString('latin1').replace('SCHILY.xattr.x=y', 'GNU.sparse.a=123');
    await assert.rejects(readAll(Buffer.concat([Buffer.from(text, 'latin1'), END_OF_ARCHIVE()])), /sparse file/);
  });
});

describe('TarReader', () => {
  it('counts every byte read, through the end of the input', async () => {
    const tar = Buffer.concat([archive(header({ size: 3 }), Buffer.from('abc')), Buffer.alloc(9000)]);
    const reader = new TarReader(streamOf(tar, 100));
    for await (const e of reader.entries()) void e;
    assert.equal(reader.bytesRead, tar.length);
  });
});

/** Overwrites a header field and fixes the checksum. */
function refield(tar: Buffer, off: number, text: string): Buffer {
  tar.write(text, off, 'latin1');
  return retype(tar, String.fromCharCode(tar[156]!));
}

function retype(tar: Buffer, flag: string): Buffer {
  tar.write(flag, 156, 'latin1');
  tar.write('        ', 148, 'latin1');
  const sum = tar.subarray(0, BLOCK_SIZE).reduce((a, b) => a + b, 0);
  tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return tar;
}

describe('PAX records', () => {
  // Lengths around digit-count boundaries, where the self-counting length prefix is subtle.
  for (const valueLength of [0, 1, 2, 3, 86, 87, 88, 89, 90, 91, 992, 993, 994, 995, 996]) {
    it(`round-trips a value of ${valueLength} bytes`, () => {
      const value = Buffer.alloc(valueLength, 0x80);
      const encoded = encodePaxRecords([['k', value], ['path', Buffer.from('p')]]);
      const first = Number(encoded.subarray(0, encoded.indexOf(0x20)).toString());
      assert.equal(encoded[first - 1], 0x0a);
      assert.deepEqual(parsePaxRecords(encoded), new Map([['k', value], ['path', Buffer.from('p')]]));
    });
  }

  it('rejects malformed records', () => {
    for (const bad of ['5 a=b\n', '99 a=b\n', 'x a=b\n', '6 ab\n\n']) {
      assert.throws(() => parsePaxRecords(Buffer.from(bad)), /malformed PAX record/, bad);
    }
  });
});

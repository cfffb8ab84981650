import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { tarPieces, type TarItem } from './tar-writer.js';

interface Got {
  name: string;
  type: string | null | undefined;
  mode: number | undefined;
  uid: number | undefined;
  gid: number | undefined;
  mtime: number | undefined;
  linkname: string | null | undefined;
  body: string;
}

/** tar-stream applies PAX path records itself but leaves the others to the caller. */
function paxOr(raw: unknown, key: string, v: number | undefined): number | undefined {
  const value = (raw as Record<string, string> | null | undefined)?.[key];
  return value !== undefined ? Number(value) : v;
}

/** Reads the tar back with an independent reader. */
async function readBack(pieces: Buffer[]): Promise<Got[]> {
  const out: Got[] = [];
  const extract = tar.extract();
  Readable.from(pieces).pipe(extract);
  for await (const entry of extract) {
    let body = '';
    for await (const c of entry) body += String(c);
    const h = entry.header;
    out.push({ name: h.name, type: h.type, mode: h.mode, uid: paxOr(h.pax, 'uid', h.uid), gid: paxOr(h.pax, 'gid', h.gid), mtime: h.mtime ? h.mtime.getTime() / 1000 : undefined, linkname: h.linkname, body });
  }
  return out;
}

test('members, modes, times and contents survive a round trip, whatever the piece size', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-tarw-'));
  try {
    const big = 'z'.repeat(5000);
    writeFileSync(join(dir, 'big'), big);
    writeFileSync(join(dir, 'small'), 'hi');
    const longName = `${'d'.repeat(60)}/${'f'.repeat(70)}`;
    const items: TarItem[] = [
      { name: 'sub', type: 'directory', mode: 0o755, mtime: 1700000000, size: 0 },
      { name: 'sub/big', type: 'file', mode: 0o4755, mtime: 1700000001, size: big.length, path: join(dir, 'big') },
      { name: 'small', type: 'file', mode: 0o600, mtime: 1700000002, size: 2, path: join(dir, 'small') },
      { name: 'link', type: 'symlink', mode: 0o777, mtime: 5, size: 0, linkname: '../outside' },
      { name: longName, type: 'file', mode: 0o644, mtime: 0, size: 3, data: Buffer.from('doc') },
      { name: 'empty', type: 'file', mode: 0o644, mtime: 0, size: 0, data: Buffer.alloc(0) },
    ];
    for (const chunk of [1024, 4096, 256 << 10]) {
      const pieces = [...tarPieces(items, { chunkSize: chunk })];
      assert.ok(pieces.every((p) => p.length <= chunk && p.length % 512 === 0));
      const got = await readBack(pieces);
      assert.deepEqual(got.map((g) => [g.name, g.type, g.mode, g.uid, g.mtime]), [
        ['sub/', 'directory', 0o755, 0, 1700000000],
        ['sub/big', 'file', 0o4755, 0, 1700000001],
        ['small', 'file', 0o600, 0, 1700000002],
        ['link', 'symlink', 0o777, 0, 5],
        [longName, 'file', 0o644, 0, 0],
        ['empty', 'file', 0o644, 0, 0],
      ]);
      assert.equal(got[1]!.body, big);
      assert.equal(got[2]!.body, 'hi');
      assert.equal(got[3]!.linkname, '../outside');
      assert.equal(got[4]!.body, 'doc');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file that shrinks while it is read fails the upload', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-tarw-'));
  try {
    writeFileSync(join(dir, 'f'), 'ab');
    assert.throws(() => [...tarPieces([{ name: 'f', type: 'file', mode: 0o644, mtime: 0, size: 10, path: join(dir, 'f') }])], /changed size/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('owners, readers and archives continued by another writer', async () => {
  const content = Buffer.from('read by position');
  const readAt = (buf: Buffer, offset: number, length: number, position: number): number => content.copy(buf, offset, position, position + length);
  const first = [...tarPieces([{ name: 'a', type: 'file', mode: 0o640, uid: 5, gid: 3000000, mtime: 1, size: content.length, readAt }], { end: false, chunkSize: 1024 })];
  const second = [...tarPieces([{ name: 'b', type: 'directory', mode: 0o700, uid: 2097152, gid: 7, mtime: 2, size: 0 }])];
  const got = await readBack([...first, ...second]);
  assert.deepEqual(got.map((g) => [g.name, g.uid, g.gid, g.body]), [
    ['a', 5, 3000000, 'read by position'],
    ['b/', 2097152, 7, ''],
  ]);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { encodeHeader, END_OF_ARCHIVE, paddingOf, type TarHeader } from '../image/layer/tar-header.js';
import { TarParser } from '../image/layer/tar-reader.js';
import { ContextIndex, type ContextParser } from './context-index.js';
import { resolveInScope } from './copy-sources.js';

const parser: ContextParser = (sink) => new TarParser(sink);

type Member = Partial<TarHeader> & { path: string; data?: string };

/** The members as tar bytes (fractional mtimes make PAX records), in pieces of 1, 7 and 700 bytes in turn, as a socket delivers them. */
function* members(list: Member[], end = true): Generator<Buffer> {
  const parts: Buffer[] = [];
  for (const { data, ...h } of list) {
    const body = Buffer.from(data ?? '');
    const type = h.type ?? 'file';
    const header: TarHeader = { mode: 0o644, mtime: 1700000000.5, linkname: '', uid: 0, gid: 0, devmajor: 0, devminor: 0, xattrs: new Map(), ...h, type, size: type === 'file' ? body.length : 0 };
    parts.push(encodeHeader(header), body, Buffer.alloc(paddingOf(body.length)));
  }
  if (end) parts.push(END_OF_ARCHIVE());
  const tar = Buffer.concat(parts);
  const sizes = [1, 7, 700];
  for (let off = 0, i = 0; off < tar.length; off += sizes[i++ % 3]!) yield tar.subarray(off, off + sizes[i % 3]!);
}

async function withIndex(list: Member[], fn: (ix: ContextIndex, spill: string) => Promise<void> | void, budget = 1 << 20): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-ctx-'));
  const spill = join(dir, 'spill');
  const ix = new ContextIndex({ memoryBudget: budget, spillPath: spill });
  try {
    await ix.load(Readable.from(members(list)), parser);
    await fn(ix, spill);
  } finally {
    await ix.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function text(stream: Readable): Promise<string> {
  let s = '';
  for await (const c of stream) s += String(c);
  return s;
}

test('files, directories and implicit parents', () =>
  withIndex(
    [{ path: './', type: 'dir', mode: 0o750 }, { path: 'b.txt', data: 'bee' }, { path: 'a/deep/x', data: 'x', mode: 0o4755 }, { path: 'a/', type: 'dir', mode: 0o700 }],
    (ix) => {
      assert.deepEqual(ix.readdir(''), ['a', 'b.txt']);
      assert.deepEqual(ix.stat(''), { type: 'directory', mode: 0o750, size: 0, mtime: 1700000000 });
      assert.deepEqual(ix.stat('a'), { type: 'directory', mode: 0o700, size: 0, mtime: 1700000000 });
      assert.deepEqual(ix.readdir('a'), ['deep']);
      assert.equal(ix.stat('a/deep')?.type, 'directory');
      assert.deepEqual(ix.stat('a/deep/x'), { type: 'file', mode: 0o4755, size: 1, mtime: 1700000000 });
      assert.equal(ix.read('b.txt').toString(), 'bee');
      assert.equal(ix.read('b.txt', 2).toString(), 'be');
      assert.equal(ix.stat('nope'), null);
      assert.deepEqual(ix.readdir('b.txt'), []);
      assert.throws(() => ix.read('a'), /no file/);
      assert.equal(ix.contentBytes, 4);
    },
  ));

test('names that climb out or are absolute stay inside', () =>
  withIndex([{ path: '../../etc/passwd', data: 'p' }, { path: '/abs/f', data: 'f' }, { path: 'd/../../up', data: 'u' }], (ix) => {
    assert.deepEqual(ix.readdir(''), ['abs', 'etc', 'up']);
    assert.equal(ix.read('etc/passwd').toString(), 'p');
  }));

test('symlinks are kept as links and never traversed by later members', () =>
  withIndex(
    [{ path: 'out', type: 'symlink', linkname: '/etc' }, { path: 'up', type: 'symlink', linkname: '../..' }, { path: 'link', type: 'symlink', linkname: 'out' }, { path: 'link/passwd', data: 'mine' }],
    (ix) => {
      assert.equal(ix.symlinkTarget('out'), '/etc');
      assert.equal(ix.symlinkTarget('nope'), null);
      assert.equal(ix.stat('out')?.type, 'symlink');
      // The member below the symlink replaced it with a directory.
      assert.equal(ix.stat('link')?.type, 'directory');
      assert.equal(ix.read('link/passwd').toString(), 'mine');
      assert.equal(resolveInScope(ix, 'out/passwd'), 'etc/passwd');
      assert.equal(resolveInScope(ix, 'up/link/passwd'), 'link/passwd');
    },
  ));

test('hard links share their target; a link to nothing is refused', async () => {
  await withIndex([{ path: 'a', data: 'same' }, { path: 'b', type: 'hardlink', linkname: './a' }], (ix) => {
    assert.equal(ix.read('b').toString(), 'same');
    assert.equal(ix.stat('b')?.size, 4);
  });
  await assert.rejects(withIndex([{ path: 'b', type: 'hardlink', linkname: 'a' }], () => undefined), /hard link b to a/);
});

test('later members replace earlier ones; devices are left out', () =>
  withIndex(
    [{ path: 'd/x', data: '1' }, { path: 'd', data: 'now a file' }, { path: 'e/y', data: 'y' }, { path: 'e', type: 'dir', mode: 0o711 }, { path: 'f', data: 'old' }, { path: 'f', data: 'new' }, { path: 'null', type: 'char' }],
    (ix) => {
      assert.deepEqual(ix.readdir(''), ['d', 'e', 'f']);
      assert.equal(ix.stat('d/x'), null);
      assert.equal(ix.read('d').toString(), 'now a file');
      assert.deepEqual(ix.readdir('e'), ['y']);
      assert.equal(ix.stat('e')?.mode, 0o711);
      assert.equal(ix.read('f').toString(), 'new');
    },
  ));

test('remove drops a subtree', () =>
  withIndex([{ path: 'd/x/y', data: 'y' }, { path: 'd/z', data: 'z' }], (ix) => {
    ix.remove('d/x');
    assert.deepEqual(ix.readdir('d'), ['z']);
    assert.equal(ix.stat('d/x/y'), null);
    ix.remove('d');
    assert.deepEqual(ix.readdir(''), []);
  }));

test('contents beyond the memory budget go to the spill file, which close removes', async () => {
  let spillFile = '';
  await withIndex(
    [{ path: 'small', data: 'abc' }, { path: 'big', data: 'hello spill' }, { path: 'empty', data: '' }, { path: 'big2', data: 'second' }],
    async (ix, spill) => {
      spillFile = spill;
      assert.ok(existsSync(spill));
      assert.equal(ix.read('small').toString(), 'abc');
      assert.equal(ix.read('big').toString(), 'hello spill');
      assert.equal(ix.read('big2').toString(), 'second');
      assert.equal(ix.read('big', 5).toString(), 'hello');
      const part = Buffer.alloc(8);
      assert.equal(ix.readAt('big', part, 1, 5, 6), 5);
      assert.equal(part.subarray(1, 6).toString(), 'spill');
      assert.equal(ix.readAt('big', part, 0, 8, 9), 2);
      assert.equal(ix.readAt('small', part, 0, 8, 1), 2);
      assert.equal(part.subarray(0, 2).toString(), 'bc');
      assert.equal(await text(ix.openRead('big2')), 'second');
      assert.equal(await text(ix.openRead('small')), 'abc');
      assert.equal(await text(ix.openRead('empty')), '');
      await ix.close();
      assert.ok(!existsSync(spill));
    },
    4,
  );
  assert.ok(!existsSync(spillFile));
});

test('waitFor resolves as a path arrives, at the end without it, and rejects when the upload fails', async () => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  async function* slow(fail: boolean): AsyncGenerator<Buffer> {
    yield* members([{ path: 'Dockerfile', data: 'FROM x' }], false);
    await gate;
    yield* members([{ path: 'late', data: 'l' }]);
    if (fail) throw new Error('connection reset');
  }
  const ix = new ContextIndex({ memoryBudget: 1 << 20, spillPath: join(tmpdir(), 'berth-ctx-unused') });
  const loaded = ix.load(Readable.from(slow(false)), parser);
  await ix.waitFor('Dockerfile');
  assert.equal(ix.read('Dockerfile').toString(), 'FROM x');
  let late = false;
  const waiting = ix.waitFor('late').then(() => (late = true));
  const missing = ix.waitFor('never');
  await new Promise((r) => setImmediate(r));
  assert.equal(late, false);
  release();
  await waiting;
  await missing;
  await loaded;
  await ix.waitFor('never');

  const bad = new ContextIndex({ memoryBudget: 1 << 20, spillPath: join(tmpdir(), 'berth-ctx-unused') });
  const failing = bad.load(Readable.from(slow(true)), parser);
  const pending = bad.waitFor('never');
  await assert.rejects(failing, /connection reset/);
  await assert.rejects(pending, /connection reset/);
  await assert.rejects(bad.waitFor('Dockerfile'), /connection reset/);
});

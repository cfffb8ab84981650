import assert from 'node:assert/strict';
import { lstat, mkdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isBerthError } from '../../lib/errors.js';
import { applyLayer } from './apply.js';
import { removeDir, snapshotTree, streamOf, tarOf, tempDir, type FixtureEntry } from './test-fixtures.js';
import { readXattrTree } from './xattrs.js';

const dir = (name: string, extra: Partial<FixtureEntry['header']> = {}): FixtureEntry => ({ header: { name, type: 'directory', mode: 0o755, ...extra } });
const file = (name: string, body = '', extra: Partial<FixtureEntry['header']> = {}): FixtureEntry => ({ header: { name, type: 'file', mode: 0o644, ...extra }, body });
const symlink = (name: string, linkname: string): FixtureEntry => ({ header: { name, type: 'symlink', linkname } });
const hardlink = (name: string, linkname: string): FixtureEntry => ({ header: { name, type: 'link', linkname } });

describe('applyLayer security', () => {
  let base: string;
  before(async () => {
    base = await tempDir('apply-sec');
  });
  after(async () => {
    await removeDir(base);
  });

  // `S` in a name or link target stands for the absolute path of the sentinel directory outside dest.
  const cases: Array<{ name: string; entries: FixtureEntry[]; refused: RegExp }> = [
    { name: 'dot-dot escape', entries: [file('../escaped', 'x')], refused: /"\.\.\/escaped" escapes the layer root/ },
    { name: 'dot-dot escape after a dir', entries: [file('a/../../escaped', 'x')], refused: /escapes the layer root/ },
    { name: 'dot-dot escape via PAX long name', entries: [file(`${'a/'.repeat(60)}${'../'.repeat(61)}escaped`, 'x')], refused: /escapes the layer root/ },
    { name: 'write through an absolute symlink', entries: [symlink('a', 'S'), file('a/file', 'pwned')], refused: /"a\/file" goes through symlink "a"/ },
    { name: 'write through a relative symlink', entries: [symlink('a', '../sentinel'), file('a/file', 'pwned')], refused: /goes through symlink "a"/ },
    { name: 'mkdir through a symlink', entries: [symlink('a', 'S'), dir('a/sub')], refused: /goes through symlink "a"/ },
    { name: 'deep write through a symlink', entries: [dir('d'), symlink('d/a', 'S'), file('d/a/new', 'x')], refused: /goes through symlink "d\/a"/ },
    { name: 'hard link climbing out', entries: [hardlink('h', '../sentinel/file')], refused: /hard-links to "\.\.\/sentinel\/file", outside the layer root/ },
    { name: 'hard link to an absolute host path', entries: [hardlink('h', 'S/file')], refused: /does not exist in the layer/ },
    { name: 'hard link to a symlink leading out', entries: [symlink('s', 'S/file'), hardlink('h', 's')], refused: /a symlink that leads outside/ },
    { name: 'hard link through a symlinked dir', entries: [symlink('a', 'S'), hardlink('h', 'a/file')], refused: /goes through symlink "a"/ },
    { name: 'whiteout climbing out', entries: [file('../.wh.file')], refused: /escapes the layer root/ },
    { name: 'whiteout through a symlink', entries: [symlink('a', 'S'), file('a/.wh.file')], refused: /goes through symlink "a"/ },
    { name: 'whiteout of ..', entries: [dir('d'), file('d/.wh...')], refused: /whiteout of an invalid name/ },
    { name: 'opaque marker through a symlink', entries: [symlink('a', 'S'), file('a/.wh..wh..opq')], refused: /goes through symlink "a"/ },
  ];

  for (const c of cases) {
    it(`refuses ${c.name} and leaves everything outside unchanged`, async () => {
      const root = join(base, c.name.replace(/\W+/g, '-'));
      const sentinel = join(root, 'sentinel');
      const dest = join(root, 'dest');
      await mkdir(sentinel, { recursive: true });
      await mkdir(dest);
      await writeFile(join(sentinel, 'file'), 'original');
      const subst = (s: string | null | undefined): string | undefined => s?.replace(/^S/, sentinel);
      const entries = c.entries.map((e) => ({ ...e, header: { ...e.header, name: subst(e.header.name)!, linkname: subst(e.header.linkname) } }));
      const outside = async (): Promise<unknown> => {
        const all = await snapshotTree(root);
        return [...all].filter(([rel]) => rel !== 'dest' && !rel.startsWith('dest/'));
      };
      const before = await outside();
      await assert.rejects(applyLayer(streamOf(await tarOf(entries)), dest), (e: unknown) => {
        assert.ok(isBerthError(e, 'InvalidArgument'), `expected InvalidArgument, got ${String(e)}`);
        assert.match(e.message, c.refused);
        return true;
      });
      assert.deepEqual(await outside(), before);
    });
  }

  it('confines absolute names to the layer root', async () => {
    const root = join(base, 'absolute');
    const dest = join(root, 'dest');
    await mkdir(dest, { recursive: true });
    await applyLayer(streamOf(await tarOf([file(join(root, 'abs-file'), 'x')])), dest);
    await assert.rejects(lstat(join(root, 'abs-file')), { code: 'ENOENT' });
    assert.equal(await readFile(join(dest, root, 'abs-file'), 'utf8'), 'x');
  });

  it('replaces a symlink by the file of the same name instead of writing through it', async () => {
    const root = join(base, 'replace');
    const dest = join(root, 'dest');
    await mkdir(dest, { recursive: true });
    await writeFile(join(root, 'target'), 'original');
    await applyLayer(streamOf(await tarOf([symlink('a', join(root, 'target')), file('a', 'new'), symlink('d', root), dir('d'), file('d/target', 'inside')])), dest);
    assert.equal(await readFile(join(root, 'target'), 'utf8'), 'original');
    assert.ok((await lstat(join(dest, 'a'))).isFile());
    assert.equal(await readFile(join(dest, 'a'), 'utf8'), 'new');
    assert.equal(await readFile(join(dest, 'd', 'target'), 'utf8'), 'inside');
  });

  it('allows a hard link to a symlink that stays inside', async () => {
    const dest = join(base, 'link-to-symlink');
    await mkdir(dest);
    await applyLayer(streamOf(await tarOf([file('f', 'data'), symlink('s', 'f'), hardlink('h', 's')])), dest);
    assert.equal(await readlink(join(dest, 'h')), 'f');
    assert.equal((await lstat(join(dest, 'h'))).ino, (await lstat(join(dest, 's'))).ino);
  });
});

describe('applyLayer', () => {
  let base: string;
  before(async () => {
    base = await tempDir('apply');
  });
  after(async () => {
    await removeDir(base);
  });
  const fresh = async (name: string): Promise<string> => {
    const d = join(base, name);
    await mkdir(d);
    return d;
  };

  it('turns whiteouts into 0:0 character devices and opaque markers into an xattr', async () => {
    const dest = await fresh('whiteouts');
    await applyLayer(streamOf(await tarOf([
      dir('d'),
      file('d/.wh.gone', '', { uid: 7, gid: 8 }),
      file('d/.wh..wh..opq'),
      file('e/.wh..wh..opq'),
      file('.wh.top'),
    ])), dest);
    for (const p of ['d/gone', 'top']) {
      const st = await lstat(join(dest, p));
      assert.ok(st.isCharacterDevice(), p);
      assert.equal(st.rdev, 0);
    }
    assert.equal((await lstat(join(dest, 'd/gone'))).uid, 7);
    const attrs = await readXattrTree(dest, '-');
    assert.equal(attrs.get(join(dest, 'd'))?.get('trusted.overlay.opaque')?.toString(), 'y');
    assert.equal(attrs.get(join(dest, 'e'))?.get('trusted.overlay.opaque')?.toString(), 'y');
    await assert.rejects(lstat(join(dest, 'd/.wh.gone')), { code: 'ENOENT' });
  });

  it('keeps ownership, modes (setuid, sticky), mtimes, links and special files', async () => {
    const dest = await fresh('metadata');
    const t = (s: number): Date => new Date(s * 1000);
    await applyLayer(streamOf(await tarOf([
      dir('bin', { mtime: t(1000), uid: 3, gid: 4, mode: 0o750 }),
      file('bin/su', 'su', { mode: 0o4755, uid: 1000, gid: 1001, mtime: t(2000) }),
      file('bin/none', '', { mode: 0o644, mtime: t(2500) }),
      dir('tmp', { mode: 0o1777, mtime: t(3000) }),
      hardlink('bin/su2', 'bin/su'),
      symlink('bin/sh', 'su'),
      { header: { name: 'pipe', type: 'fifo', mode: 0o600, mtime: t(4000) } },
      { header: { name: 'null', type: 'character-device', mode: 0o666, devmajor: 1, devminor: 3, mtime: t(5000) } },
    ])), dest);
    const snap = await snapshotTree(dest);
    assert.deepEqual(snap.get('bin'), { type: 'dir', mode: 0o750, uid: 3, gid: 4, mtime: 1000 });
    assert.equal(snap.get('bin/su')?.mode, 0o4755);
    assert.equal(snap.get('bin/su')?.uid, 1000);
    assert.equal(snap.get('bin/su')?.mtime, 2000);
    assert.equal(snap.get('bin/none')?.mode, 0o644);
    assert.equal(snap.get('tmp')?.mode, 0o1777);
    assert.equal(snap.get('bin/sh')?.link, 'su');
    assert.equal(snap.get('pipe')?.type, 'fifo');
    assert.deepEqual(snap.get('null'), { type: 'char', mode: 0o666, uid: 0, gid: 0, mtime: 5000, rdev: (1 << 8) | 3 });
    assert.equal((await stat(join(dest, 'bin/su'))).ino, (await stat(join(dest, 'bin/su2'))).ino);
  });

  it('lets later entries replace earlier ones, as tar does', async () => {
    const dest = await fresh('duplicates');
    await applyLayer(streamOf(await tarOf([file('x', 'one'), file('x', 'two'), dir('d'), file('d/in', 'x'), file('d', 'now a file'), dir('k'), file('k/keep', 'kept'), dir('k', { mode: 0o700 })])), dest);
    assert.equal(await readFile(join(dest, 'x'), 'utf8'), 'two');
    assert.equal(await readFile(join(dest, 'd'), 'utf8'), 'now a file');
    assert.equal(await readFile(join(dest, 'k/keep'), 'utf8'), 'kept');
    assert.equal((await lstat(join(dest, 'k'))).mode & 0o7777, 0o700);
  });

  it('skips the root entry, aufs metadata and overlay xattrs from the archive', async () => {
    const dest = await fresh('skips');
    const modeBefore = (await lstat(dest)).mode;
    await applyLayer(streamOf(await tarOf([
      dir('./', { mode: 0o700 }),
      dir('.wh..wh.plnk'),
      file('.wh..wh.plnk/123.456', 'x'),
      dir('d', { pax: { 'SCHILY.xattr.trusted.overlay.opaque': 'y', 'SCHILY.xattr.user.kept': 'v' } }),
    ])), dest);
    assert.equal((await lstat(dest)).mode, modeBefore);
    await assert.rejects(lstat(join(dest, '.wh..wh.plnk')), { code: 'ENOENT' });
    const attrs = await readXattrTree(dest, '-');
    assert.equal(attrs.get(join(dest, 'd'))?.get('trusted.overlay.opaque'), undefined);
    assert.equal(attrs.get(join(dest, 'd'))?.get('user.kept')?.toString(), 'v');
  });

  it('reads the input to its end, reports bytes, content bytes (with symlink targets) and each entry', async () => {
    const dest = await fresh('counts');
    const tar = Buffer.concat([await tarOf([file('a', 'hello'), dir('d'), file('d/b', 'x'.repeat(1000)), symlink('l', 'd/b')]), Buffer.alloc(10240)]);
    const seen: string[] = [];
    const result = await applyLayer(streamOf(tar, 100), dest, { onEntry: (e) => seen.push(`${e.type}:${e.path}:${e.size}`) });
    // Docker's size: files' bytes and the symlink's target (3), not the tar's.
    assert.deepEqual(result, { bytes: tar.length, contentBytes: 1008 });
    assert.deepEqual(seen, ['file:a:5', 'dir:d:0', 'file:d/b:1000', 'symlink:l:0']);
  });

  it('fails on a truncated archive', async () => {
    const dest = await fresh('truncated');
    const tar = await tarOf([file('a', 'x'.repeat(2000))]);
    await assert.rejects(applyLayer(streamOf(tar.subarray(0, 1024)), dest), /unexpected end of data/);
  });
});

describe('applyLayer for docker cp', () => {
  let dest: string;
  before(async () => {
    dest = await tempDir('apply-cp');
  });
  after(async () => {
    await removeDir(dest);
  });

  it('keeps .wh. names as plain files, applies the owner given, and can refuse dir/non-dir replacement', async () => {
    await mkdir(join(dest, 'existing-dir'));
    await applyLayer(streamOf(await tarOf([file('.wh.plain', 'w'), file('d/.wh..wh..opq', 'o'), file('owned', 'x', { uid: 1, gid: 2 })])), dest, {
      whiteouts: false,
      owner: { uid: 1234, gid: 5678 },
    });
    assert.equal(await readFile(join(dest, '.wh.plain'), 'utf8'), 'w');
    assert.equal(await readFile(join(dest, 'd/.wh..wh..opq'), 'utf8'), 'o');
    const st = await stat(join(dest, 'owned'));
    assert.deepEqual([st.uid, st.gid], [1234, 5678]);
    await assert.rejects(
      applyLayer(streamOf(await tarOf([file('existing-dir', 'x')])), dest, { whiteouts: false, noOverwriteDirNonDir: true }),
      /cannot overwrite directory "\/existing-dir" with non-directory "existing-dir"/,
    );
    await assert.rejects(
      applyLayer(streamOf(await tarOf([dir('owned')])), dest, { whiteouts: false, noOverwriteDirNonDir: true }),
      /cannot overwrite non-directory "\/owned" with directory "owned"/,
    );
    assert.ok((await lstat(join(dest, 'existing-dir'))).isDirectory());
  });
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, lchown, link, lstat, lutimes, mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { extract } from 'tar-stream';
import { applyLayer } from './apply.js';
import { diffChanges, fileBody, upperDirUsage, writeLayerDiff } from './diff.js';
import { DigestingTransform } from './digesting.js';
import { collect, removeDir, snapshotTree, streamOf, tempDir } from './test-fixtures.js';
import type { TarHeader } from './tar-header.js';
import { TarReader } from './tar-reader.js';
import { runTool } from './tools.js';
import { BufferPool } from '../../lib/buffer-pool.js';

const LONG_DIR = `long-${'d'.repeat(150)}`;
const LONG_FILE = `${'f'.repeat(120)}.txt`;
const CAPABILITY = Buffer.from('AQAAAgAgAAAAAAAAAAAAAAAAAAA=', 'base64');
const BINARY_XATTR = Buffer.from([0x00, 0xff, 0x80, 0x0a, 0x3d]);

/** An overlay upper dir with one of every kind of node the layer format carries. */
async function makeUpper(root: string): Promise<void> {
  await mkdir(join(root, 'd'), { mode: 0o750 });
  await writeFile(join(root, 'd/f'), randomBytes(300_000));
  await chmod(join(root, 'd/f'), 0o640);
  await link(join(root, 'd/f'), join(root, 'd/hard'));
  await symlink('f', join(root, 'd/rel-link'));
  await symlink('/etc/passwd', join(root, 'abs-link'));
  await mkdir(join(root, 'bin'));
  await writeFile(join(root, 'bin/su'), 'setuid binary');
  await chown(join(root, 'bin/su'), 1000, 1001);
  await chmod(join(root, 'bin/su'), 0o4755);
  await writeFile(join(root, 'bin/ping'), 'capable');
  await mkdir(join(root, 'tmp'));
  await chmod(join(root, 'tmp'), 0o1777);
  await writeFile(join(root, 'zero-mode'), '');
  await chmod(join(root, 'zero-mode'), 0);
  await mkdir(join(root, LONG_DIR));
  await writeFile(join(root, LONG_DIR, LONG_FILE), 'long');
  await symlink(`${LONG_DIR}/${LONG_FILE}`, join(root, 'long-link'));
  await writeFile(join(root, 'ünïcødé name'), 'utf8');
  await runTool(['mkfifo', join(root, 'fifo')]);
  await mkdir(join(root, 'dev'));
  await runTool(['mknod', join(root, 'dev/null'), 'c', '1', '3']);
  await runTool(['mknod', join(root, 'dev/loop9'), 'b', '7', '9']);
  await runTool(['mknod', join(root, 'gone'), 'c', '0', '0']);
  await mkdir(join(root, 'opq'));
  await writeFile(join(root, 'opq/only'), 'only');
  await runTool(['setfattr', '-n', 'trusted.overlay.opaque', '-v', 'y', join(root, 'opq')]);
  await runTool(['setfattr', '-n', 'user.bin', '-v', `0s${BINARY_XATTR.toString('base64')}`, join(root, 'd/f')]);
  await runTool(['setfattr', '-n', 'security.capability', '-v', `0s${CAPABILITY.toString('base64')}`, join(root, 'bin/ping')]);
  await lchown(join(root, 'd'), 5, 6);
  // Times last: creating children changes a directory's mtime.
  let t = 1_600_000_000;
  for (const p of ['d/f', 'bin/su', 'bin/ping', 'zero-mode', `${LONG_DIR}/${LONG_FILE}`, 'ünïcødé name', 'fifo', 'dev/null', 'dev/loop9', 'opq/only']) {
    await utimes(join(root, p), t, t);
    t += 100;
  }
  for (const p of ['d/rel-link', 'abs-link', 'long-link']) await lutimes(join(root, p), t, t);
  for (const p of ['d', 'bin', 'tmp', LONG_DIR, 'dev', 'opq']) await utimes(join(root, p), ++t, t);
}

async function entriesOf(tar: Buffer): Promise<TarHeader[]> {
  const out: TarHeader[] = [];
  for await (const { header, body } of new TarReader(streamOf(tar)).entries()) {
    for await (const piece of body) void piece;
    out.push(header);
  }
  return out;
}

describe('writeLayerDiff', () => {
  let base: string;
  let upper: string;
  before(async () => {
    base = await tempDir('diff');
    upper = join(base, 'upper');
    await mkdir(upper);
    await makeUpper(upper);
  });
  after(async () => {
    await removeDir(base);
  });

  it('round-trips through applyLayer with every kind of node intact', async () => {
    const dest = join(base, 'roundtrip');
    await mkdir(dest);
    await applyLayer(writeLayerDiff(upper), dest);
    const want = await snapshotTree(upper);
    const got = await snapshotTree(dest);
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
    // The whiteout device is made when the layer is applied, as Docker's are: its time is then's.
    const timeless = (info: object | undefined): object | undefined => info && { ...info, mtime: 0 };
    for (const [path, info] of want) {
      if (path === 'gone') assert.deepEqual(timeless(got.get(path)), timeless(info), path);
      else assert.deepEqual(got.get(path), info, path);
    }
    assert.equal((await lstat(join(dest, 'd/f'))).ino, (await lstat(join(dest, 'd/hard'))).ino);
    assert.equal(got.get('bin/ping')?.xattrs?.['security.capability'], CAPABILITY.toString('base64'));
    assert.equal(got.get('opq')?.xattrs?.['trusted.overlay.opaque'], Buffer.from('y').toString('base64'));
    assert.equal(got.get('gone')?.type, 'char');
    assert.equal(got.get('gone')?.rdev, 0);
  });

  it('writes whiteouts, opaque markers, hard links and xattrs in layer form', async () => {
    const entries = await entriesOf(await collect(writeLayerDiff(upper)));
    const byPath = new Map(entries.map((e) => [e.path, e]));
    assert.equal(byPath.get('.wh.gone')?.type, 'file');
    assert.equal(byPath.get('.wh.gone')?.size, 0);
    assert.equal(byPath.get('opq/.wh..wh..opq')?.type, 'file');
    assert.equal(byPath.get('gone'), undefined);
    assert.deepEqual(byPath.get('opq')?.xattrs, new Map());
    assert.deepEqual(byPath.get('d/f')?.xattrs, new Map([['user.bin', BINARY_XATTR]]));
    const hard = byPath.get('d/hard');
    assert.equal(hard?.type, 'hardlink');
    assert.equal(hard?.linkname, 'd/f');
    assert.equal(byPath.get('dev/loop9')?.devmajor, 7);
    assert.equal(byPath.get('dev/loop9')?.devminor, 9);
    assert.equal(byPath.get(`${LONG_DIR}/${LONG_FILE}`)?.size, 4);
  });

  it('sorts entries by path bytes, parents first', async () => {
    const paths = (await entriesOf(await collect(writeLayerDiff(upper)))).map((e) => e.path);
    const sorted = [...paths].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    assert.deepEqual(paths, sorted);
    for (const [i, p] of paths.entries()) {
      const parent = p.slice(0, p.lastIndexOf('/'));
      if (p.includes('/')) assert.ok(paths.slice(0, i).includes(parent), `${parent} before ${p}`);
    }
  });

  it('is deterministic: the same tree gives the same bytes and digest', async () => {
    const digestOf = async (): Promise<{ digest: string; bytes: number; data: Buffer }> => {
      const d = new DigestingTransform();
      const data = collect(d);
      await pipeline(writeLayerDiff(upper), d);
      return { digest: d.digest(), bytes: d.bytes, data: await data };
    };
    const a = await digestOf();
    const b = await digestOf();
    assert.equal(a.digest, b.digest);
    assert.equal(a.bytes, a.data.length);
    assert.ok(a.data.equals(b.data));
  });

  it('clamps mtimes to sourceDateEpoch', async () => {
    const epoch = 1_600_000_150;
    const entries = await entriesOf(await collect(writeLayerDiff(upper, { sourceDateEpoch: epoch })));
    assert.ok(entries.every((e) => e.mtime <= epoch));
    assert.ok(entries.some((e) => e.mtime === epoch));
    assert.ok(entries.some((e) => e.mtime < epoch));
  });

  it('is readable by GNU tar and by tar-stream', async () => {
    const tar = await collect(writeLayerDiff(upper));
    const listed = spawnSync('tar', ['-t', '-f', '-'], { input: tar });
    assert.equal(listed.status, 0, listed.stderr.toString());
    const names = listed.stdout.toString().split('\n');
    assert.ok(names.includes(`${LONG_DIR}/${LONG_FILE}`));
    assert.ok(names.includes('ünïcødé name'));
    const ours = await entriesOf(tar);
    const theirs: string[] = [];
    const ex = extract();
    ex.on('entry', (h, stream, next) => {
      theirs.push(h.name.replace(/\/$/, ''));
      stream.on('end', () => next());
      stream.resume();
    });
    await pipeline(streamOf(tar), ex);
    assert.deepEqual(theirs, ours.map((e) => e.path));
  });
});

describe('upperDirUsage', () => {
  it('is empty with nothing but the excluded paths; its size counts files and symlinks, hard links once', async () => {
    const dir = await tempDir('empty-upper');
    try {
      assert.deepEqual(await upperDirUsage(dir), { empty: true, size: 0 });
      await mkdir(join(dir, 'etc'));
      await writeFile(join(dir, 'etc', 'hosts'), '');
      assert.deepEqual(await upperDirUsage(dir, new Set(['etc', 'etc/hosts'])), { empty: true, size: 0 });
      assert.deepEqual(await upperDirUsage(dir, new Set(['etc/hosts'])), { empty: false, size: 0 });
      await writeFile(join(dir, 'f'), 'x'.repeat(100));
      await link(join(dir, 'f'), join(dir, 'g'));
      await symlink('/bin/busybox', join(dir, 'l'));
      assert.deepEqual(await upperDirUsage(dir), { empty: false, size: 100 + '/bin/busybox'.length });
    } finally {
      await removeDir(dir);
    }
  });
});

describe('diffChanges', () => {
  let base: string;
  before(async () => {
    base = await tempDir('changes');
  });
  after(async () => {
    await removeDir(base);
  });

  it('reports A, C and D as docker diff does, through whiteouts and opaque dirs', async () => {
    const [l1, l2, up] = ['lower1', 'lower2', 'upper'].map((n) => join(base, n)) as [string, string, string];
    const files = async (root: string, paths: string[]): Promise<void> => {
      for (const p of paths) {
        await mkdir(join(root, p, '..'), { recursive: true });
        await writeFile(join(root, p), p);
      }
    };
    const whiteout = (root: string, p: string): Promise<Buffer> => runTool(['mknod', join(root, p), 'c', '0', '0']);
    await files(l1, ['etc/passwd', 'etc/hosts', 'var/log/a', 'opq/old1', 'opq/sub/x', 'deleted-in-l2', 'hidden/under']);
    await files(l2, ['opq/old2', 'hidden/new']);
    await whiteout(l2, 'deleted-in-l2');
    await whiteout(l2, 'opq/old1');
    await runTool(['setfattr', '-n', 'trusted.overlay.opaque', '-v', 'y', join(l2, 'hidden')]);
    await files(up, ['etc/passwd', 'new.txt', 'deleted-in-l2', 'opq/new1', 'hidden/under']);
    await mkdir(join(up, 'var/log'), { recursive: true });
    await whiteout(up, 'var/log/a');
    await runTool(['setfattr', '-n', 'trusted.overlay.opaque', '-v', 'y', join(up, 'opq')]);

    assert.deepEqual(await diffChanges(up, [`${l2}/`, l1]), [
      { kind: 'A', path: '/deleted-in-l2' },
      { kind: 'C', path: '/etc' },
      { kind: 'C', path: '/etc/passwd' },
      { kind: 'C', path: '/hidden' },
      { kind: 'A', path: '/hidden/under' },
      { kind: 'A', path: '/new.txt' },
      { kind: 'C', path: '/opq' },
      { kind: 'A', path: '/opq/new1' },
      { kind: 'D', path: '/opq/old2' },
      { kind: 'D', path: '/opq/sub' },
      { kind: 'C', path: '/var' },
      { kind: 'C', path: '/var/log' },
      { kind: 'D', path: '/var/log/a' },
    ]);
  });
});

describe('fileBody', () => {
  let dir: string;
  before(async () => {
    dir = await tempDir('filebody');
  });
  after(() => removeDir(dir));

  it('yields the file in order, reading ahead into pooled buffers that all come back', async () => {
    const data = randomBytes(5 * 256 * 1024 + 1000);
    await writeFile(join(dir, 'big'), data);
    const pool = new BufferPool(4, 256 * 1024);
    const parts: Buffer[] = [];
    for await (const chunk of fileBody(join(dir, 'big'), data.length, pool)) {
      parts.push(Buffer.from(chunk));
      pool.release(chunk);
    }
    assert.ok(parts.length === 6 && parts[5]!.length === 1000, `chunks: ${parts.map((p) => p.length).join(' ')}`);
    assert.ok(Buffer.concat(parts).equals(data));
    assert.equal(pool.idle, 4);
  });

  it('fails on a file that shrank, and a consumer that stops early gets its read-ahead buffers back', async () => {
    await writeFile(join(dir, 'short'), randomBytes(300 * 1024));
    const pool = new BufferPool(4, 256 * 1024);
    await assert.rejects(async () => {
      for await (const chunk of fileBody(join(dir, 'short'), 600 * 1024, pool)) pool.release(chunk);
    }, /shrank while it was being archived/);
    assert.equal(pool.idle, 4);

    await writeFile(join(dir, 'long'), randomBytes(1024 * 1024));
    for await (const chunk of fileBody(join(dir, 'long'), 1024 * 1024, pool)) {
      pool.release(chunk);
      break;
    }
    assert.equal(pool.idle, 4);
  });
});

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { archivePath } from './archive-path.js';
import { ContainerFs } from './container-fs.js';

describe('archivePath', () => {
  it('splits as Docker resolves archive paths', () => {
    assert.deepEqual(archivePath('/a/b'), { abs: '/a/b', dir: '/a/', base: 'b', name: 'b' });
    assert.deepEqual(archivePath('a/b/'), { abs: '/a/b/', dir: '/a/b/', base: '', name: 'b' });
    assert.deepEqual(archivePath('/a/.'), { abs: '/a/.', dir: '/a/', base: '.', name: '.' });
    assert.deepEqual(archivePath('/'), { abs: '/', dir: '/', base: '', name: '/' });
    assert.deepEqual(archivePath('/../../etc'), { abs: '/etc', dir: '/', base: 'etc', name: 'etc' });
  });
});

describe('ContainerFs', () => {
  let base: string;
  let fs: ContainerFs;
  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'berth-cfs-'));
    const rootfs = join(base, 'rootfs');
    await mkdir(join(rootfs, 'etc'), { recursive: true });
    await mkdir(join(base, 'vol'));
    await writeFile(join(base, 'vol', 'in-volume'), 'v');
    await writeFile(join(base, 'hosts'), 'h');
    await symlink('/', join(rootfs, 'rootlink'));
    await symlink('../../../../..', join(rootfs, 'up'));
    await symlink('/data/../etc', join(rootfs, 'etclink'));
    await symlink('/etc', join(base, 'vol', 'back-to-etc'));
    fs = new ContainerFs(rootfs, [
      { destination: '/data', source: join(base, 'vol'), readOnly: true },
      { destination: '/etc/hosts', source: join(base, 'hosts'), readOnly: false },
    ], false);
  });
  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('follows symlinks inside the root only, through mounts', () => {
    assert.equal(fs.resolve('/rootlink/etc'), 'etc');
    assert.equal(fs.resolve('/up/etc'), 'etc');
    assert.equal(fs.resolve('/../../etc'), 'etc');
    assert.equal(fs.resolve('/etclink/hosts'), 'etc/hosts');
    assert.equal(fs.resolve('/data/back-to-etc'), 'etc');
  });

  it('locates paths in mounts and reports read-only ones', () => {
    assert.equal(fs.locate('data/in-volume').abs, join(base, 'vol', 'in-volume'));
    assert.equal(fs.locate('data').readOnly, true);
    assert.equal(fs.locate('etc/hosts').abs, join(base, 'hosts'));
    assert.equal(fs.locate('etc').abs, join(base, 'rootfs', 'etc'));
    assert.equal(fs.locate('etc').readOnly, false);
    assert.deepEqual(fs.readdir(''), ['data', 'etc', 'etclink', 'rootlink', 'up']);
    assert.deepEqual(fs.readdir('etc'), ['hosts']);
    assert.equal(fs.lstat('etc/hosts/x'), null);
  });

  it('reads a file as the container would: an absolute symlink to a host path is read inside the root', async () => {
    // A host file at the path the link names, and the root's own copy at that path.
    const hostDir = await mkdtemp(join(tmpdir(), 'berth-cfs-host-'));
    try {
      await writeFile(join(hostDir, 'passwd'), 'host\n');
      await mkdir(join(base, 'rootfs', hostDir), { recursive: true });
      await writeFile(join(base, 'rootfs', hostDir, 'passwd'), 'root copy\n');
      await symlink(join(hostDir, 'passwd'), join(base, 'rootfs', 'etc', 'passwd'));
      assert.equal(fs.readFileOrEmpty('/etc/passwd'), 'root copy\n');
      await rm(join(base, 'rootfs', hostDir, 'passwd'));
      assert.equal(fs.readFileOrEmpty('/etc/passwd'), '', 'a link whose target the root lacks reads as empty, not as the host file');
    } finally {
      await rm(hostDir, { recursive: true, force: true });
    }
    assert.equal(fs.readFileOrEmpty('/etc/hosts'), 'h', 'through a mount');
    assert.equal(fs.readFileOrEmpty('/etc/group'), '', 'missing');
    assert.equal(fs.readFileOrEmpty('/etc'), '', 'a directory');
    await symlink('group', join(base, 'rootfs', 'etc', 'group'));
    try {
      assert.throws(() => fs.resolve('/etc/group'), /too many levels of symbolic links/);
      assert.equal(fs.readFileOrEmpty('/etc/group'), '', 'a symlink loop');
    } finally {
      await rm(join(base, 'rootfs', 'etc', 'group'));
    }
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyUp, resolveInRoot } from './copy-up.js';

test('resolveInRoot keeps symlinks and .. inside the root', async () => {
  const root = await mkdtemp(join(tmpdir(), 'berth-root-'));
  try {
    await mkdir(join(root, 'real/data'), { recursive: true });
    await symlink('/real', join(root, 'abs'));
    await symlink('../../../../etc', join(root, 'real/up'));
    await symlink('/', join(root, 'slash'));
    await symlink('loop', join(root, 'loop'));
    assert.equal(await resolveInRoot(root, '/abs/data'), join(root, 'real/data'));
    assert.equal(await resolveInRoot(root, '/real/up'), join(root, 'etc'));
    assert.equal(await resolveInRoot(root, '/../../etc/passwd'), join(root, 'etc/passwd'));
    assert.equal(await resolveInRoot(root, '/slash/etc'), join(root, 'etc'));
    await assert.rejects(resolveInRoot(root, '/loop'), /too many levels/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('copyUp seeds an empty volume only', async () => {
  const root = await mkdtemp(join(tmpdir(), 'berth-cu-'));
  try {
    await mkdir(join(root, 'rootfs/data'), { recursive: true });
    await writeFile(join(root, 'rootfs/data/f'), 'image');
    await mkdir(join(root, 'vol'));
    await copyUp(join(root, 'rootfs'), '/data', join(root, 'vol'));
    assert.equal(await readFile(join(root, 'vol/f'), 'utf8'), 'image');
    await writeFile(join(root, 'rootfs/data/f'), 'changed');
    await copyUp(join(root, 'rootfs'), '/data', join(root, 'vol'));
    assert.equal(await readFile(join(root, 'vol/f'), 'utf8'), 'image');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

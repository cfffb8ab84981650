import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyUp } from './copy-up.js';

test('copyUp seeds an empty volume only', async () => {
  const root = await mkdtemp(join(tmpdir(), 'berth-cu-'));
  try {
    await mkdir(join(root, 'rootfs/data'), { recursive: true });
    await writeFile(join(root, 'rootfs/data/f'), 'image');
    await mkdir(join(root, 'vol'));
    await copyUp(join(root, 'rootfs/data'), join(root, 'vol'));
    assert.equal(await readFile(join(root, 'vol/f'), 'utf8'), 'image');
    await writeFile(join(root, 'rootfs/data/f'), 'changed');
    await copyUp(join(root, 'rootfs/data'), join(root, 'vol'));
    assert.equal(await readFile(join(root, 'vol/f'), 'utf8'), 'image');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { directorySize } from './disk-usage.js';

test("directorySize counts as Docker's directory.Size: files, hard links once, symlinks at their target's length", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'du-'));
  try {
    await mkdir(join(dir, 'a/b'), { recursive: true });
    await writeFile(join(dir, 'a/one'), 'x'.repeat(100));
    await writeFile(join(dir, 'a/b/two'), 'y'.repeat(50));
    await link(join(dir, 'a/one'), join(dir, 'hard'));
    await symlink('/etc/passwd', join(dir, 'sym'));
    assert.equal(await directorySize(dir), 150 + '/etc/passwd'.length);
    assert.equal(await directorySize(join(dir, 'missing')), 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

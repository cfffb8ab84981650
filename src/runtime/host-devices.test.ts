import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listHostDevices } from './host-devices.js';

test('listHostDevices: char and block nodes with their numbers, docker-style exclusions', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-devs-'));
  try {
    const node = (path: string, type: 'b' | 'c' | 'p', ...nums: number[]) =>
      execFileSync('mknod', ['-m', '0640', join(dir, path), type, ...nums.map(String)]);
    await mkdir(join(dir, 'pts'));
    await mkdir(join(dir, 'dri'));
    node('null', 'c', 1, 3);
    node('loop0', 'b', 7, 0);
    // Above 255 both numbers spill into dev_t's high bits.
    node('nvme0n1p300', 'b', 259, 300);
    node('dri/card0', 'c', 226, 0);
    node('pts/0', 'c', 136, 0);
    node('console', 'c', 5, 1);
    node('fifo', 'p');
    await symlink('null', join(dir, 'link'));
    await writeFile(join(dir, 'file'), '');

    const devices = (await listHostDevices(dir)).sort((a, b) => a.path.localeCompare(b.path));
    assert.deepEqual(
      devices.map((d) => [d.path.slice(dir.length), d.type, d.major, d.minor, d.fileMode, d.uid, d.gid]),
      [
        ['/dri/card0', 'c', 226, 0, 0o640, 0, 0],
        ['/loop0', 'b', 7, 0, 0o640, 0, 0],
        ['/null', 'c', 1, 3, 0o640, 0, 0],
        ['/nvme0n1p300', 'b', 259, 300, 0o640, 0, 0],
      ],
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('listHostDevices: a missing directory has no devices', async () => {
  assert.deepEqual(await listHostDevices('/nonexistent-berth-dev'), []);
});

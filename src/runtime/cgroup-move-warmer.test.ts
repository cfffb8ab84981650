import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CgroupMoveWarmer, ownProcsFile } from './cgroup-move-warmer.js';

const HYBRID = `9:name=systemd:/
8:pids:/
4:memory:/process_api/4d07
2:cpu,cpuacct:/user.slice
0::/
`;

test('ownProcsFile names the cgroup.procs of a v1 hierarchy the process is in, pids first', () => {
  assert.equal(ownProcsFile(HYBRID), '/sys/fs/cgroup/pids/cgroup.procs');
  assert.equal(ownProcsFile('4:memory:/a/b\n2:cpu,cpuacct:/c\n0::/\n', '/cg'), '/cg/memory/a/b/cgroup.procs');
  assert.equal(ownProcsFile('0::/system.slice/berth.service\n'), '/sys/fs/cgroup/system.slice/berth.service/cgroup.procs');
  assert.equal(ownProcsFile(''), null);
});

test('CgroupMoveWarmer moves the process into its own cgroup while held, and stops once released', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-warmer-'));
  try {
    await mkdir(join(dir, 'proc', 'self'), { recursive: true });
    await mkdir(join(dir, 'cgroup', 'pids', 'berth'), { recursive: true });
    await writeFile(join(dir, 'proc', 'self', 'cgroup'), '8:pids:/berth\n0::/\n');
    const procs = join(dir, 'cgroup', 'pids', 'berth', 'cgroup.procs');
    await writeFile(procs, '');
    const warmer = new CgroupMoveWarmer(join(dir, 'proc'), join(dir, 'cgroup'));
    const release = warmer.hold();
    // Each move rewrites the file, so a read may meet it truncated: poll for the pid.
    let moved = false;
    for (let i = 0; i < 200 && !moved; i++) {
      moved = (await readFile(procs, 'utf8')) === String(process.pid);
      if (!moved) await sleep(5);
    }
    assert.ok(moved, 'the process was moved into its own cgroup');
    release();
    // A move begun before the release may still land (late, on a loaded machine); after it none may.
    let quiet = false;
    for (let i = 0; i < 20 && !quiet; i++) {
      await writeFile(procs, '');
      await sleep(50);
      quiet = (await readFile(procs, 'utf8')) === '';
    }
    assert.ok(quiet, 'no move after the release');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

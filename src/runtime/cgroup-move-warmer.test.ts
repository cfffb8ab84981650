import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
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

/** A warmFor window for the tests: well below quietSoon's patience. */
const WINDOW_MS = 1500;

/** A process's own cgroup files under a temp dir, and a warmer reading them. */
async function withOwnCgroup(fn: (warmer: CgroupMoveWarmer, procs: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-warmer-'));
  try {
    await mkdir(join(dir, 'proc', 'self'), { recursive: true });
    await mkdir(join(dir, 'cgroup', 'pids', 'berth'), { recursive: true });
    await writeFile(join(dir, 'proc', 'self', 'cgroup'), '8:pids:/berth\n0::/\n');
    const procs = join(dir, 'cgroup', 'pids', 'berth', 'cgroup.procs');
    await writeFile(procs, '');
    await fn(new CgroupMoveWarmer(join(dir, 'proc'), join(dir, 'cgroup')), procs);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Whether the process gets moved within ~1 s. Each move rewrites the file, so a read may meet it truncated: poll for the pid. */
async function movedSoon(procs: string): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if ((await readFile(procs, 'utf8')) === String(process.pid)) return true;
    await sleep(5);
  }
  return false;
}

/**
 * Whether the moves stop within ~3 s: 50 ms without a write to the file (a read alone could meet
 * a move's truncation and take it for quiet). A move begun before may still land late on a loaded
 * machine; after it none may.
 */
async function quietSoon(procs: string): Promise<boolean> {
  for (let i = 0; i < 60; i++) {
    const before = (await stat(procs, { bigint: true })).mtimeNs;
    await sleep(50);
    if ((await stat(procs, { bigint: true })).mtimeNs === before) return true;
  }
  return false;
}

test('CgroupMoveWarmer moves the process into its own cgroup while held, and stops once released', async () => {
  await withOwnCgroup(async (warmer, procs) => {
    const release = warmer.hold();
    assert.ok(await movedSoon(procs), 'the process was moved into its own cgroup');
    release();
    assert.ok(await quietSoon(procs), 'no move after the release');
  });
});

test('CgroupMoveWarmer.warmFor keeps moving the process for the time given, then stops by itself', async () => {
  await withOwnCgroup(async (warmer, procs) => {
    // Long enough that a loaded machine's slow first move still leaves time inside it.
    const t0 = performance.now();
    warmer.warmFor(WINDOW_MS);
    assert.ok(await movedSoon(procs), 'the process was moved into its own cgroup');
    // Still inside the window: a move lands again after the file was emptied.
    await writeFile(procs, '');
    assert.ok(await movedSoon(procs), 'moved again within the window');
    assert.ok(await quietSoon(procs), 'no move once the window is over');
    assert.ok(performance.now() - t0 >= WINDOW_MS, 'the moves went on for the whole window');
  });
});

test('CgroupMoveWarmer.warmFor does not end a hold, nor a hold a window', async () => {
  await withOwnCgroup(async (warmer, procs) => {
    const release = warmer.hold();
    warmer.warmFor(1);
    await sleep(30);
    await writeFile(procs, '');
    assert.ok(await movedSoon(procs), 'still moving while held after the window');
    release();
    assert.ok(await quietSoon(procs), 'no move after the release');
    const t0 = performance.now();
    warmer.warmFor(WINDOW_MS);
    warmer.hold()();
    assert.ok(await quietSoon(procs), 'no move once the window is over');
    assert.ok(performance.now() - t0 >= WINDOW_MS, 'the window went on after a hold was released in it');
  });
});

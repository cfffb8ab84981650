/**
 * Containers outlive berthd: across a SIGTERM and a SIGKILL of the daemon a running container
 * keeps running and logging, and the restarted daemon re-adopts it, records the exit codes of
 * containers that ended meanwhile and removes the `--rm` ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { berth, docker, makeBusybox, SHARED_HOST, startPrivateDaemon, waitFor, type PrivateDaemon } from './harness.js';

/** Beside the shared daemon's roots: `restart` in CI, `<dev>-restart` when a developer's shared daemon is `berth-test-<dev>`. */
const DAEMON_NAME = ((p) => (p ? `${p}-restart` : 'restart'))(basename(dirname(SHARED_HOST.replace(/^unix:\/\//, ''))).replace(/^berth-test-?/, ''));

/** Waits in the container until the test creates /tmp/go in its root filesystem. */
const UNTIL_GO = 'until [ -e /tmp/go ]; do sleep 0.05; done';

async function inspect(d: PrivateDaemon, ref: string, format: string): Promise<string> {
  const r = await berth(['inspect', '--format', format, ref], { host: d.host });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

async function runDetached(d: PrivateDaemon, args: string[]): Promise<string> {
  const r = await berth(['run', '-d', ...args], { host: d.host });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

for (const how of ['SIGTERM', 'SIGKILL'] as const) {
  test(`containers live on through a ${how} of berthd and are re-adopted`, { timeout: 120_000 }, async () => {
    let d = await startPrivateDaemon(DAEMON_NAME);
    try {
      await makeBusybox(d.host);
      const live = await runDetached(d, ['--name', 'live', 'busybox', 'sh', '-c', `echo before; ${UNTIL_GO}; echo while-down; exec sleep 1000`]);
      const ends = await runDetached(d, ['--name', 'ends', 'busybox', 'sh', '-c', `${UNTIL_GO}; exit 3`]);
      const gone = await runDetached(d, ['--rm', '--name', 'gone', 'busybox', 'sh', '-c', `${UNTIL_GO}; exit 0`]);
      const logPath = await inspect(d, live, '{{.LogPath}}');
      await waitFor('the first log line', async () => (await readFile(logPath, 'utf8')).includes('before'));
      const pid = await inspect(d, live, '{{.State.Pid}}');
      const merged = new Map<string, string>();
      for (const id of [live, ends, gone]) merged.set(id, await inspect(d, id, '{{.GraphDriver.Data.MergedDir}}'));

      if (how === 'SIGTERM') await d.stop();
      else await d.kill();
      assert.ok(!existsSync(join(d.runRoot, 'berth.sock')) || how === 'SIGKILL', 'a stopped daemon removes its socket');

      // With the daemon down: the containers go on, log, and two of them exit.
      for (const dir of merged.values()) await writeFile(join(dir, 'tmp', 'go'), '');
      await waitFor('output written while the daemon is down', async () => (await readFile(logPath, 'utf8')).includes('while-down'));
      for (const id of [ends, gone]) await waitFor(`${id} to exit`, () => existsSync(join(d.runRoot, 'exits', id)));
      assert.ok(existsSync(`/proc/${pid}`), 'the container process survived the daemon');

      d = await startPrivateDaemon(DAEMON_NAME, { dataRoot: d.dataRoot, runRoot: d.runRoot });
      const ps = await berth(['ps', '--format', '{{.Names}} {{.Status}}'], { host: d.host });
      assert.match(ps.stdout, /^live Up /m);
      assert.equal(await inspect(d, live, '{{.State.Pid}}'), pid, 'the same process, re-adopted');
      const dps = await docker(['ps', '-a', '--filter', 'name=ends', '--format', '{{.Status}}'], { host: d.host });
      assert.match(dps.stdout, /^Exited \(3\) /);
      assert.equal(await inspect(d, ends, '{{.State.Status}} {{.State.ExitCode}}'), 'exited 3');
      await waitFor('the --rm container to be removed', async () => (await berth(['inspect', gone], { host: d.host })).code !== 0);
      assert.match((await berth(['inspect', gone], { host: d.host })).stderr, /No such (container|object)/);

      const ex = await berth(['exec', live, 'sh', '-c', 'echo in; exit 4'], { host: d.host });
      assert.equal(ex.stdout, 'in\n');
      assert.equal(ex.code, 4);
      const logs = await berth(['logs', live], { host: d.host });
      assert.equal(logs.stdout, 'before\nwhile-down\n');
      const dlogs = await docker(['logs', 'live'], { host: d.host });
      assert.equal(dlogs.stdout, 'before\nwhile-down\n');
      const stop = await berth(['stop', '-t', '1', live], { host: d.host });
      assert.equal(stop.code, 0, stop.stderr);
      assert.equal(await inspect(d, live, '{{.State.Status}} {{.State.ExitCode}}'), 'exited 137');
      assert.ok(!existsSync(`/proc/${pid}`), 'stop ended the re-adopted process');
      // A re-adopted container starts again as any other.
      const start = await berth(['start', live], { host: d.host });
      assert.equal(start.code, 0, start.stderr);
      assert.equal(await inspect(d, live, '{{.State.Status}}'), 'running');
    } finally {
      await d.destroy();
    }
  });
}

test('a capped log keeps its max-file files across a restart of berthd, rotations while it was down included', { timeout: 120_000 }, async () => {
  let d = await startPrivateDaemon(`${DAEMON_NAME}-log`);
  try {
    await makeBusybox(d.host);
    // ~53-byte records in 1 kB files: a new file every ~18 lines. Lines 21-40 come while berthd is down.
    const burst = (from: number, to: number) => `i=${from}; while [ $i -le ${to} ]; do echo line-$i; [ $((i % 5)) -eq 0 ] && sleep 0.05; i=$((i+1)); done`;
    const script = `${burst(1, 20)}; ${UNTIL_GO}; ${burst(21, 40)}; until [ -e /tmp/go2 ]; do sleep 0.05; done; ${burst(41, 100)}`;
    const id = await runDetached(d, ['--name', 'chatty', '--log-opt', 'max-size=1k', '--log-opt', 'max-file=4', 'busybox', 'sh', '-c', script]);
    const root = `/proc/${await inspect(d, id, '{{.State.Pid}}')}/root`;
    const logs = async (): Promise<number[]> => (await berth(['logs', id], { host: d.host })).stdout.trim().split('\n').map((l) => Number(l.replace(/^line-/, '')));
    await waitFor('the first lines', async () => (await logs()).at(-1) === 20);
    await d.stop();
    await writeFile(`${root}/tmp/go`, '');
    const path = join(d.dataRoot, 'containers', id, 'container.log');
    await waitFor('the lines written while berthd is down', async () => (await readFile(path, 'utf8')).includes('line-40\n'));
    d = await startPrivateDaemon(`${DAEMON_NAME}-log`, { dataRoot: d.dataRoot, runRoot: d.runRoot });
    await writeFile(`${root}/tmp/go2`, '');
    assert.equal((await berth(['wait', id], { host: d.host })).stdout.trim(), '0');
    const all = await logs();
    const first = all[0] ?? 0;
    // The newest lines without a gap across the four files; the oldest went with the file past max-file.
    assert.deepEqual(all, Array.from({ length: 101 - first }, (_, i) => first + i));
    assert.ok(first > 1 && all.length > 55, `kept lines ${first}..100`);
  } finally {
    await d.destroy();
  }
});

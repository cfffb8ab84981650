/**
 * The runtime choice on this host: crun is the default wherever it can run containers, through
 * berthd's wrapper on a hybrid cgroup host (crun 1.8 refuses those), and runc stays selectable.
 * Checks what the wrapper could break: cgroup limits, update, freezer, --privileged, exec -t, and
 * that removal leaves no cgroup behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { api, berth, CLIENTS, docker, uniqueName, waitFor, type RunResult } from './harness.js';

const V1 = '/sys/fs/cgroup';
const HYBRID = readFileSync('/proc/self/mountinfo', 'utf8')
  .split('\n')
  .some((l) => / - cgroup2 /.test(l) && l.split(' ')[4]?.startsWith(`${V1}/`));
const CRUN_INSTALLED = existsSync('/usr/bin/crun') || existsSync('/usr/local/bin/crun');

function ok(r: RunResult, what: string): string {
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  return r.stdout;
}

/** The container's v1 cgroup file `file` of `controller` (berth puts containers at /berth/<id>). */
async function v1File(id: string, controller: string, file: string): Promise<string> {
  return (await readFile(`${V1}/${controller}/berth/${id}/${file}`, 'utf8')).trim();
}

function leftCgroups(id: string): string[] {
  return ['memory', 'cpu', 'pids', 'freezer', 'devices', 'unified'].map((c) => `${V1}/${c}/berth/${id}`).filter((p) => existsSync(p));
}

test('info and version name the default runtime and why', { skip: !CRUN_INSTALLED && 'crun is not installed' }, async () => {
  const info = (await api('GET', '/info')).json() as {
    DefaultRuntime: string;
    Runtimes: Record<string, { status?: Record<string, string> }>;
    Warnings: string[];
  };
  assert.equal(info.DefaultRuntime, 'crun');
  const status = info.Runtimes['crun']?.status?.['probe'] ?? '';
  assert.match(status, /^ok/);
  if (HYBRID) {
    assert.match(status, /hybrid host: crun creates containers with the cgroup2 mount \/sys\/fs\/cgroup\/unified detached/);
    assert.ok(info.Warnings.some((w) => w.startsWith('WARNING: cgroup v1/v2 hybrid host')), JSON.stringify(info.Warnings));
  }
  assert.match(ok(await docker(['info']), 'docker info'), /Default Runtime: crun/);
  assert.match(ok(await berth(['version']), 'berth version'), /crun:\n\s+Version:\s+\S+[\s\S]*Status:\s+ok/);
});

for (const { name: client, run } of CLIENTS) {
  test(`${client}: a crun container's cgroups: limits, update, pause, stats, exec -t, removal`, async () => {
    const name = uniqueName('crun-cg');
    const id = ok(
      await run(['run', '-d', '--name', name, '--runtime', 'crun', '-m', '48m', '--cpus', '0.5', '--pids-limit', '30', 'busybox', 'sleep', '1000']),
      'run',
    ).trim();
    try {
      assert.equal(await v1File(id, 'memory', 'memory.limit_in_bytes'), String(48 * 1024 * 1024));
      assert.equal(await v1File(id, 'cpu', 'cpu.cfs_quota_us'), '50000');
      assert.equal(await v1File(id, 'pids', 'pids.max'), '30');
      // The container sees its own cgroups, not the host's tree.
      const view = ok(await run(['exec', name, 'sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes; ls /sys/fs/cgroup/memory/ | grep -c ^berth$ || true']), 'exec');
      assert.deepEqual(view.trim().split('\n'), [String(48 * 1024 * 1024), '0']);

      ok(await run(['update', '-m', '64m', '--memory-swap', '128m', '--pids-limit', '40', name]), 'update');
      assert.equal(await v1File(id, 'memory', 'memory.limit_in_bytes'), String(64 * 1024 * 1024));
      assert.equal(await v1File(id, 'pids', 'pids.max'), '40');

      ok(await run(['pause', name]), 'pause');
      assert.equal(await v1File(id, 'freezer', 'freezer.state'), 'FROZEN');
      assert.equal(ok(await run(['inspect', '--format', '{{.State.Status}}', name]), 'inspect').trim(), 'paused');
      ok(await run(['unpause', name]), 'unpause');
      assert.equal(await v1File(id, 'freezer', 'freezer.state'), 'THAWED');

      const stats = ok(await run(['stats', '--no-stream', '--format', '{{.PIDs}} {{.MemUsage}}', name]), 'stats').trim();
      assert.match(stats, /^1 \S+ \/ 64MiB$/);

      const tty = ok(await run(['exec', '-t', name, 'sh', '-c', 'tty; echo $((1+1))']), 'exec -t');
      assert.match(tty, /^\/dev\/pts\/\d+\r?\n2\r?\n$/);
    } finally {
      await run(['rm', '-f', name]);
    }
    assert.deepEqual(leftCgroups(id), []);
  });

  test(`${client}: --privileged on crun, and --runtime runc beside it`, async () => {
    const priv = ok(await run(['run', '--rm', '--runtime', 'crun', '--privileged', 'busybox', 'sh', '-c', 'mkdir -p /mnt && mount -t tmpfs t /mnt && echo mounted']), 'privileged');
    assert.equal(priv, 'mounted\n');
    const name = uniqueName('runc-cg');
    const id = ok(await run(['run', '-d', '--name', name, '--runtime', 'runc', '-m', '40m', 'busybox', 'sleep', '1000']), 'run runc').trim();
    try {
      assert.equal(ok(await run(['inspect', '--format', '{{.HostConfig.Runtime}}', name]), 'inspect').trim(), 'runc');
      assert.equal(await v1File(id, 'memory', 'memory.limit_in_bytes'), String(40 * 1024 * 1024));
      assert.equal(ok(await run(['exec', name, 'echo', 'runc exec']), 'exec').trim(), 'runc exec');
    } finally {
      await run(['rm', '-f', name]);
    }
    await waitFor('runc cgroups removed', () => leftCgroups(id).length === 0, 5000);
  });
}

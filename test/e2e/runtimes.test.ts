/**
 * The runtime choice on this host: crun is the default wherever it can run containers, through
 * berthd's wrapper on a hybrid cgroup host (crun 1.8 refuses those), and runc stays selectable.
 * Checks what the wrapper could break: cgroup limits, update, freezer, --privileged, exec -t, and
 * that removal leaves no cgroup behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { open, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { api, berth, CLIENTS, docker, makeBusybox, mountsUnder, runCommand, SHARED_HOST, startPrivateDaemon, uniqueName, waitFor, type RunResult } from './harness.js';

const V1 = '/sys/fs/cgroup';
/** The cgroup2 mount beside the v1 hierarchies, when it holds controllers: the hybrid host crun 1.8 refuses. */
const HYBRID_V2 = readFileSync('/proc/self/mountinfo', 'utf8')
  .split('\n')
  .map((l) => (/ - cgroup2 /.test(l) ? l.split(' ')[4] : undefined))
  .find((m) => m?.startsWith(`${V1}/`));
const HYBRID = HYBRID_V2 !== undefined && readFileSync(join(HYBRID_V2, 'cgroup.controllers'), 'utf8').trim() !== '';
const CRUN = ['/usr/bin/crun', '/usr/local/bin/crun'].find((p) => existsSync(p));
const CRUN_INSTALLED = CRUN !== undefined;

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

/** The read-only mounts on `path`, topmost last (mountinfo's order). */
function readOnlyFlags(path: string): boolean[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f[4] === path)
    .map((f) => (f[5] ?? '').split(',').includes('ro'));
}

async function sameFile(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([stat(a), stat(b)]);
  return x.ino === y.ino && x.dev === y.dev;
}

test('crun runs from a read-only mount of its binary, with the marker that spares it its copy of itself at each call', { skip: !CRUN_INSTALLED && 'crun is not installed' }, async () => {
  const runRoot = dirname(new URL(SHARED_HOST).pathname);
  const copy = join(runRoot, 'bin', 'crun');
  const info = (await api('GET', '/info')).json() as { Runtimes: Record<string, { path: string }> };
  assert.equal(info.Runtimes['crun']?.path, copy);
  assert.deepEqual(readOnlyFlags(copy), [true]);
  assert.ok(await sameFile(copy, CRUN!), `${copy} shows ${CRUN}`);
  // What CVE-2019-5736 needs, writing the runtime through /proc/self/exe, the mount refuses.
  await assert.rejects(open(copy, 'r+'), { code: 'EROFS' });

  const name = uniqueName('ro-runtime');
  const id = ok(await berth(['run', '-d', '--name', name, '--runtime', 'crun', 'busybox', 'sleep', '1000']), 'run').trim();
  try {
    const conmon = (await readFile(join(runRoot, 'containers', id, 'conmon.pid'), 'utf8')).trim();
    const environ = (await readFile(`/proc/${conmon}/environ`, 'utf8')).split('\0');
    assert.ok(environ.includes('_LIBCONTAINER_CLONED_BINARY=1'), environ.join(' '));
    const argv = (await readFile(`/proc/${conmon}/cmdline`, 'utf8')).split('\0');
    const runtime = argv[argv.indexOf('-r') + 1]!;
    // On a hybrid cgroup host conmon runs the wrapper, which runs the copy.
    assert.ok(runtime === copy || (await readFile(runtime, 'utf8')).includes(`exec ${copy} `), `conmon runs ${runtime}`);
    assert.equal(ok(await berth(['exec', name, 'echo', 'through the copy']), 'exec'), 'through the copy\n');
  } finally {
    await berth(['rm', '-f', name]);
  }
});

test('the read-only runtime mount is kept across a killed berthd, replaced when stale, and goes with a stopped one', { skip: !CRUN_INSTALLED && 'crun is not installed', timeout: 120_000 }, async () => {
  let d = await startPrivateDaemon(`rocopy-${process.pid}`);
  const { dataRoot, runRoot } = d;
  const copy = join(runRoot, 'bin', 'crun');
  let stopped = false;
  try {
    assert.deepEqual(readOnlyFlags(copy), [true]);
    await d.kill();
    d = await startPrivateDaemon(`rocopy-${process.pid}`, { dataRoot, runRoot });
    assert.deepEqual(readOnlyFlags(copy), [true], 'the killed daemon\'s mount is reused, not stacked');
    await d.kill();
    // A mount that no longer shows the installed binary (it was upgraded since) is replaced.
    assert.equal((await runCommand('umount', [copy])).code, 0);
    assert.equal((await runCommand('mount', ['--bind', '-o', 'ro', '/bin/true', copy])).code, 0);
    d = await startPrivateDaemon(`rocopy-${process.pid}`, { dataRoot, runRoot });
    assert.deepEqual(readOnlyFlags(copy), [true]);
    assert.ok(await sameFile(copy, CRUN!), `${copy} shows ${CRUN} again`);
    await makeBusybox(d.host);
    const r = await berth(['run', '--rm', 'busybox', 'echo', 'ran'], { host: d.host });
    assert.equal(ok(r, 'run'), 'ran\n');
    await d.stop();
    stopped = true;
    assert.deepEqual(await mountsUnder(runRoot, { withRuntimeCopies: true }), []);
    assert.ok(!existsSync(copy), 'the mount point goes too');
  } finally {
    if (!stopped) await d.destroy();
    for (const m of (await mountsUnder(runRoot, { withRuntimeCopies: true })).reverse()) await runCommand('umount', ['-l', m]);
    await rm(runRoot, { recursive: true, force: true });
    await rm(dataRoot, { recursive: true, force: true });
  }
});

test('crun gets the seccomp program it compiled for the first container, for the next ones with that profile', { skip: !CRUN_INSTALLED && 'crun is not installed' }, async () => {
  const runRoot = dirname(new URL(SHARED_HOST).pathname);
  const names = [uniqueName('bpf-a'), uniqueName('bpf-b')];
  try {
    const ids: string[] = [];
    for (const name of names) ids.push(ok(await berth(['run', '-d', '--name', name, '--runtime', 'crun', 'busybox', 'sleep', '1000']), 'run').trim());
    const compiled = await readFile(join(runRoot, 'runtime', 'crun', ids[0]!, 'seccomp.bpf'));
    const spec = JSON.parse(await readFile(join(runRoot, 'containers', ids[1]!, 'config.json'), 'utf8')) as { annotations?: Record<string, string> };
    assert.equal(spec.annotations?.['run.oci.seccomp_bpf_data'], compiled.toString('base64'));
    // The program is what the second container runs under, and what its exec loads.
    assert.deepEqual(await readFile(join(runRoot, 'runtime', 'crun', ids[1]!, 'seccomp.bpf')), compiled);
    assert.match(ok(await berth(['exec', names[1]!, 'grep', '^Seccomp:', '/proc/self/status']), 'exec'), /^Seccomp:\s*2$/m);
  } finally {
    await berth(['rm', '-f', ...names]);
  }
});

/**
 * Bad input, through both CLIs and the raw API: Docker's messages, exit codes and HTTP statuses,
 * and after each failure nothing left behind (container, mount, cgroup, bundle, conmon).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { api, berth, CLIENTS, mountsUnder, SHARED_HOST, uniqueName, type RunResult } from './harness.js';

type Run = (typeof CLIENTS)[number]['run'];

/** The daemon's runtime root: the directory of its socket. */
const RUN_ROOT = dirname(SHARED_HOST.replace(/^unix:\/\//, ''));

/** Command lines of the conmon processes supervising this daemon's containers. */
function conmons(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if ((argv[0] ?? '').endsWith('conmon') && argv.some((a) => a.startsWith(`${RUN_ROOT}/`))) out.push(argv.join(' '));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

interface Snapshot {
  containers: string[];
  mounts: string[];
  conmons: string[];
}

async function snapshot(run: Run): Promise<Snapshot> {
  const ids = (await run(['ps', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean).sort();
  return { containers: ids, mounts: (await mountsUnder(RUN_ROOT)).sort(), conmons: conmons().sort() };
}

/** Fails when a failed command left a container, a mount or a conmon behind. */
async function assertNothingLeft(run: Run, before: Snapshot): Promise<void> {
  const now = await snapshot(run);
  assert.deepEqual(now.containers, before.containers, 'containers left');
  assert.deepEqual(now.mounts, before.mounts, 'mounts left');
  assert.deepEqual(now.conmons, before.conmons, 'conmon left');
}

/**
 * No mount, conmon or cgroup of a container remains; once it is removed, no runtime directory
 * (bundle) either. An exited container keeps its bundle directory until `rm`, as it keeps its logs.
 */
function assertNoRuntimeState(id: string, removed: boolean): void {
  const info = readFileSync('/proc/self/mountinfo', 'utf8');
  assert.ok(!info.includes(id), `a mount of ${id} is left`);
  assert.deepEqual(conmons().filter((c) => c.includes(id)), [], `conmon of ${id} left`);
  for (const controller of ['memory', 'pids', 'cpu', 'freezer']) {
    assert.ok(!existsSync(join('/sys/fs/cgroup', controller, 'berth', id)), `${controller} cgroup of ${id} left`);
  }
  if (removed) assert.ok(!existsSync(join(RUN_ROOT, 'containers', id)), `bundle of ${id} left`);
}

function usage(r: RunResult, flag: string, value: string): void {
  assert.equal(r.code, 125, r.stderr);
  assert.ok(r.stderr.includes(`invalid argument "${value}" for "${flag}" flag`), r.stderr);
}

let work = '';
let noExecTar = '';
before(() => {
  work = mkdtempSync(join(tmpdir(), 'berth-errors-'));
  // A one-file image whose only file is not executable.
  const root = join(work, 'rootfs');
  mkdirSync(root);
  writeFileSync(join(root, 'notexec'), '#!/bin/sh\necho should not run\n', { mode: 0o644 });
  noExecTar = join(work, 'noexec.tar');
  execFileSync('tar', ['-C', root, '--owner=0', '--group=0', '-cf', noExecTar, '.']);
});
after(() => rmSync(work, { recursive: true, force: true }));

for (const { name: client, run } of CLIENTS) {
  test(`${client}: a missing image: Unable to find image, a clear error, exit 125, nothing left`, async () => {
    const before = await snapshot(run);
    const r = await run(['run', '--rm', 'nosuch-image-xyz'], { timeoutMs: 60_000 });
    assert.equal(r.code, 125);
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.equal(lines[0], "Unable to find image 'nosuch-image-xyz:latest' locally");
    assert.match(lines[1] ?? '', /^(berth|docker): Error response from daemon: .+/);
    await assertNothingLeft(run, before);
  });

  test(`${client}: invalid reference format`, async () => {
    const before = await snapshot(run);
    const r = await run(['run', 'Busybox']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /invalid reference format: repository name \(library\/Busybox\) must be lowercase/);
    const bad = await run(['create', 'busy:box:bad']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /invalid reference format/);
    await assertNothingLeft(run, before);
  });

  test(`${client}: a name in use: 409 naming the container that has it`, async () => {
    const name = uniqueName('taken');
    const id = (await run(['create', '--name', name, 'busybox', 'true'])).stdout.trim();
    try {
      assert.match(id, /^[0-9a-f]{64}$/);
      const before = await snapshot(run);
      const conflict = `Conflict. The container name "/${name}" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`;
      const c = await run(['create', '--name', name, 'busybox', 'true']);
      assert.equal(c.code, 1);
      assert.ok(c.stderr.includes(`Error response from daemon: ${conflict}`), c.stderr);
      const r = await run(['run', '--name', name, 'busybox', 'true']);
      assert.equal(r.code, 125);
      assert.ok(r.stderr.includes(conflict), r.stderr);
      const other = (await run(['create', 'busybox', 'true'])).stdout.trim();
      try {
        const mv = await run(['rename', other, name]);
        assert.notEqual(mv.code, 0);
        assert.ok(mv.stderr.includes(`is already in use by container "${id}"`), mv.stderr);
      } finally {
        await run(['rm', other]);
      }
      await assertNothingLeft(run, before);
    } finally {
      await run(['rm', '-f', name]);
    }
  });

  test(`${client}: No such container`, async () => {
    const ref = 'nosuch-container-xyz';
    for (const args of [['start'], ['stop'], ['kill'], ['restart'], ['pause'], ['unpause'], ['rm'], ['wait'], ['logs'], ['top'], ['attach'], ['rename'], ['exec']]) {
      const argv = args[0] === 'rename' ? ['rename', ref, 'newname'] : args[0] === 'exec' ? ['exec', ref, 'true'] : [...args, ref];
      const r = await run(argv);
      assert.notEqual(r.code, 0, argv.join(' '));
      assert.ok(r.stderr.includes(`No such container: ${ref}`), `${argv.join(' ')}: ${r.stderr}`);
    }
    const inspect = await run(['inspect', ref]);
    assert.equal(inspect.code, 1);
    assert.match(inspect.stderr, new RegExp(`Error: No such object: ${ref}`));
    const cinspect = await run(['container', 'inspect', ref]);
    assert.match(cinspect.stderr, new RegExp(`No such container: ${ref}`));
  });

  test(`${client}: a command missing from the image exits 127, and its container keeps no runtime state`, async () => {
    const name = uniqueName('nocmd');
    try {
      const r = await run(['run', '--name', name, 'busybox', 'nosuch']);
      assert.equal(r.code, 127);
      assert.match(r.stderr, /exec: "nosuch": executable file not found in \$PATH/);
      const id = (await run(['inspect', '--format', '{{.Id}}', name])).stdout.trim();
      assert.match(id, /^[0-9a-f]{64}$/);
      const st = (await run(['inspect', '--format', '{{.State.Running}} {{.State.Pid}}', name])).stdout.trim();
      assert.equal(st, 'false 0');
      assertNoRuntimeState(id, false);
    } finally {
      await run(['rm', '-f', name]);
    }
    // With --rm the container goes too; the cidfile tells which it was.
    const cidfile = join(work, `${client}-nocmd.cid`);
    const before = await snapshot(run);
    const r = await run(['run', '--rm', '--cidfile', cidfile, 'busybox', '/no/such/path']);
    assert.equal(r.code, 127);
    const id = readFileSync(cidfile, 'utf8').trim();
    rmSync(cidfile);
    assertNoRuntimeState(id, true);
    await assertNothingLeft(run, before);
  });

  test(`${client}: a command that is not executable exits 126`, async () => {
    const tag = `${uniqueName('noexec')}:v1`;
    assert.equal((await run(['import', noExecTar, tag])).code, 0);
    const cidfile = join(work, `${client}-noexec.cid`);
    try {
      const before = await snapshot(run);
      const r = await run(['run', '--rm', '--cidfile', cidfile, tag, '/notexec']);
      assert.equal(r.code, 126);
      assert.match(r.stderr, /permission denied/);
      assertNoRuntimeState(readFileSync(cidfile, 'utf8').trim(), true);
      await assertNothingLeft(run, before);
      // A directory as the command: 126 too, as Docker.
      const dir = await run(['run', '--rm', 'busybox', '/etc']);
      assert.equal(dir.code, 126, dir.stderr);
      assert.match(dir.stderr, /permission denied/);
    } finally {
      rmSync(cidfile, { force: true });
      await run(['rmi', '-f', tag]);
    }
  });

  test(`${client}: invalid flag values are named with the flag, exit 125, nothing created`, async () => {
    const before = await snapshot(run);
    usage(await run(['run', '--memory', 'abc', 'busybox', 'true']), '-m, --memory', 'abc');
    usage(await run(['run', '-m', '12qq', 'busybox', 'true']), '-m, --memory', '12qq');
    usage(await run(['run', '--cpus', 'x', 'busybox', 'true']), '--cpus', 'x');
    usage(await run(['run', '--ulimit', 'bad', 'busybox', 'true']), '--ulimit', 'bad');
    usage(await run(['run', '--pids-limit', 'many', 'busybox', 'true']), '--pids-limit', 'many');
    usage(await run(['create', '--stop-timeout', 'soon', 'busybox', 'true']), '--stop-timeout', 'soon');
    const unknown = await run(['run', '--no-such-flag', 'busybox', 'true']);
    assert.equal(unknown.code, 125);
    assert.match(unknown.stderr, /unknown flag: --no-such-flag/);
    // Values the daemon refuses, as dockerd, before it creates anything.
    const refused: [string[], RegExp][] = [
      [['--stop-signal', 'BOGUS'], /Invalid signal: BOGUS/],
      [['--cpus', '1000'], /Range of CPUs is from 0\.01 to \d+\.00, as there are only \d+ CPUs available/],
      [['--memory', '20m', '--memory-reservation', '30m'], /Minimum memory limit can not be less than memory reservation limit/],
      [['-v', '/tmp:/x:ro,rw'], /invalid mode: ro,rw/],
      [['--network', 'container:nosuch-owner-xyz'], /No such container: nosuch-owner-xyz/],
    ];
    for (const [flags, message] of refused) {
      const r = await run(['run', '--rm', ...flags, 'busybox', 'true']);
      assert.equal(r.code, 125, `${flags.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, flags.join(' '));
      assert.doesNotMatch(r.stderr, /Unable to find image/, flags.join(' '));
    }
    await assertNothingLeft(run, before);
  });

  test(`${client}: rename to the container's own name is refused`, async () => {
    const name = uniqueName('same');
    try {
      assert.equal((await run(['create', '--name', name, 'busybox', 'true'])).code, 0);
      const r = await run(['rename', name, name]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Renaming a container with the same name as its current name/);
    } finally {
      await run(['rm', '-f', name]);
    }
  });

  test(`${client}: an unknown runtime is refused clearly`, async () => {
    const before = await snapshot(run);
    const r = await run(['run', '--rm', '--runtime', 'nosuch-rt', 'busybox', 'true']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /Error response from daemon: unknown or invalid runtime name: nosuch-rt/);
    await assertNothingLeft(run, before);
  });

  test(`${client}: state conflicts: rm of a running container, exec in a stopped one`, async () => {
    const name = uniqueName('conflict');
    try {
      assert.equal((await run(['create', '--name', name, 'busybox', 'sleep', '60'])).code, 0);
      const ex = await run(['exec', name, 'true']);
      assert.equal(ex.code, 1);
      assert.match(ex.stderr, /is not running/);
      const un = await run(['unpause', name]);
      assert.notEqual(un.code, 0);
      assert.match(un.stderr, /is not paused/);
    } finally {
      await run(['rm', '-f', name]);
    }
  });
}

test('API: errors are {"message"} with Content-Type application/json and Docker statuses', async () => {
  const expectError = async (method: string, path: string, body: unknown, status: number, message: RegExp): Promise<void> => {
    const r = await api(method, path, body);
    assert.equal(r.status, status, `${method} ${path}: ${r.body}`);
    assert.equal(r.headers['content-type'], 'application/json', `${method} ${path}`);
    const json = r.json() as { message?: unknown };
    assert.deepEqual(Object.keys(json), ['message']);
    assert.match(String(json.message), message);
  };
  await expectError('GET', '/v1.50/containers/nosuch-xyz/json', undefined, 404, /^No such container: nosuch-xyz$/);
  await expectError('POST', '/containers/nosuch-xyz/start', undefined, 404, /^No such container: nosuch-xyz$/);
  await expectError('DELETE', '/v1.24/containers/nosuch-xyz', undefined, 404, /^No such container: nosuch-xyz$/);
  await expectError('POST', '/v1.50/containers/create', { Image: 'Busybox' }, 400, /invalid reference format/);
  await expectError('POST', '/v1.50/containers/create', '{not json', 400, /./);
  await expectError('POST', '/v1.50/containers/create', { Image: 'nosuch-image-xyz' }, 404, /^No such image: nosuch-image-xyz:latest$/);
  await expectError('POST', '/v1.50/containers/create', { Image: 'busybox', HostConfig: { Runtime: 'nosuch-rt' } }, 400, /unknown or invalid runtime name: nosuch-rt/);
  const before = (await berth(['ps', '-aq', '--no-trunc'])).stdout;
  await expectError('POST', '/v1.50/containers/create', { Image: 'busybox', HostConfig: { ExtraHosts: ['db:10.0.0.2', 'web:nohost'] } }, 400, /^invalid IP address in add-host: "nohost"$/);
  await expectError('POST', '/v1.50/containers/create', { Image: 'busybox', HostConfig: { ExtraHosts: ['db'] } }, 400, /^bad format for add-host: "db"$/);
  await expectError('POST', '/v1.50/containers/create', { Image: 'busybox', HostConfig: { ShmSize: -1 } }, 400, /^SHM size can not be less than 0$/);
  await expectError('POST', '/v1.50/containers/create', { Image: 'busybox', HostConfig: { Sysctls: { 'vm.swappiness': '1' } } }, 400, /^sysctl "vm.swappiness" is not in a separate kernel namespace$/);
  await expectError('POST', '/v1.50/containers/create', { Image: 'busybox', HostConfig: { CpusetCpus: '1-x' } }, 400, /^Invalid value 1-x for cpuset cpus$/);
  await expectError('POST', '/v1.50/containers/create', { Image: 'busybox', HostConfig: { OomScoreAdj: 5000 } }, 400, /^Invalid value 5000, range for oom score adj is \[-1000, 1000\]$/);
  await expectError('POST', '/v1.50/containers/create', { Image: 'busybox', HostConfig: { MemorySwappiness: 200 } }, 400, /^Invalid value: 200, valid memory swappiness range is 0-100$/);
  await expectError('POST', '/v1.50/containers/create', { Image: 'busybox', HostConfig: { IpcMode: 'bogus' } }, 400, /^invalid IPC mode: bogus$/);
  await expectError('POST', '/v1.50/containers/create', { Image: 'busybox', HostConfig: { Mounts: [{ Type: 'bind', Target: '/x' }] } }, 400, /^invalid mount config for type "bind": field Source must not be empty$/);
  await expectError('POST', '/v1.50/volumes/create', { Name: 'a' }, 400, /volume name is too short, names should be at least two alphanumeric characters/);
  await expectError('POST', '/v1.50/images/busybox/tag?repo=sha256&tag=abc', undefined, 400, /^refusing to create an ambiguous tag using digest algorithm as name$/);
  await expectError('POST', '/v1.50/networks/create', { Name: uniqueName('swarmnet'), Scope: 'swarm' }, 400, /^cannot create a swarm scoped network when swarm is not active$/);
  const info = (await api('GET', '/v1.50/info')).json() as { Plugins: { Network: string[]; Log: string[] } };
  assert.deepEqual(info.Plugins.Network, ['bridge', 'host', 'null']);
  assert.equal((await berth(['ps', '-aq', '--no-trunc'])).stdout, before, 'a refused create leaves no container');

  const name = uniqueName('api-err');
  const created = await api('POST', `/v1.50/containers/create?name=${name}`, { Image: 'busybox', Cmd: ['sleep', '60'] });
  assert.equal(created.status, 201, created.body);
  const { Id: id } = created.json() as { Id: string };
  try {
    await expectError('POST', `/v1.50/containers/create?name=${name}`, { Image: 'busybox' }, 409, new RegExp(`is already in use by container "${id}"`));
    await expectError('POST', `/v1.50/containers/${name}/kill`, undefined, 409, /is not running/);
    await expectError('POST', `/v1.50/containers/${name}/exec`, { Cmd: ['true'] }, 409, /is not running/);
    assert.equal((await api('POST', `/v1.50/containers/${name}/start`)).status, 204);
    await expectError('DELETE', `/v1.50/containers/${name}`, undefined, 409, /container is running: stop the container before removing or force remove/);
    // Starting a started container is not an error: 304, no body.
    assert.equal((await api('POST', `/v1.50/containers/${name}/start`)).status, 304);
  } finally {
    await berth(['rm', '-f', id]);
  }
});

test("create --platform: an image of another platform is dockerd's 404 (so the CLIs pull), of this one is created; a bad platform is a 400", async () => {
  const mismatch = await api('POST', '/v1.50/containers/create?platform=linux/arm64', { Image: 'busybox' });
  assert.equal(mismatch.status, 404);
  assert.deepEqual(mismatch.json(), { message: 'image with reference busybox was found but does not match the specified platform: wanted linux/arm64, actual: linux/amd64' });
  const bad = await api('POST', '/v1.50/containers/create?platform=linux/nosuch', { Image: 'busybox' });
  assert.equal(bad.status, 400);
  assert.match((bad.json() as { message: string }).message, /unknown operating system or architecture/);
  for (const platform of ['linux/amd64', 'linux/x86_64', 'linux']) {
    const made = await api('POST', `/v1.50/containers/create?platform=${encodeURIComponent(platform)}`, { Image: 'busybox', Cmd: ['true'] });
    assert.equal(made.status, 201, `${platform}: ${made.body}`);
    await api('DELETE', `/containers/${(made.json() as { Id: string }).Id}`);
  }
  // Through the CLIs: not found here for that platform, so a pull is tried (the registry is out of reach here).
  for (const { name, run } of CLIENTS) {
    const r = await run(['run', '--rm', '--platform', 'linux/arm64', 'busybox', 'true']);
    assert.notEqual(r.code, 0, name);
    assert.match(r.stderr, /Unable to find image 'busybox:latest' locally/, name);
  }
});

/**
 * The cgroup flags of `run`/`create` through both CLIs: `--cgroupns`, `--cgroup-parent`, the block
 * I/O limits and the real-time CPU settings, seen from inside the container, in the host's cgroup
 * files and in `inspect`; and dockerd's refusals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, readlinkSync, rmdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENTS, api, makeBusybox, startPrivateDaemon, uniqueName, type RunResult } from './harness.js';

const V1 = '/sys/fs/cgroup';

function ok(r: RunResult, what: string): string {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}`);
  return r.stdout;
}

/** `controller:path` of each v1 line of /proc/PID/cgroup text (the cgroup2 line `0::` left out). */
function v1Paths(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.trim().split('\n')) {
    const [num, controllers = '', path = ''] = line.split(':');
    if (num !== '0') out.set(controllers, path);
  }
  return out;
}

/** The v1 hierarchies' directories (`/sys/fs/cgroup/cpu`…), symlinks to joined ones left out. */
function hierarchies(): string[] {
  return readdirSync(V1, { withFileTypes: true }).filter((e) => e.isDirectory() && e.name !== 'unified').map((e) => join(V1, e.name));
}

/** Removes the cgroup directory `rel` (and the parents up to `top`) a test's --cgroup-parent left in each hierarchy. */
function removeParents(rel: string, top: string): void {
  for (const h of hierarchies()) {
    for (let dir = rel; dir !== '' && dir !== '.'; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/')))) {
      if (existsSync(join(h, dir))) rmdirSync(join(h, dir));
      if (dir === top) break;
    }
  }
}

/** A block device node under /dev holding the root file system, or undefined (then the block I/O test is skipped). */
function rootDevice(): string | undefined {
  const dev = statSync('/').dev;
  for (const name of readdirSync('/dev')) {
    const path = join('/dev', name);
    try {
      const st = statSync(path);
      if (st.isBlockDevice() && st.rdev === dev) return path;
    } catch {
      // vanished
    }
  }
  return undefined;
}

for (const { name: client, run } of CLIENTS) {
  test(`${client}: --cgroupns host shares the host's cgroup namespace; private (the default) has its own`, async () => {
    const hostNs = readlinkSync('/proc/self/ns/cgroup');
    for (const [flags, mode] of [[['--cgroupns', 'host'], 'host'], [['--cgroupns', 'private'], 'private'], [[], 'private']] as const) {
      const name = uniqueName('cgns');
      try {
        const id = ok(await run(['run', '-d', '--name', name, ...flags, 'busybox', 'sleep', '100']), `run ${flags.join(' ')}`).trim();
        assert.equal(ok(await run(['inspect', '-f', '{{.HostConfig.CgroupnsMode}}', name]), 'inspect').trim(), mode);
        const inside = ok(await run(['exec', name, 'sh', '-c', 'readlink /proc/1/ns/cgroup; cat /proc/self/cgroup']), 'exec');
        const [ns = '', ...lines] = inside.trim().split('\n');
        const paths = v1Paths(lines.join('\n'));
        assert.ok(paths.size > 0, inside);
        if (mode === 'host') {
          assert.equal(ns, hostNs);
          // The host's view: the container's own cgroup by its full path.
          for (const [c, p] of paths) assert.ok(p.endsWith(`/berth/${id}`), `${c}:${p}`);
        } else {
          assert.notEqual(ns, hostNs);
          for (const [c, p] of paths) assert.equal(p, '/', `${c}:${p}`);
        }
      } finally {
        await run(['rm', '-f', name]);
      }
    }
  });

  test(`${client}: --cgroup-parent puts the container's cgroup under it, from the hierarchies' root, never above it`, async () => {
    const top = uniqueName('berth-e2e-parent');
    const name = uniqueName('cgparent');
    try {
      // `..` cannot leave the root: the parent is /<top>/sub, as runc cleans the path for dockerd.
      const id = ok(await run(['run', '-d', '--name', name, '--cgroup-parent', `../../${top}/sub`, 'busybox', 'sleep', '100']), 'run').trim();
      assert.equal(ok(await run(['inspect', '-f', '{{.HostConfig.CgroupParent}}', name]), 'inspect').trim(), `../../${top}/sub`);
      const pid = Number(ok(await run(['inspect', '-f', '{{.State.Pid}}', name]), 'inspect pid').trim());
      const paths = v1Paths(readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
      assert.ok(paths.size > 0);
      for (const [c, p] of paths) assert.equal(p, `/${top}/sub/${id}`, c);
      assert.ok(existsSync(join(V1, 'memory', top, 'sub', id)));
      ok(await run(['rm', '-f', name]), 'rm');
      // As with dockerd, the parent stays; the container's own cgroup goes with it.
      for (const h of hierarchies()) assert.ok(!existsSync(join(h, top, 'sub', id)), `${h} cgroup of ${id} left`);
    } finally {
      await run(['rm', '-f', name]);
      removeParents(`${top}/sub`, top);
    }
  });

  test(`${client}: --device-{read,write}-{bps,iops} land in the container's blkio cgroup; --blkio-weight as the host allows; dockerd's errors`, { skip: rootDevice() === undefined && 'no block device holds /' }, async () => {
    const dev = rootDevice() ?? '';
    const st = statSync(dev);
    const numbers = `${Math.floor(st.rdev / 256) & 0xfff}:${(st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00)}`;
    const weightSupported = ['blkio.weight', 'blkio.bfq.weight'].some((f) => existsSync(join(V1, 'blkio', f)));
    const name = uniqueName('blkio');
    try {
      const r = await run([
        'run', '-d', '--name', name, '--blkio-weight', '300', '--blkio-weight-device', `${dev}:200`,
        '--device-read-bps', `${dev}:1mb`, '--device-write-bps', `${dev}:2mb`, '--device-read-iops', `${dev}:100`, '--device-write-iops', `${dev}:200`,
        'busybox', 'sleep', '100',
      ]);
      ok(r, 'run');
      const pid = Number(ok(await run(['inspect', '-f', '{{.State.Pid}}', name]), 'inspect pid').trim());
      const dir = join(V1, 'blkio', v1Paths(readFileSync(`/proc/${pid}/cgroup`, 'utf8')).get('blkio') ?? '');
      const read = (file: string) => readFileSync(join(dir, file), 'utf8').trim();
      assert.equal(read('blkio.throttle.read_bps_device'), `${numbers} 1048576`);
      assert.equal(read('blkio.throttle.write_bps_device'), `${numbers} 2097152`);
      assert.equal(read('blkio.throttle.read_iops_device'), `${numbers} 100`);
      assert.equal(read('blkio.throttle.write_iops_device'), `${numbers} 200`);
      const hc = ok(await run(['inspect', '-f', '{{json .HostConfig.BlkioDeviceReadBps}} {{json .HostConfig.BlkioDeviceWriteIOps}} {{.HostConfig.BlkioWeight}} {{json .HostConfig.BlkioWeightDevice}}', name]), 'inspect');
      const [readBps, writeIOps, weight, weightDevice] = hc.trim().split(' ');
      assert.deepEqual(JSON.parse(readBps ?? ''), [{ Path: dev, Rate: 1048576 }]);
      assert.deepEqual(JSON.parse(writeIOps ?? ''), [{ Path: dev, Rate: 200 }]);
      if (weightSupported) {
        assert.equal(weight, '300');
      } else {
        // As dockerd: what the kernel cannot do is dropped, with its warning.
        assert.match(r.stderr, /WARNING: Your kernel does not support Block I\/O weight or the cgroup is not mounted\. Weight discarded\./);
        assert.equal(weight, '0');
      }
      if (!existsSync(join(V1, 'blkio', 'blkio.weight_device')) && !existsSync(join(V1, 'blkio', 'blkio.bfq.weight_device'))) {
        assert.match(r.stderr, /WARNING: Your kernel does not support Block I\/O weight_device or the cgroup is not mounted\. Weight-device discarded\./);
        assert.equal(weightDevice, '[]');
      }
    } finally {
      await run(['rm', '-f', name]);
    }

    // A missing device fails the start with dockerd's error; a bad rate is the client's usage error.
    const missing = uniqueName('blkio-missing');
    try {
      const r = await run(['run', '--name', missing, '--device-read-bps', '/dev/berth-no-such-disk:1mb', 'busybox', 'true']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Error response from daemon: stat \/dev\/berth-no-such-disk: no such file or directory/);
    } finally {
      await run(['rm', '-f', missing]);
    }
    // A path that is no block device: the kernel refuses the limit, and the failed start leaves no cgroup behind.
    const notBlock = uniqueName('blkio-chr');
    try {
      const r = await run(['run', '--name', notBlock, '--device-read-bps', '/dev/null:1mb', 'busybox', 'true']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /read_bps_device.*(No such device|no such device)/);
      const id = ok(await run(['inspect', '-f', '{{.Id}}', notBlock]), 'inspect').trim();
      for (const h of hierarchies()) assert.ok(!existsSync(join(h, 'berth', id)), `${h} cgroup of ${id} left`);
    } finally {
      await run(['rm', '-f', notBlock]);
    }
    const bad = await run(['run', '--rm', '--device-read-bps', `${dev}:1xb`, 'busybox', 'true']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, new RegExp(`invalid argument "${dev}:1xb" for "--device-read-bps" flag: invalid rate for device: ${dev}:1xb\\. The correct format is`));
  });

  test(`${client}: --cpu-rt-period and --cpu-rt-runtime set the container's real-time CPU time (update too), or are refused as dockerd refuses them`, async () => {
    const supported = existsSync(join(V1, 'cpu', 'cpu.rt_period_us'));
    const refused = await run(['run', '--rm', '--cpu-rt-period', '100000', '--cpu-rt-runtime', '200000', 'busybox', 'true']);
    assert.equal(refused.code, 125);
    assert.match(
      refused.stderr,
      supported ? /Error response from daemon: cpu real-time runtime cannot be higher than cpu real-time period/ : /Error response from daemon: Your kernel does not support CPU real-time scheduler/,
    );
    if (!supported) return;
    // The kernel gives a group no more real-time time than its parent has: a parent of our own with some.
    const top = uniqueName('berth-e2e-rt');
    mkdirSync(join(V1, 'cpu', top));
    const name = uniqueName('rt');
    try {
      writeFileSync(join(V1, 'cpu', top, 'cpu.rt_runtime_us'), '100000');
      ok(await run(['run', '-d', '--name', name, '--cgroup-parent', top, '--cpu-rt-period', '100000', '--cpu-rt-runtime', '5000', 'busybox', 'sleep', '100']), 'run');
      const pid = Number(ok(await run(['inspect', '-f', '{{.State.Pid}}', name]), 'inspect pid').trim());
      const dir = join(V1, 'cpu', v1Paths(readFileSync(`/proc/${pid}/cgroup`, 'utf8')).get('cpu') ?? '');
      assert.equal(readFileSync(join(dir, 'cpu.rt_period_us'), 'utf8').trim(), '100000');
      assert.equal(readFileSync(join(dir, 'cpu.rt_runtime_us'), 'utf8').trim(), '5000');
      assert.equal(ok(await run(['inspect', '-f', '{{.HostConfig.CpuRealtimePeriod}} {{.HostConfig.CpuRealtimeRuntime}}', name]), 'inspect').trim(), '100000 5000');
      // `update` changes them on the running container and records them, as dockerd's.
      ok(await run(['update', '--cpu-rt-period', '200000', '--cpu-rt-runtime', '8000', name]), 'update');
      assert.equal(readFileSync(join(dir, 'cpu.rt_period_us'), 'utf8').trim(), '200000');
      assert.equal(readFileSync(join(dir, 'cpu.rt_runtime_us'), 'utf8').trim(), '8000');
      assert.equal(ok(await run(['inspect', '-f', '{{.HostConfig.CpuRealtimePeriod}} {{.HostConfig.CpuRealtimeRuntime}}', name]), 'inspect').trim(), '200000 8000');
    } finally {
      await run(['rm', '-f', name]);
      removeParents(top, top);
    }
  });
}

test("a daemon's --cpu-rt-runtime is given to the containers' parent cgroups, so --cpu-rt-runtime works without one of the user's", { skip: !existsSync(join(V1, 'cpu', 'cpu.rt_period_us')) && 'no real-time group scheduling' }, async () => {
  const d = await startPrivateDaemon(uniqueName('rt'), undefined, ['--cpu-rt-runtime', '20000']);
  // A parent of the test's own: the daemon's default one, /berth, is shared with other daemons.
  const top = uniqueName('berth-e2e-rtd');
  try {
    await makeBusybox(d.host);
    for (const { name: client, run } of CLIENTS) {
      const name = uniqueName('rtd');
      try {
        const r = await run(['run', '-d', '--name', name, '--cgroup-parent', `${top}/sub`, '--cpu-rt-runtime', '1000', 'busybox', 'sleep', '100'], { host: d.host });
        ok(r, `${client}: run`);
        for (const dir of [top, `${top}/sub`]) assert.equal(readFileSync(join(V1, 'cpu', dir, 'cpu.rt_runtime_us'), 'utf8').trim(), '20000', `${client}: ${dir}`);
        const pid = Number(ok(await run(['inspect', '-f', '{{.State.Pid}}', name], { host: d.host }), 'inspect pid').trim());
        const dir = join(V1, 'cpu', v1Paths(readFileSync(`/proc/${pid}/cgroup`, 'utf8')).get('cpu') ?? '');
        assert.equal(readFileSync(join(dir, 'cpu.rt_runtime_us'), 'utf8').trim(), '1000', client);
      } finally {
        await run(['rm', '-f', name], { host: d.host });
      }
    }
  } finally {
    await d.destroy();
    removeParents(`${top}/sub`, top);
  }
});

test('API: a cgroup namespace mode or real-time settings dockerd refuses are a 400 with its message, and nothing is created', async () => {
  const before = (await api('GET', '/containers/json?all=1')).json() as unknown[];
  const cases: [Record<string, unknown>, string][] = [
    [{ CgroupnsMode: 'shared' }, 'invalid cgroup namespace mode: shared'],
    [{ CpuRealtimePeriod: 1000, CpuRealtimeRuntime: 5000 }, 'cpu real-time runtime cannot be higher than cpu real-time period'],
  ];
  for (const [hostConfig, message] of cases) {
    const r = await api('POST', '/containers/create', { Image: 'busybox', Cmd: ['true'], HostConfig: hostConfig });
    assert.equal(r.status, 400, r.body);
    assert.equal((r.json() as { message: string }).message, message);
  }
  assert.equal(((await api('GET', '/containers/json?all=1')).json() as unknown[]).length, before.length);
});

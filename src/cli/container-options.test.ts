import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCreateRequest, effectiveCaps, containerFlags, runOnlyFlags } from './container-options.js';
import { parseFlags } from './flags.js';

function plan(argv: string[], files: Record<string, string> = {}, env: Record<string, string> = {}) {
  const flags = parseFlags(argv, [...containerFlags, ...runOnlyFlags], { interspersed: false });
  const [image = '', ...command] = flags.args;
  return buildCreateRequest(flags, {
    image,
    command,
    env,
    consoleSize: [24, 80],
    readFile: (p) => {
      const f = files[p];
      if (f === undefined) throw new Error(`open ${p}: no such file or directory`);
      return f;
    },
  });
}

test('defaults attach stdout/stderr and pass the command through', () => {
  const p = plan(['busybox', 'ls', '-l']);
  assert.equal(p.body.Image, 'busybox');
  assert.deepEqual(p.body.Cmd, ['ls', '-l']);
  assert.deepEqual([p.body.AttachStdin, p.body.AttachStdout, p.body.AttachStderr, p.body.OpenStdin, p.body.StdinOnce], [false, true, true, false, false]);
  assert.equal(p.body.HostConfig?.NetworkMode, 'default');
  assert.deepEqual(p.body.HostConfig?.RestartPolicy, { Name: 'no' });
  assert.equal(p.body.HostConfig?.ConsoleSize, undefined);
});

test('-it attaches stdin, sets StdinOnce and the console size', () => {
  const p = plan(['-it', '--rm', 'busybox', 'sh']);
  assert.deepEqual([p.body.AttachStdin, p.body.OpenStdin, p.body.StdinOnce, p.body.Tty], [true, true, true, true]);
  assert.deepEqual(p.body.HostConfig?.ConsoleSize, [24, 80]);
  assert.equal(p.body.HostConfig?.AutoRemove, true);
});

test('-d detaches every stream', () => {
  const p = plan(['-d', '-i', 'busybox']);
  assert.deepEqual([p.body.AttachStdin, p.body.AttachStdout, p.body.AttachStderr], [false, false, false]);
  assert.throws(() => plan(['-d', '-a', 'stdout', 'busybox']), /conflicting options/);
});

test('translates env, labels, ports and limits', () => {
  const p = plan(
    [
      '--env-file', '/e', '-e', 'A=1', '-e', 'FROM_HOST', '-e', 'MISSING',
      '--label-file', '/l', '-l', 'x=y', '-l', 'flag',
      '-p', '8080:80', '-p', '127.0.0.1::53/udp', '--expose', '9000',
      '--ulimit', 'nofile=1024:2048', '-m', '64m', '--memory-swap', '-1', '--cpus', '1.5', '--cpu-shares', '512',
      '--pids-limit', '100', '--restart', 'on-failure:2', '--name', 'web', '--init', '--privileged',
      '--cap-add', 'NET_ADMIN', '--cap-drop', 'ALL', '--read-only', '--security-opt', 'no-new-privileges',
      '--security-opt', 'seccomp=unconfined', '--runtime', 'crun', '--add-host', 'db:10.0.0.2', '--dns', '1.1.1.1',
      '-v', '/data', '-v', '/host:/ctr:ro', '--mount', 'type=tmpfs,dst=/t', '--tmpfs', '/run:size=64m',
      '-w', '/app', '-u', '1000:1000', '--entrypoint', '/bin/sh', '-h', 'box', '--stop-signal', 'SIGINT', '--stop-timeout', '5',
      '--network', 'mynet', '--network-alias', 'api',
      'img', 'run',
    ],
    { '/e': 'E=1\n', '/l': 'from=file\n' },
    { FROM_HOST: 'yes' },
  );
  const b = p.body;
  const h = b.HostConfig ?? {};
  assert.equal(p.name, 'web');
  assert.deepEqual(b.Env, ['E=1', 'A=1', 'FROM_HOST=yes']);
  assert.deepEqual(b.Labels, { from: 'file', x: 'y', flag: '' });
  assert.deepEqual(b.ExposedPorts, { '80/tcp': {}, '53/udp': {}, '9000/tcp': {} });
  assert.deepEqual(h.PortBindings, { '80/tcp': [{ HostIp: '', HostPort: '8080' }], '53/udp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
  assert.deepEqual(h.Ulimits, [{ Name: 'nofile', Soft: 1024, Hard: 2048 }]);
  assert.equal(h.Memory, 64 * 1024 * 1024);
  assert.equal(h.MemorySwap, -1);
  assert.equal(h.NanoCpus, 1_500_000_000);
  assert.equal(h.CpuShares, 512);
  assert.equal(h.PidsLimit, 100);
  assert.deepEqual(h.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 2 });
  assert.equal(h.Init, true);
  assert.equal(h.Privileged, true);
  assert.deepEqual(h.CapAdd, ['CAP_NET_ADMIN']);
  assert.deepEqual(h.CapDrop, ['ALL']);
  assert.equal(h.ReadonlyRootfs, true);
  assert.deepEqual(h.SecurityOpt, ['no-new-privileges', 'seccomp=unconfined']);
  assert.equal(h.Runtime, 'crun');
  assert.deepEqual(h.ExtraHosts, ['db:10.0.0.2']);
  assert.deepEqual(h.Dns, ['1.1.1.1']);
  assert.deepEqual(b.Volumes, { '/data': {} });
  assert.deepEqual(h.Binds, ['/host:/ctr:ro']);
  assert.deepEqual(h.Mounts, [{ Type: 'tmpfs', Target: '/t' }]);
  assert.deepEqual(h.Tmpfs, { '/run': 'size=64m' });
  assert.deepEqual([b.WorkingDir, b.User, b.Entrypoint, b.Hostname], ['/app', '1000:1000', ['/bin/sh'], 'box']);
  assert.deepEqual([b.StopSignal, b.StopTimeout], ['SIGINT', 5]);
  assert.equal(h.NetworkMode, 'mynet');
  assert.deepEqual(b.NetworkingConfig, { EndpointsConfig: { mynet: { Aliases: ['api'] } } });
  assert.deepEqual(b.Cmd, ['run']);
});

test('rejects --rm with a restart policy and empties the entrypoint on --entrypoint=""', () => {
  assert.throws(() => plan(['--rm', '--restart', 'always', 'img']), /cannot specify both --restart and --rm/);
  assert.deepEqual(plan(['--entrypoint=', 'img']).body.Entrypoint, ['']);
  assert.equal(plan(['--net', 'host', 'img']).body.HostConfig?.NetworkMode, 'host');
});

test('capabilities are normalized as docker/cli does', () => {
  assert.deepEqual(effectiveCaps(['net_admin', 'CAP_SYS_TIME', 'NET_ADMIN'], ['chown', 'sys_time']), {
    add: ['CAP_NET_ADMIN', 'CAP_SYS_TIME'],
    drop: ['CAP_CHOWN'],
  });
  assert.deepEqual(effectiveCaps(['NET_ADMIN'], ['all', 'CHOWN']), { add: ['CAP_NET_ADMIN'], drop: ['ALL'] });
});

test('--annotation, --storage-opt, --volume-driver, --gpus and --link go into HostConfig as docker/cli sends them', () => {
  const hc = plan(['--annotation', 'a.b=c=d', '--annotation', 'bare', '--storage-opt', 'size=1G', '--volume-driver', 'x', '--gpus', 'all', '--link', 'db:d', 'busybox']).body.HostConfig;
  assert.deepEqual(hc?.Annotations, { 'a.b': 'c=d', bare: '' });
  assert.deepEqual(hc?.StorageOpt, { size: '1G' });
  assert.equal(hc?.VolumeDriver, 'x');
  assert.deepEqual(hc?.DeviceRequests, [{ Driver: '', Count: -1, DeviceIDs: null, Capabilities: [['gpu']], Options: {} }]);
  assert.deepEqual(hc?.Links, ['db:d']);
  const none = plan(['busybox']).body.HostConfig;
  assert.deepEqual([none?.Annotations, none?.StorageOpt, none?.VolumeDriver, none?.DeviceRequests, none?.Links], [undefined, undefined, undefined, null, null]);
  assert.throws(() => plan(['--storage-opt', 'size', 'busybox']), /^Error: invalid storage option$/);
  assert.throws(() => plan(['--link', 'a:b:c', 'busybox']), /bad format for links: a:b:c/);
});

test('--userns: host or nothing, as docker/cli checks it', () => {
  assert.equal(plan(['--userns', 'host', 'busybox']).body.HostConfig?.UsernsMode, 'host');
  assert.throws(() => plan(['--userns', 'private', 'busybox']), /^Error: --userns: invalid USER mode$/);
});

test('cgroup and block I/O flags become their HostConfig fields, as docker/cli sends them', () => {
  const hc = plan([
    '--cgroupns', 'host', '--cgroup-parent', 'mine', '--cpu-rt-period', '100000', '--cpu-rt-runtime', '5000', '--blkio-weight', '300',
    '--blkio-weight-device', '/dev/vda:200', '--device-read-bps', '/dev/vda:1mb', '--device-write-bps', '/dev/vda:2kb',
    '--device-read-iops', '/dev/vda:10', '--device-write-iops', '/dev/vda:20', 'busybox',
  ]).body.HostConfig;
  assert.deepEqual(
    [hc?.CgroupnsMode, hc?.CgroupParent, hc?.CpuRealtimePeriod, hc?.CpuRealtimeRuntime, hc?.BlkioWeight],
    ['host', 'mine', 100000, 5000, 300],
  );
  assert.deepEqual(hc?.BlkioWeightDevice, [{ Path: '/dev/vda', Weight: 200 }]);
  assert.deepEqual([hc?.BlkioDeviceReadBps, hc?.BlkioDeviceWriteBps], [[{ Path: '/dev/vda', Rate: 1048576 }], [{ Path: '/dev/vda', Rate: 2048 }]]);
  assert.deepEqual([hc?.BlkioDeviceReadIOps, hc?.BlkioDeviceWriteIOps], [[{ Path: '/dev/vda', Rate: 10 }], [{ Path: '/dev/vda', Rate: 20 }]]);
  const none = plan(['busybox']).body.HostConfig;
  assert.deepEqual([none?.BlkioWeight, none?.BlkioWeightDevice, none?.BlkioDeviceReadBps, none?.CpuRealtimePeriod], [0, [], [], 0]);
  assert.throws(() => plan(['--cgroupns', 'bogus', 'busybox']), { message: '--cgroupns: invalid CGROUP mode' });
});

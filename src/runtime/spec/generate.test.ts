import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../../lib/errors.js';
import { CAPABILITY_NAMES } from './capabilities.js';
import {
  DEFAULT_CAPABILITIES,
  DEFAULT_MASKED_PATHS,
  DEFAULT_READONLY_PATHS,
  defaultDeviceRules,
} from './defaults.js';
import { type SpecInput, cpusToQuota, generateSpec, generateSpecReport, memoryResources } from './generate.js';
import { specToJson } from './json.js';
import { RLIM_INFINITY } from './rlimits.js';
import type { LinuxSeccomp, RuntimeSpec } from './types.js';

const HELD = CAPABILITY_NAMES.filter((c) => c !== 'CAP_SYS_RESOURCE');
const SECCOMP: LinuxSeccomp = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] };

function input(over: Partial<SpecInput> = {}): SpecInput {
  return {
    rootfsPath: '/var/lib/berth/rootfs/abc',
    args: ['/bin/sh', '-c', 'echo hi'],
    env: ['PATH=/bin'],
    cwd: '/',
    user: { uid: 0, gid: 0, additionalGids: [] },
    terminal: false,
    hostname: 'abc123',
    cgroupsPath: '/berth/abc',
    capabilityHolder: HELD,
    seccompProfile: SECCOMP,
    ...over,
  };
}

const mountAt = (s: RuntimeSpec, dest: string) => s.mounts.filter((m) => m.destination === dest);

describe('generateSpec defaults', () => {
  const spec = generateSpec(input());

  it('process', () => {
    assert.equal(spec.ociVersion, '1.0.2-dev');
    assert.deepEqual(spec.process.args, ['/bin/sh', '-c', 'echo hi']);
    assert.deepEqual(spec.process.env, ['PATH=/bin']);
    assert.deepEqual(spec.process.user, { uid: 0, gid: 0 });
    assert.equal(spec.process.noNewPrivileges, false);
    assert.equal(spec.process.rlimits, undefined);
    assert.deepEqual(spec.root, { path: '/var/lib/berth/rootfs/abc', readonly: false });
    assert.equal(spec.hostname, 'abc123');
  });

  it("docker's capabilities for root", () => {
    assert.deepEqual(spec.process.capabilities, {
      bounding: DEFAULT_CAPABILITIES,
      effective: DEFAULT_CAPABILITIES,
      permitted: DEFAULT_CAPABILITIES,
    });
  });

  it('masked and read-only paths', () => {
    assert.deepEqual(spec.linux.maskedPaths, DEFAULT_MASKED_PATHS);
    assert.deepEqual(spec.linux.readonlyPaths, DEFAULT_READONLY_PATHS);
    assert.ok(spec.linux.maskedPaths?.includes('/proc/kcore'));
  });

  it('mounts in order, /sys read-only', () => {
    assert.deepEqual(
      spec.mounts.map((m) => `${m.destination} ${m.type}`),
      [
        '/proc proc',
        '/dev tmpfs',
        '/dev/pts devpts',
        '/sys sysfs',
        '/sys/fs/cgroup cgroup',
        '/dev/mqueue mqueue',
        '/dev/shm tmpfs',
      ],
    );
    assert.ok(mountAt(spec, '/sys')[0]?.options?.includes('ro'));
    assert.ok(mountAt(spec, '/sys/fs/cgroup')[0]?.options?.includes('ro'));
    assert.deepEqual(mountAt(spec, '/dev/pts')[0]?.options, [
      'nosuid',
      'noexec',
      'newinstance',
      'ptmxmode=0666',
      'mode=0620',
      'gid=5',
    ]);
  });

  it("/dev/shm: dockerd's 64 MiB, or --shm-size's bytes", () => {
    assert.deepEqual(mountAt(spec, '/dev/shm')[0]?.options, ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=67108864']);
    const sized = generateSpec(input({ shmSizeBytes: 16 * 1024 * 1024 }));
    assert.deepEqual(mountAt(sized, '/dev/shm')[0]?.options, ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=16777216']);
  });

  it('device allow-list after deny-all', () => {
    const rules = spec.linux.resources?.devices ?? [];
    assert.deepEqual(rules[0], { allow: false, access: 'rwm' });
    assert.deepEqual(rules, defaultDeviceRules());
    const has = (type: string, major?: number, minor?: number) =>
      rules.some((r) => r.allow && r.type === type && r.major === major && r.minor === minor);
    for (const [maj, min] of [[1, 3], [1, 5], [1, 7], [1, 8], [1, 9], [5, 0], [5, 1], [5, 2], [10, 200]] as const) {
      assert.ok(has('c', maj, min), `c ${maj}:${min}`);
    }
    assert.ok(has('c', 136, undefined), 'c 136:*');
    assert.ok(rules.some((r) => r.allow && r.type === 'b' && r.major === undefined && r.access === 'm'));
  });

  it('namespaces, cgroup path and seccomp', () => {
    assert.deepEqual(
      spec.linux.namespaces.map((n) => n.type),
      ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup'],
    );
    assert.ok(spec.linux.namespaces.every((n) => n.path === undefined));
    assert.equal(spec.linux.cgroupsPath, '/berth/abc');
    assert.deepEqual(spec.linux.seccomp, SECCOMP);
    assert.equal(spec.linux.resources?.memory, undefined);
    assert.equal(spec.linux.resources?.cpu, undefined);
    assert.equal(spec.linux.resources?.pids, undefined);
  });
});

describe('generateSpec host namespaces and resources', () => {
  it("--pid, --ipc and --uts host leave those namespaces out; the host's IPC brings its /dev/shm", () => {
    const spec = generateSpec(input({ namespaces: { pid: 'host', ipc: 'host', uts: 'host' } }));
    assert.deepEqual(spec.linux.namespaces.map((n) => n.type), ['network', 'mount', 'cgroup']);
    assert.deepEqual(mountAt(spec, '/dev/shm'), [{ destination: '/dev/shm', type: 'bind', source: '/dev/shm', options: ['rbind', 'nosuid', 'noexec', 'nodev'] }]);
  });

  it('--cgroupns host leaves the cgroup namespace out', () => {
    assert.deepEqual(generateSpec(input({ namespaces: { cgroup: 'host' } })).linux.namespaces.map((n) => n.type), ['pid', 'network', 'ipc', 'uts', 'mount']);
    assert.ok(generateSpec(input({ namespaces: { cgroup: 'private' } })).linux.namespaces.some((n) => n.type === 'cgroup'));
  });

  it('real-time CPU period and runtime; block I/O weight and device limits as given', () => {
    const blockIO = { weight: 300, throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }], throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 10 }] };
    const spec = generateSpec(input({ cpuRealtimePeriod: 100000, cpuRealtimeRuntime: 5000, blockIO }));
    assert.deepEqual(spec.linux.resources?.cpu, { realtimePeriod: 100000, realtimeRuntime: 5000 });
    assert.deepEqual(spec.linux.resources?.blockIO, blockIO);
    assert.equal(generateSpec(input({ blockIO: {} })).linux.resources?.blockIO, undefined);
  });

  it('cpusets, OOM killer, swappiness, the domain name as a sysctl beside the user\'s', () => {
    const spec = generateSpec(input({ cpusetCpus: '1', cpusetMems: '0', oomKillDisable: true, memorySwappiness: 10, domainname: 'dom.test', sysctl: { 'net.core.somaxconn': '1024' } }));
    assert.deepEqual(spec.linux.resources?.cpu, { cpus: '1', mems: '0' });
    assert.deepEqual(spec.linux.resources?.memory, { disableOOMKiller: true, swappiness: 10 });
    assert.deepEqual(spec.linux.sysctl, { 'kernel.domainname': 'dom.test', 'net.core.somaxconn': '1024' });
    assert.equal(generateSpec(input({ memorySwappiness: -1 })).linux.resources?.memory, undefined);
  });
});

describe('generateSpec capabilities', () => {
  const cases: { name: string; over: Partial<SpecInput>; want: readonly string[] }[] = [
    { name: 'cap-add', over: { capAdd: ['net_admin'] }, want: [...DEFAULT_CAPABILITIES, 'CAP_NET_ADMIN'] },
    {
      name: 'cap-drop',
      over: { capDrop: ['CAP_NET_RAW', 'mknod'] },
      want: DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_NET_RAW' && c !== 'CAP_MKNOD'),
    },
    { name: 'drop ALL add one', over: { capDrop: ['ALL'], capAdd: ['chown'] }, want: ['CAP_CHOWN'] },
    { name: 'add ALL is what the daemon holds', over: { capAdd: ['all'] }, want: HELD },
    { name: 'privileged gets the held set', over: { privileged: true }, want: HELD },
    {
      name: 'privileged ignores cap-add/drop',
      over: { privileged: true, capDrop: ['ALL'], capAdd: ['whatever'] },
      want: HELD,
    },
    {
      name: 'privileged without held facts gets every known capability',
      over: { privileged: true, capabilityHolder: undefined },
      want: CAPABILITY_NAMES,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const caps = generateSpec(input(c.over)).process.capabilities;
      assert.deepEqual(caps?.bounding, c.want);
      assert.deepEqual(caps?.effective, c.want);
      assert.deepEqual(caps?.permitted, c.want);
    });
  }

  it('a non-root user keeps only the bounding set', () => {
    const spec = generateSpec(input({ user: { uid: 1000, gid: 1000, additionalGids: [10, 20] } }));
    assert.deepEqual(spec.process.capabilities, { bounding: DEFAULT_CAPABILITIES });
    assert.deepEqual(spec.process.user, { uid: 1000, gid: 1000, additionalGids: [10, 20] });
  });

  it('unknown capability', () => {
    assert.throws(
      () => generateSpec(input({ capAdd: ['CAP_FOO'] })),
      (e: unknown) => isBerthError(e, 'InvalidArgument') && e.message === 'unknown capability: "CAP_FOO"',
    );
  });
});

describe('generateSpec devices', () => {
  it('--device nodes are created and allowed as asked, after the deny-all defaults', () => {
    const spec = generateSpec(
      input({
        devices: [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 }],
        deviceRules: [{ allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }],
      }),
    );
    assert.deepEqual(spec.linux.devices?.map((d) => d.path), ['/dev/fuse']);
    assert.deepEqual(spec.linux.resources?.devices, [...defaultDeviceRules(), { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }]);
  });
});

describe('generateSpec privileged', () => {
  const spec = generateSpec(
    input({
      privileged: true,
      devices: [{ path: '/dev/sda', type: 'b', major: 8, minor: 0, fileMode: 0o660, uid: 0, gid: 6 }],
    }),
  );
  it('no masked or read-only paths', () => {
    assert.equal(spec.linux.maskedPaths, undefined);
    assert.equal(spec.linux.readonlyPaths, undefined);
  });
  it('all devices, host devices created', () => {
    assert.deepEqual(spec.linux.resources?.devices, [{ allow: true, access: 'rwm' }]);
    assert.deepEqual(spec.linux.devices?.map((d) => d.path), ['/dev/sda']);
  });
  it('/sys and cgroupfs writable', () => {
    for (const dest of ['/sys', '/sys/fs/cgroup']) {
      const opts = mountAt(spec, dest)[0]?.options ?? [];
      assert.ok(opts.includes('rw') && !opts.includes('ro'), dest);
    }
  });
  it('no seccomp', () => assert.equal(spec.linux.seccomp, undefined));
});

describe('generateSpec paths and seccomp', () => {
  it('overridden masked/read-only paths', () => {
    const spec = generateSpec(input({ maskedPaths: ['/proc/kcore'], readonlyPaths: [] }));
    assert.deepEqual(spec.linux.maskedPaths, ['/proc/kcore']);
    assert.equal(spec.linux.readonlyPaths, undefined);
  });

  it('unconfined', () => assert.equal(generateSpec(input({ seccompProfile: 'unconfined' })).linux.seccomp, undefined));

  it('a profile is converted for the effective capabilities', () => {
    const profile = {
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [
        { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
        { names: ['chroot'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_CHROOT'] } },
      ],
    };
    const names = (over: Partial<SpecInput>) =>
      generateSpec(input({ seccompProfile: { profile, arch: 'x86_64' }, ...over })).linux.seccomp?.syscalls?.flatMap(
        (r) => r.names,
      );
    assert.deepEqual(names({}), ['chroot']);
    assert.deepEqual(names({ capAdd: ['sys_admin'], capDrop: ['sys_chroot'] }), ['mount']);
  });
});

describe('generateSpec network namespace', () => {
  const cases: { name: string; network: SpecInput['namespaces']; want: { type: string; path?: string }[] }[] = [
    { name: 'default is new', network: undefined, want: [{ type: 'network' }] },
    { name: 'explicit new', network: { network: {} }, want: [{ type: 'network' }] },
    { name: 'host has none', network: { network: 'host' }, want: [] },
    {
      name: 'path joins',
      network: { network: { path: '/run/berth/netns/abc' } },
      want: [{ type: 'network', path: '/run/berth/netns/abc' }],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const ns = generateSpec(input({ namespaces: c.network })).linux.namespaces;
      assert.deepEqual(
        ns.filter((n) => n.type === 'network'),
        c.want,
      );
      assert.deepEqual(
        ns.filter((n) => n.type !== 'network').map((n) => n.type),
        ['pid', 'ipc', 'uts', 'mount', 'cgroup'],
      );
    });
  }
});

describe('generateSpec mounts and init', () => {
  it('user mounts follow defaults, replace one at the same destination, parents first', () => {
    const spec = generateSpec(
      input({
        mounts: [
          { destination: '/data/sub', type: 'bind', source: '/srv/sub', options: ['rbind', 'rw'] },
          { destination: '/etc/hosts', type: 'bind', source: '/run/b/hosts', options: ['rbind', 'ro'] },
          { destination: '/dev/shm/', type: 'tmpfs', source: 'shm', options: ['size=1g'] },
          { destination: '/data', type: 'bind', source: '/srv/data', options: ['rbind', 'rw'] },
        ],
      }),
    );
    assert.deepEqual(
      spec.mounts.map((m) => m.destination),
      ['/proc', '/dev', '/dev/pts', '/sys', '/sys/fs/cgroup', '/dev/mqueue', '/data', '/data/sub', '/etc/hosts', '/dev/shm/'],
    );
    assert.deepEqual(spec.mounts.filter((m) => m.destination.startsWith('/dev/shm'))[0]?.options, ['size=1g']);
  });

  it('a user mount over a parent takes the defaults below it', () => {
    const spec = generateSpec(input({ mounts: [{ destination: '/dev', type: 'bind', source: '/dev', options: ['rbind'] }] }));
    assert.deepEqual(
      spec.mounts.map((m) => `${m.destination} ${m.type}`),
      ['/proc proc', '/sys sysfs', '/sys/fs/cgroup cgroup', '/dev bind'],
    );
  });

  it('relative mount destination is refused', () => {
    assert.throws(
      () => generateSpec(input({ mounts: [{ destination: 'data', type: 'bind', source: '/x' }] })),
      (e: unknown) => isBerthError(e, 'InvalidArgument'),
    );
  });

  it('--init wraps the command and binds the binary read-only', () => {
    const spec = generateSpec(input({ init: { path: '/usr/bin/tini-static' } }));
    assert.deepEqual(spec.process.args, ['/sbin/docker-init', '--', '/bin/sh', '-c', 'echo hi']);
    assert.deepEqual(mountAt(spec, '/sbin/docker-init'), [
      { destination: '/sbin/docker-init', type: 'bind', source: '/usr/bin/tini-static', options: ['bind', 'ro'] },
    ]);
  });

  it('passes hooks, annotations, sysctls, readonly rootfs and no-new-privileges through', () => {
    const spec = generateSpec(
      input({
        readonlyRootfs: true,
        noNewPrivileges: true,
        hooks: { poststop: [{ path: '/bin/true' }] },
        annotations: { 'org.berth.id': 'abc' },
        sysctl: { 'net.ipv4.ip_forward': '1' },
        oomScoreAdj: 500,
        terminal: true,
      }),
    );
    assert.equal(spec.root.readonly, true);
    assert.equal(spec.process.noNewPrivileges, true);
    assert.equal(spec.process.terminal, true);
    assert.equal(spec.process.oomScoreAdj, 500);
    assert.deepEqual(spec.hooks, { poststop: [{ path: '/bin/true' }] });
    assert.deepEqual(spec.annotations, { 'org.berth.id': 'abc' });
    assert.deepEqual(spec.linux.sysctl, { 'net.ipv4.ip_forward': '1' });
  });
});

describe('generateSpec resources', () => {
  it('memory, cpus and pids', () => {
    const spec = generateSpec(
      input({ memoryBytes: 64 * 2 ** 20, ...cpusToQuota(1.5), cpuShares: 512, pidsLimit: 100 }),
    );
    assert.deepEqual(spec.linux.resources?.memory, { limit: 64 * 2 ** 20, swap: 128 * 2 ** 20 });
    assert.deepEqual(spec.linux.resources?.cpu, { shares: 512, period: 100000, quota: 150000 });
    assert.deepEqual(spec.linux.resources?.pids, { limit: 100 });
  });

  it('memory reservation, alone or with a limit', () => {
    assert.deepEqual(generateSpec(input({ memoryReservationBytes: 32 * 2 ** 20 })).linux.resources?.memory, { reservation: 32 * 2 ** 20 });
    assert.deepEqual(generateSpec(input({ memoryBytes: 64 * 2 ** 20, memoryReservationBytes: 32 * 2 ** 20 })).linux.resources?.memory, {
      limit: 64 * 2 ** 20,
      swap: 128 * 2 ** 20,
      reservation: 32 * 2 ** 20,
    });
  });

  it('pids limit 0 or -1 is unlimited', () => {
    for (const pidsLimit of [0, -1]) assert.equal(generateSpec(input({ pidsLimit })).linux.resources?.pids, undefined);
  });

  const memory: { name: string; mem?: number; swap?: number; want: ReturnType<typeof memoryResources> }[] = [
    { name: 'none', want: undefined },
    { name: 'swap defaults to twice memory', mem: 10 * 2 ** 20, want: { limit: 10 * 2 ** 20, swap: 20 * 2 ** 20 } },
    { name: 'explicit swap', mem: 10 * 2 ** 20, swap: 15 * 2 ** 20, want: { limit: 10 * 2 ** 20, swap: 15 * 2 ** 20 } },
    { name: 'unlimited swap', mem: 10 * 2 ** 20, swap: -1, want: { limit: 10 * 2 ** 20, swap: -1 } },
  ];
  for (const c of memory) {
    it(`memory: ${c.name}`, () => assert.deepEqual(memoryResources(c.mem, c.swap), c.want));
  }

  const badMemory: { mem?: number; swap?: number; message: string }[] = [
    { mem: 4 * 2 ** 20, message: 'Minimum memory limit allowed is 6MB' },
    { mem: 10 * 2 ** 20, swap: 8 * 2 ** 20, message: 'Minimum memoryswap limit should be larger than memory limit, see usage' },
    { swap: 8 * 2 ** 20, message: 'You should always set the Memory limit when using Memoryswap limit, see usage' },
  ];
  for (const c of badMemory) {
    it(`memory rejected: ${c.message}`, () => {
      assert.throws(
        () => generateSpec(input({ memoryBytes: c.mem, memorySwapBytes: c.swap })),
        (e: unknown) => isBerthError(e, 'InvalidArgument') && e.message === c.message,
      );
    });
  }

  const cpus: { cpus: number; quota: number }[] = [
    { cpus: 1, quota: 100000 },
    { cpus: 0.5, quota: 50000 },
    { cpus: 0.1, quota: 10000 },
    { cpus: 2.25, quota: 225000 },
    { cpus: 0.01, quota: 1000 },
  ];
  for (const c of cpus) {
    it(`--cpus ${c.cpus}`, () => assert.deepEqual(cpusToQuota(c.cpus), { cpuPeriod: 100000, cpuQuota: c.quota }));
  }

  it('bad cpu values', () => {
    assert.throws(() => cpusToQuota(0), (e: unknown) => isBerthError(e, 'InvalidArgument'));
    assert.throws(() => generateSpec(input({ cpuQuota: 500 })), /can not be less than 1ms/);
    assert.throws(() => generateSpec(input({ cpuPeriod: 2_000_000 })), /larger than 1s/);
  });
});

describe('generateSpec rlimits', () => {
  it('clamps to the daemon hard limit and reports it', () => {
    const { spec, warnings } = generateSpecReport(
      input({
        ulimits: [
          { name: 'nofile', soft: 1048576, hard: 1048576 },
          { name: 'core', soft: -1, hard: -1 },
        ],
        hostRlimits: {
          RLIMIT_NOFILE: { soft: 1024n, hard: 20000n },
          RLIMIT_CORE: { soft: 0n, hard: RLIM_INFINITY },
        },
      }),
    );
    assert.deepEqual(spec.process.rlimits, [
      { type: 'RLIMIT_NOFILE', soft: 20000n, hard: 20000n },
      { type: 'RLIMIT_CORE', soft: RLIM_INFINITY, hard: RLIM_INFINITY },
    ]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /nofile.*20000/);
  });

  it('specToJson writes uint64 rlimits exactly', () => {
    const spec = generateSpec(input({ ulimits: [{ name: 'core', soft: 0, hard: -1 }] }));
    assert.throws(() => JSON.stringify(spec), TypeError);
    const text = specToJson(spec);
    assert.match(text, /"hard": 18446744073709551615/);
    assert.match(text, /"soft": 0\b/);
    const back = JSON.parse(text) as RuntimeSpec;
    assert.deepEqual(back.process.args, spec.process.args);
    assert.deepEqual(back.linux.maskedPaths, spec.linux.maskedPaths);
  });
});

describe('generateSpec input checks', () => {
  const cases: { name: string; over: Partial<SpecInput>; kind: 'InvalidArgument' | 'Internal'; message: RegExp }[] = [
    { name: 'empty command', over: { args: [] }, kind: 'InvalidArgument', message: /^No command specified$/ },
    {
      name: 'relative working dir',
      over: { cwd: 'app' },
      kind: 'InvalidArgument',
      message: /^the working directory 'app' is invalid, it needs to be an absolute path$/,
    },
    { name: 'relative rootfs', over: { rootfsPath: 'rootfs' }, kind: 'Internal', message: /not absolute/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.throws(
        () => generateSpec(input(c.over)),
        (e: unknown) => isBerthError(e, c.kind) && c.message.test(e.message),
      );
    });
  }
});

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isBerthError } from '../../lib/errors.js';
import { DEFAULT_CAPABILITIES } from './defaults.js';
import {
  DEFAULT_SECCOMP_PROFILE_PATH,
  type SeccompProfile,
  convertSeccompProfile,
  loadSeccompProfile,
  parseSeccompProfile,
} from './seccomp.js';
import type { LinuxSeccomp } from './types.js';

/** What a filter does to a call with no argument rule: the first unconditional rule, else the default. */
function verdict(s: LinuxSeccomp, name: string): string {
  const rules = (s.syscalls ?? []).filter((r) => r.names.includes(name));
  const plain = rules.find((r) => !r.args || r.args.length === 0);
  if (plain) return plain.action;
  return rules.length > 0 ? 'conditional' : s.defaultAction;
}

const PROFILE: SeccompProfile = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: 38,
  archMap: [
    { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
    { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
  ],
  syscalls: [
    { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW', args: [], includes: {}, excludes: {} },
    { name: 'getpid', action: 'SCMP_ACT_ALLOW' },
    { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64', 'x32'] } },
    { names: ['set_tls'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm', 'arm64'] } },
    { names: ['iopl'], action: 'SCMP_ACT_ALLOW', excludes: { arches: ['arm64'] } },
    { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
    { names: ['mount'], action: 'SCMP_ACT_ERRNO', excludes: { caps: ['CAP_SYS_ADMIN'] }, errnoRet: 1, errno: 'EPERM' },
    { names: ['both'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN', 'CAP_NET_ADMIN'] } },
    { names: ['newcall'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '5.8' } },
    { names: ['oldcall'], action: 'SCMP_ACT_ALLOW', excludes: { minKernel: '5.8' } },
    { names: ['nameonly'], action: 'SCMP_ACT_ERRNO', errno: 'EPERM' },
    {
      names: ['personality'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }],
    },
  ],
};

describe('convertSeccompProfile', () => {
  const cases: {
    name: string;
    arch: string;
    caps: readonly string[];
    kernel?: string;
    want: Record<string, string>;
  }[] = [
    {
      name: 'default caps on x86_64',
      arch: 'x86_64',
      caps: DEFAULT_CAPABILITIES,
      want: {
        read: 'SCMP_ACT_ALLOW',
        getpid: 'SCMP_ACT_ALLOW',
        arch_prctl: 'SCMP_ACT_ALLOW',
        set_tls: 'SCMP_ACT_ERRNO',
        iopl: 'SCMP_ACT_ALLOW',
        mount: 'SCMP_ACT_ERRNO',
        both: 'SCMP_ACT_ERRNO',
        personality: 'conditional',
      },
    },
    {
      name: 'SYS_ADMIN alone opens mount but not a rule needing two caps',
      arch: 'x64',
      caps: [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN'],
      want: { mount: 'SCMP_ACT_ALLOW', both: 'SCMP_ACT_ERRNO' },
    },
    {
      name: 'both caps open the rule needing both',
      arch: 'x86_64',
      caps: ['CAP_SYS_ADMIN', 'CAP_NET_ADMIN'],
      want: { both: 'SCMP_ACT_ALLOW' },
    },
    {
      name: 'aarch64 arches',
      arch: 'aarch64',
      caps: [],
      want: { arch_prctl: 'SCMP_ACT_ERRNO', set_tls: 'SCMP_ACT_ALLOW', iopl: 'SCMP_ACT_ERRNO' },
    },
    {
      name: 'old kernel',
      arch: 'x86_64',
      caps: [],
      kernel: '5.4.0-100-generic',
      want: { newcall: 'SCMP_ACT_ERRNO', oldcall: 'SCMP_ACT_ALLOW' },
    },
    {
      name: 'new kernel',
      arch: 'x86_64',
      caps: [],
      kernel: '6.18.44-fc',
      want: { newcall: 'SCMP_ACT_ALLOW', oldcall: 'SCMP_ACT_ERRNO' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = convertSeccompProfile(PROFILE, {
        arch: c.arch,
        capabilities: c.caps,
        ...(c.kernel ? { kernelVersion: c.kernel } : {}),
      });
      for (const [name, action] of Object.entries(c.want)) assert.equal(verdict(got, name), action, name);
    });
  }

  it('maps architectures and errno fields into OCI form', () => {
    const got = convertSeccompProfile(PROFILE, { arch: 'x86_64', capabilities: [] });
    assert.equal(got.defaultAction, 'SCMP_ACT_ERRNO');
    assert.equal(got.defaultErrnoRet, 38);
    assert.deepEqual(got.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'], 'x32 is left out');
    const mount = got.syscalls?.find((r) => r.names.includes('mount'));
    assert.deepEqual(mount, { names: ['mount'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 });
    assert.deepEqual(got.syscalls?.find((r) => r.names.includes('nameonly'))?.errnoRet, 1);
    assert.deepEqual(got.syscalls?.find((r) => r.names.includes('personality'))?.args, [
      { index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' },
    ]);
    // Only OCI fields survive: no includes/excludes/comment for the runtime to trip on.
    for (const r of got.syscalls ?? []) {
      assert.deepEqual(
        Object.keys(r).filter((k) => !['names', 'action', 'errnoRet', 'args'].includes(k)),
        [],
      );
    }
  });

  const bad: { name: string; profile: SeccompProfile; arch?: string; code: string }[] = [
    { name: 'unknown arch', profile: PROFILE, arch: 'sparc', code: 'unsupported_arch' },
    {
      name: 'unsafe argument value',
      profile: {
        defaultAction: 'SCMP_ACT_ERRNO',
        syscalls: [{ names: ['x'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2 ** 60, op: 'SCMP_CMP_EQ' }] }],
      },
      code: 'seccomp_profile_invalid',
    },
    {
      name: 'rule without names',
      profile: { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ action: 'SCMP_ACT_ALLOW' }] },
      code: 'seccomp_profile_invalid',
    },
    {
      name: 'unknown errno name',
      profile: { defaultAction: 'SCMP_ACT_ERRNO', defaultErrno: 'EWHAT' },
      code: 'seccomp_profile_invalid',
    },
  ];
  for (const c of bad) {
    it(`rejects ${c.name}`, () => {
      assert.throws(
        () => convertSeccompProfile(c.profile, { arch: c.arch ?? 'x86_64', capabilities: [] }),
        (e: unknown) => isBerthError(e, 'InvalidArgument') && e.code === c.code,
      );
    });
  }
});

describe('parseSeccompProfile', () => {
  const bad: { name: string; text: string }[] = [
    { name: 'not JSON', text: '{' },
    { name: 'no defaultAction', text: '{"syscalls": []}' },
    { name: 'syscalls not a list', text: '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": {}}' },
    { name: 'rule without action', text: '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"]}]}' },
  ];
  for (const c of bad) {
    it(`rejects ${c.name}`, () => {
      assert.throws(() => parseSeccompProfile(c.text), (e: unknown) => isBerthError(e, 'InvalidArgument'));
    });
  }
});

describe('loadSeccompProfile', () => {
  it('says how to fix a missing file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-seccomp-'));
    try {
      await assert.rejects(
        loadSeccompProfile(join(dir, 'missing.json')),
        (e: unknown) =>
          isBerthError(e, 'Unavailable') &&
          e.code === 'seccomp_profile_missing' &&
          e.message.includes('seccomp=unconfined'),
      );
      await writeFile(join(dir, 'ok.json'), JSON.stringify(PROFILE));
      assert.deepEqual(await loadSeccompProfile(join(dir, 'ok.json')), PROFILE);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it(
    'converts the installed containers-common profile',
    { skip: existsSync(DEFAULT_SECCOMP_PROFILE_PATH) ? false : `${DEFAULT_SECCOMP_PROFILE_PATH} not installed` },
    async () => {
      const profile = await loadSeccompProfile();
      const confined = convertSeccompProfile(profile, { arch: 'x86_64', capabilities: DEFAULT_CAPABILITIES });
      assert.deepEqual(confined.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
      assert.equal(confined.defaultAction, 'SCMP_ACT_ERRNO');
      const want: Record<string, string> = {
        read: 'SCMP_ACT_ALLOW',
        arch_prctl: 'SCMP_ACT_ALLOW',
        init_module: 'SCMP_ACT_ERRNO',
        delete_module: 'SCMP_ACT_ERRNO',
        bpf: 'SCMP_ACT_ERRNO',
        perf_event_open: 'SCMP_ACT_ERRNO',
        acct: 'SCMP_ACT_ERRNO',
        clock_settime: 'SCMP_ACT_ERRNO',
        chroot: 'SCMP_ACT_ALLOW',
        socket: 'SCMP_ACT_ALLOW',
        kexec_load: 'SCMP_ACT_ERRNO',
        set_tls: 'SCMP_ACT_ERRNO',
        // Unlike docker's profile, containers-common's leaves these to the kernel's own
        // capability checks (CAP_SYS_ADMIN, CAP_SYS_BOOT), which the default set lacks.
        mount: 'SCMP_ACT_ALLOW',
        reboot: 'SCMP_ACT_ALLOW',
      };
      for (const [name, action] of Object.entries(want)) assert.equal(verdict(confined, name), action, name);

      const admin = convertSeccompProfile(profile, {
        arch: 'x86_64',
        capabilities: [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN', 'CAP_SYS_MODULE'],
      });
      for (const name of ['init_module', 'bpf', 'perf_event_open']) assert.equal(verdict(admin, name), 'SCMP_ACT_ALLOW', name);

      const noAudit = convertSeccompProfile(profile, { arch: 'x86_64', capabilities: [] });
      assert.equal(verdict(noAudit, 'socket'), 'conditional');
      assert.equal(verdict(noAudit, 'chroot'), 'SCMP_ACT_ERRNO');
    },
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError } from '../lib/errors.js';
import type { CgroupSupport } from '../runtime/cgroup-support.js';
import { adaptCgroupSettings, cgroupPath } from './cgroup-settings.js';
import type { HostConfigSpec } from './container-model.js';

const ALL: CgroupSupport = { blkioWeight: true, blkioWeightDevice: true, blkioReadBps: true, blkioWriteBps: true, blkioReadIOps: true, blkioWriteIOps: true, cpuRealtime: true, swapLimit: true };
const NONE: CgroupSupport = { blkioWeight: false, blkioWeightDevice: false, blkioReadBps: false, blkioWriteBps: false, blkioReadIOps: false, blkioWriteIOps: false, cpuRealtime: false, swapLimit: false };

function refuses(hc: HostConfigSpec, support: CgroupSupport, message: string): void {
  assert.throws(() => adaptCgroupSettings(hc, () => support, 'private'), (e: unknown) => e instanceof BerthError && e.kind === 'InvalidArgument' && e.message === message);
}

test("the cgroup namespace mode: the one asked for, else the daemon's default; anything else refused as dockerd does", () => {
  const table = [[undefined, 'private', 'private'], ['', 'host', 'host'], ['host', 'private', 'host'], ['private', 'host', 'private']] as const;
  for (const [given, defaultMode, recorded] of table) {
    const hc: HostConfigSpec = given === undefined ? {} : { CgroupnsMode: given };
    adaptCgroupSettings(hc, () => ALL, defaultMode);
    assert.equal(hc.CgroupnsMode, recorded);
  }
  refuses({ CgroupnsMode: 'shared' }, ALL, 'invalid cgroup namespace mode: shared');
});

test('real-time CPU settings: refused without kernel support or with a runtime above the period', () => {
  assert.deepEqual(adaptCgroupSettings({ CpuRealtimePeriod: 100000, CpuRealtimeRuntime: 5000 }, () => ALL, 'private'), []);
  refuses({ CpuRealtimePeriod: 100000 }, NONE, 'Your kernel does not support CPU real-time scheduler');
  refuses({ CpuRealtimeRuntime: 5000 }, NONE, 'Your kernel does not support CPU real-time scheduler');
  refuses({ CpuRealtimePeriod: 1000, CpuRealtimeRuntime: 5000 }, ALL, 'cpu real-time runtime cannot be higher than cpu real-time period');
});

test('block I/O settings the host cannot apply are dropped with dockerd\'s warnings; a weight out of range is refused', () => {
  const dev = [{ Path: '/dev/vda', Rate: 1024 }];
  const hc: HostConfigSpec = { BlkioWeight: 300, BlkioWeightDevice: [{ Path: '/dev/vda', Weight: 200 }], BlkioDeviceReadBps: dev, BlkioDeviceWriteBps: dev, BlkioDeviceReadIOps: dev, BlkioDeviceWriteIOps: dev };
  assert.deepEqual(adaptCgroupSettings({ ...hc }, () => ALL, 'private'), []);
  const dropped = { ...hc };
  assert.deepEqual(adaptCgroupSettings(dropped, () => NONE, 'private'), [
    'Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.',
    'Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.',
    'Your kernel does not support BPS Block I/O read limit or the cgroup is not mounted. Block I/O BPS read limit discarded.',
    'Your kernel does not support BPS Block I/O write limit or the cgroup is not mounted. Block I/O BPS write limit discarded.',
    'Your kernel does not support IOPS Block read limit or the cgroup is not mounted. Block I/O IOPS read limit discarded.',
    'Your kernel does not support IOPS Block write limit or the cgroup is not mounted. Block I/O IOPS write limit discarded.',
  ]);
  assert.equal(dropped.BlkioWeight, 0);
  assert.deepEqual([dropped.BlkioWeightDevice, dropped.BlkioDeviceReadBps, dropped.BlkioDeviceWriteIOps], [[], [], []]);
  refuses({ BlkioWeight: 5 }, ALL, 'Range of blkio weight is from 10 to 1000');
  // As dockerd: a weight the host discards is not checked.
  assert.equal(adaptCgroupSettings({ BlkioWeight: 5 }, () => NONE, 'private').length, 1);
  refuses({ BlkioDeviceReadBps: [{ Path: '/dev/vda', Rate: -1 }] }, ALL, 'invalid BlkioDeviceReadBps entry: {"Path":"/dev/vda","Rate":-1}');
});

test('the cgroup path: /berth/<id>, or under --cgroup-parent, never above the root', () => {
  assert.equal(cgroupPath('abc', undefined), '/berth/abc');
  assert.equal(cgroupPath('abc', ''), '/berth/abc');
  assert.equal(cgroupPath('abc', 'foo/bar'), '/foo/bar/abc');
  assert.equal(cgroupPath('abc', '/foo/'), '/foo/abc');
  assert.equal(cgroupPath('abc', '../../../escape'), '/escape/abc');
  assert.equal(cgroupPath('abc', '/'), '/abc');
});

test("the host's cgroup support is read only when a setting needs it", () => {
  let reads = 0;
  const count = (): CgroupSupport => (reads++, ALL);
  adaptCgroupSettings({ CgroupnsMode: 'host', BlkioWeight: 0, BlkioDeviceReadBps: [] }, count, 'private');
  assert.equal(reads, 0);
  adaptCgroupSettings({ BlkioWeight: 300, BlkioDeviceReadBps: [{ Path: '/dev/vda', Rate: 1 }], CpuRealtimePeriod: 1000 }, count, 'private');
  assert.equal(reads, 1);
});

test("swap: twice the memory limit unless asked otherwise, as dockerd's; unlimited with its warning where cgroups cannot limit swap", () => {
  const table: [HostConfigSpec, number | undefined][] = [
    [{}, undefined],
    [{ Memory: 64 << 20 }, 128 << 20],
    [{ Memory: 64 << 20, MemorySwap: 96 << 20 }, 96 << 20],
    [{ Memory: 64 << 20, MemorySwap: -1 }, -1],
  ];
  for (const [hc, swap] of table) {
    assert.deepEqual(adaptCgroupSettings(hc, () => ALL, 'private'), []);
    assert.equal(hc.MemorySwap, swap);
  }
  const hc: HostConfigSpec = { Memory: 64 << 20 };
  assert.deepEqual(adaptCgroupSettings(hc, () => NONE, 'private'), ['Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.']);
  assert.equal(hc.MemorySwap, -1);
  assert.deepEqual(adaptCgroupSettings({ Memory: 64 << 20, MemorySwap: -1 }, () => NONE, 'private'), []);
});

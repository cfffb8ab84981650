import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError } from '../lib/errors.js';
import type { ContainerId } from '../oci/ids.js';
import type { HostConfigSpec } from './container-model.js';
import { planUpdate, type ResourceUpdate } from './container-update.js';

const HOST = { blkioWeight: true, cpus: 2, onlineCpus: '0-1', onlineMems: '0' };
const id = 'c'.repeat(64) as ContainerId;
const plan = (hostConfig: HostConfigSpec, u: ResourceUpdate, host = HOST) => planUpdate({ id, hostConfig }, u, host);

function throwsMessage(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => e instanceof BerthError && e.kind === 'InvalidArgument' && e.message === message);
}

test('zero fields leave the configuration alone; set ones are recorded and sent to the runtime', () => {
  const p = plan({ Memory: 0, CpuShares: 512, NetworkMode: 'bridge' }, { Memory: 64 * 1024 * 1024, CpuShares: 0, PidsLimit: 10, MemorySwap: 0 });
  assert.equal(p.hostConfig.Memory, 64 * 1024 * 1024);
  assert.equal(p.hostConfig.CpuShares, 512);
  assert.equal(p.hostConfig.PidsLimit, 10);
  assert.equal(p.hostConfig.NetworkMode, 'bridge');
  assert.deepEqual(p.resources, { memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 10 } });
  assert.deepEqual(plan({}, {}).resources, {});
});

test('--cpus becomes quota and period; unlimited pids is -1 for the runtime and 0 in HostConfig', () => {
  const p = plan({ PidsLimit: 5 }, { NanoCpus: 500_000_000, PidsLimit: -1 });
  assert.deepEqual(p.resources, { cpu: { quota: 50_000, period: 100_000 }, pids: { limit: -1 } });
  assert.equal(p.hostConfig.NanoCpus, 500_000_000);
  assert.equal(p.hostConfig.PidsLimit, 0);
});

test('real-time CPU period and runtime: recorded and sent to the runtime', () => {
  const p = plan({ CpuRealtimePeriod: 1000000 }, { CpuRealtimePeriod: 100000, CpuRealtimeRuntime: 5000 });
  assert.deepEqual(p.resources, { cpu: { realtimePeriod: 100000, realtimeRuntime: 5000 } });
  assert.deepEqual([p.hostConfig.CpuRealtimePeriod, p.hostConfig.CpuRealtimeRuntime], [100000, 5000]);
});

test('restart policy is recorded only', () => {
  const p = plan({ RestartPolicy: { Name: 'no' } }, { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } });
  assert.deepEqual(p.hostConfig.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 3 });
  assert.deepEqual(p.resources, {});
  assert.deepEqual(plan({ RestartPolicy: { Name: 'always' } }, { RestartPolicy: { Name: '' } }).hostConfig.RestartPolicy, { Name: 'always' });
});

test('an unsupported blkio weight is a warning and is discarded', () => {
  const p = plan({}, { BlkioWeight: 300 }, { ...HOST, blkioWeight: false });
  assert.deepEqual(p.warnings, ['Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.']);
  assert.equal(p.hostConfig['BlkioWeight'], undefined);
  assert.deepEqual(plan({}, { BlkioWeight: 300 }).resources, { blockIO: { weight: 300 } });
});

test("Docker's refusals, with its words", () => {
  throwsMessage(() => plan({}, { Memory: 1024 }), 'Minimum memory limit allowed is 6MB');
  throwsMessage(() => plan({}, { Memory: 64 << 20, MemorySwap: 32 << 20 }), 'Minimum memoryswap limit should be larger than memory limit, see usage');
  throwsMessage(() => plan({}, { NanoCpus: 5e9 }), 'Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available');
  throwsMessage(() => plan({}, { CpuPeriod: 10 }), 'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  throwsMessage(() => plan({}, { BlkioWeight: 5 }), 'Range of blkio weight is from 10 to 1000');
  throwsMessage(() => plan({}, { RestartPolicy: { Name: 'always', MaximumRetryCount: 2 } }), "invalid restart policy: maximum retry count can only be used with 'on-failure'");
  throwsMessage(
    () => plan({ NanoCpus: 1e9 }, { CpuQuota: 20_000 }),
    `Cannot update container ${id}: Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set`,
  );
  throwsMessage(
    () => plan({ Memory: 64 << 20, MemorySwap: 128 << 20 }, { Memory: 256 << 20 }),
    `Cannot update container ${id}: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time`,
  );
  throwsMessage(
    () => plan({ AutoRemove: true }, { RestartPolicy: { Name: 'always' } }),
    `Cannot update container ${id}: Restart policy cannot be updated because AutoRemove is enabled for the container`,
  );
});

test('cpusets: recorded and sent to the runtime, checked against what the host has online', () => {
  const p = plan({ CpusetCpus: '0-1' }, { CpusetCpus: '1', CpusetMems: '0' });
  assert.equal(p.hostConfig.CpusetCpus, '1');
  assert.equal(p.hostConfig.CpusetMems, '0');
  assert.deepEqual(p.resources.cpu, { cpus: '1', mems: '0' });
  assert.equal(plan({ CpusetCpus: '0' }, { CpusetCpus: '' }).hostConfig.CpusetCpus, '0');
  throwsMessage(() => plan({}, { CpusetCpus: '3' }), 'Requested CPUs are not available - requested 3, available: 0-1');
});

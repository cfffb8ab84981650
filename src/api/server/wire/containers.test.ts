import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dockerdHostConfig } from './containers.js';

test("dockerdHostConfig: every field of dockerd's struct in its order, zero values for what the client left out, omitempty ones only when set", () => {
  const hc = dockerdHostConfig({ Memory: 1024, RestartPolicy: { Name: 'always' }, Tmpfs: {}, Sysctls: { 'net.ipv4.ip_forward': '1' }, NetworkMode: 'default', Runtime: 'crun' }) as unknown as Record<string, unknown>;
  const keys = Object.keys(hc);
  assert.deepEqual(keys.slice(0, 10), ['Binds', 'ContainerIDFile', 'LogConfig', 'NetworkMode', 'PortBindings', 'RestartPolicy', 'AutoRemove', 'VolumeDriver', 'VolumesFrom', 'ConsoleSize']);
  assert.deepEqual(keys.slice(-4), ['IOMaximumIOps', 'IOMaximumBandwidth', 'MaskedPaths', 'ReadonlyPaths']);
  assert.equal(keys.length, 64);
  assert.ok(keys.indexOf('Sysctls') < keys.indexOf('Runtime') && keys.indexOf('Runtime') < keys.indexOf('Isolation') && keys.indexOf('Isolation') < keys.indexOf('CpuShares'));
  for (const absent of ['Annotations', 'StorageOpt', 'Tmpfs', 'KernelMemory', 'KernelMemoryTCP', 'Mounts', 'Init']) assert.equal(absent in hc, false, absent);
  assert.deepEqual(hc['RestartPolicy'], { Name: 'always', MaximumRetryCount: 0 });
  assert.deepEqual(hc['LogConfig'], { Type: 'json-file', Config: {} });
  assert.equal(hc['NetworkMode'], 'bridge');
  assert.deepEqual(hc['ConsoleSize'], [0, 0]);
  assert.deepEqual([hc['Memory'], hc['MemorySwappiness'], hc['PidsLimit'], hc['Isolation'], hc['CgroupParent']], [1024, null, null, '', '']);
  assert.deepEqual(hc['Sysctls'], { 'net.ipv4.ip_forward': '1' });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCpuset, checkOomScoreAdj, checkSwappiness, checkSysctls, namespaceSharing, parseIdList } from './settings-check.js';

const own = { network: true, ipc: true, uts: true };

test('sysctls: those of a namespace the container has of its own, with runc\'s words otherwise', () => {
  checkSysctls({ 'net.core.somaxconn': '1024', 'kernel.shmmax': '1', 'fs.mqueue.msg_max': '10', 'kernel.domainname': 'd' }, own);
  assert.throws(() => checkSysctls({ 'vm.swappiness': '1' }, own), { message: 'sysctl "vm.swappiness" is not in a separate kernel namespace' });
  assert.throws(() => checkSysctls({ 'kernel.pid_max': '1' }, own), /is not in a separate kernel namespace/);
  assert.throws(() => checkSysctls({ 'net.ipv4.ip_forward': '1' }, { ...own, network: false }), { message: 'sysctl "net.ipv4.ip_forward" not allowed in host network namespace' });
  assert.throws(() => checkSysctls({ 'kernel.sem': '1' }, { ...own, ipc: false }), { message: 'sysctl "kernel.sem" not allowed in host IPC namespace' });
  assert.throws(() => checkSysctls({ 'kernel.hostname': 'h' }, { ...own, uts: false }), { message: 'sysctl "kernel.hostname" not allowed in host UTS namespace' });
});

test('cpu and node lists parse as Linux writes them; malformed ones are undefined', () => {
  assert.deepEqual([...(parseIdList('0-2,5') ?? [])], [0, 1, 2, 5]);
  assert.deepEqual([...(parseIdList('1\n') ?? [])], [1]);
  assert.deepEqual([...(parseIdList('') ?? [])], []);
  for (const bad of ['a', '1-', '3-1', '1,,2', '-1']) assert.equal(parseIdList(bad), undefined, bad);
});

test("cpusets: Docker's errors for a malformed or an unavailable set", () => {
  checkCpuset('cpus', '0,1', '0-1\n');
  checkCpuset('mems', '0', '0');
  assert.throws(() => checkCpuset('cpus', '0-x', '0-1'), { message: 'Invalid value 0-x for cpuset cpus' });
  assert.throws(() => checkCpuset('cpus', '2', '0-1\n'), { message: 'Requested CPUs are not available - requested 2, available: 0-1' });
  assert.throws(() => checkCpuset('mems', '1', '0'), { message: 'Requested memory nodes are not available - requested 1, available: 0' });
});

test("OOM score adjustment and swappiness ranges, with Docker's words", () => {
  checkOomScoreAdj(-1000);
  checkOomScoreAdj(1000);
  assert.throws(() => checkOomScoreAdj(1001), { message: 'Invalid value 1001, range for oom score adj is [-1000, 1000]' });
  checkSwappiness(-1);
  checkSwappiness(0);
  checkSwappiness(100);
  assert.throws(() => checkSwappiness(101), { message: 'Invalid value: 101, valid memory swappiness range is 0-100' });
});

test('namespace modes: host shares, the private ones do not, joining and unknown modes are refused', () => {
  assert.equal(namespaceSharing('pid', undefined), 'private');
  assert.equal(namespaceSharing('pid', 'host'), 'host');
  assert.equal(namespaceSharing('ipc', 'shareable'), 'private');
  assert.equal(namespaceSharing('ipc', 'private'), 'private');
  assert.equal(namespaceSharing('uts', ''), 'private');
  assert.throws(() => namespaceSharing('pid', 'container:abc'), /--pid container:abc: joining another container's PID namespace is not supported/);
  assert.throws(() => namespaceSharing('ipc', 'none'), /--ipc none is not supported/);
  assert.throws(() => namespaceSharing('uts', 'private'), { message: 'invalid UTS mode: private' });
  assert.throws(() => namespaceSharing('pid', 'bogus'), { message: 'invalid PID mode: bogus' });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBlkioV1, parseIoStatV2, parseKeyValues, parseNetDev, parseNumber, parseProcCgroup, parseProcStat } from './cgroup-stats.js';

test('parseKeyValues reads key/value lines and skips the rest', () => {
  assert.deepEqual(parseKeyValues('cache 4096\nrss 8192\n\nbad line here\ntotal_inactive_file 12\n'), { cache: 4096, rss: 8192, total_inactive_file: 12 });
});

test('parseNumber: numbers, max and missing files', () => {
  assert.equal(parseNumber('123\n'), 123);
  assert.equal(parseNumber('max\n'), 0);
  assert.equal(parseNumber(undefined), 0);
});

test('parseBlkioV1 keeps device lines and drops Total', () => {
  assert.deepEqual(parseBlkioV1('8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\nTotal 12288\n'), [
    { major: 8, minor: 0, op: 'Read', value: 4096 },
    { major: 8, minor: 0, op: 'Write', value: 8192 },
    { major: 8, minor: 0, op: 'Sync', value: 0 },
  ]);
  assert.deepEqual(parseBlkioV1('Total 0\n'), []);
});

test('parseIoStatV2 turns rbytes/wbytes and rios/wios into read/write entries', () => {
  const r = parseIoStatV2('259:0 rbytes=1024 wbytes=2048 rios=3 wios=4 dbytes=0 dios=0\n');
  assert.deepEqual(r.serviceBytes, [
    { major: 259, minor: 0, op: 'read', value: 1024 },
    { major: 259, minor: 0, op: 'write', value: 2048 },
  ]);
  assert.deepEqual(r.serviced, [
    { major: 259, minor: 0, op: 'read', value: 3 },
    { major: 259, minor: 0, op: 'write', value: 4 },
  ]);
});

test('parseProcCgroup: v1 controllers (joined ones split), named and unified hierarchies', () => {
  const m = parseProcCgroup('9:name=systemd:/\n4:memory:/berth/abc\n2:cpu,cpuacct:/berth/abc\n0::/\n');
  assert.deepEqual(m.get('memory'), { dir: 'memory', path: '/berth/abc' });
  assert.deepEqual(m.get('cpuacct'), { dir: 'cpu,cpuacct', path: '/berth/abc' });
  assert.deepEqual(m.get('cpu'), { dir: 'cpu,cpuacct', path: '/berth/abc' });
  assert.deepEqual(m.get(''), { dir: '', path: '/' });
  assert.equal(parseProcCgroup('0::/system.slice/x\n').get('memory'), undefined);
});

test('parseNetDev reads counters per interface without loopback', () => {
  const text = [
    'Inter-|   Receive                                                |  Transmit',
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
    '    lo:     100       1    0    0    0     0          0         0      100       1    0    0    0     0       0          0',
    '  eth0:    1596      18    1    2    0     0          0         0      516       6    3    4    0     0       0          0',
  ].join('\n');
  assert.deepEqual(parseNetDev(text), {
    eth0: { rxBytes: 1596, rxPackets: 18, rxErrors: 1, rxDropped: 2, txBytes: 516, txPackets: 6, txErrors: 3, txDropped: 4 },
  });
});

test('parseProcStat sums the first seven cpu fields in ns and counts online CPUs', () => {
  const r = parseProcStat('cpu  10 1 5 100 2 0 1 7 0 0\ncpu0 5 1 2 50 1 0 0 0 0 0\ncpu1 5 0 3 50 1 0 1 0 0 0\nintr 1\n');
  assert.equal(r.systemUsage, 119 * 1e7);
  assert.equal(r.onlineCpus, 2);
});

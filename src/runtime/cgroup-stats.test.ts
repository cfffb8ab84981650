import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readCgroupStats, parseBlkioV1, parseIoStatV2, parseKeyValues, parseNetDev, parseNumber, parseProcCgroup, parseProcStat } from './cgroup-stats.js';

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

/** Writes `files` (path → content) under a scratch directory and runs `fn` on it. */
async function withTree(files: Record<string, string>, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cgroup-stats-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('readCgroupStats on cgroup v1: one hierarchy per controller, throttle blkio files', async () => {
  const cg = 'berth/abc';
  await withTree(
    {
      'proc/42/cgroup': `8:pids:/${cg}\n7:blkio:/${cg}\n4:memory:/${cg}\n2:cpu,cpuacct:/${cg}\n0::/\n`,
      [`fs/cpu,cpuacct/${cg}/cpuacct.usage`]: '5000\n',
      [`fs/cpu,cpuacct/${cg}/cpuacct.usage_percpu`]: '3000 2000 \n',
      [`fs/cpu,cpuacct/${cg}/cpuacct.stat`]: 'user 3\nsystem 2\n',
      [`fs/cpu,cpuacct/${cg}/cpu.stat`]: 'nr_periods 10\nnr_throttled 4\nthrottled_time 900\n',
      [`fs/memory/${cg}/memory.usage_in_bytes`]: '1048576\n',
      [`fs/memory/${cg}/memory.max_usage_in_bytes`]: '2097152\n',
      [`fs/memory/${cg}/memory.failcnt`]: '0\n',
      [`fs/memory/${cg}/memory.limit_in_bytes`]: '9223372036854771712\n',
      [`fs/memory/${cg}/memory.stat`]: 'cache 4096\ntotal_inactive_file 4096\n',
      [`fs/pids/${cg}/pids.current`]: '3\n',
      [`fs/pids/${cg}/pids.max`]: 'max\n',
      [`fs/blkio/${cg}/blkio.throttle.io_service_bytes_recursive`]: '8:0 Read 512\n8:0 Write 1024\nTotal 1536\n',
      [`fs/blkio/${cg}/blkio.io_service_bytes_recursive`]: 'Total 0\n',
    },
    async (dir) => {
      const s = await readCgroupStats(42, join(dir, 'fs'), join(dir, 'proc'));
      assert.equal(s.version, 1);
      assert.deepEqual(s.cpu, { total: 5000, user: 3e7, kernel: 2e7, perCpu: [3000, 2000], throttling: { periods: 10, throttledPeriods: 4, throttledTime: 900 } });
      assert.equal(s.memory.usage, 1048576);
      assert.equal(s.memory.maxUsage, 2097152);
      assert.ok(s.memory.limit > 2 ** 62);
      assert.deepEqual(s.memory.stats, { cache: 4096, total_inactive_file: 4096 });
      assert.deepEqual(s.pids, { current: 3, limit: 0 });
      assert.deepEqual(s.blkio.serviceBytes.map((e) => `${e.op}=${e.value}`), ['Read=512', 'Write=1024']);
      assert.deepEqual(s.blkio.serviced, []);
    },
  );
});

test('readCgroupStats on cgroup v2: the unified files', async () => {
  await withTree(
    {
      'proc/7/cgroup': '0::/berth/xyz\n',
      'fs/berth/xyz/cpu.stat': 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 2\nnr_throttled 1\nthrottled_usec 30\n',
      'fs/berth/xyz/memory.current': '8192\n',
      'fs/berth/xyz/memory.max': 'max\n',
      'fs/berth/xyz/memory.stat': 'anon 4096\ninactive_file 1024\n',
      'fs/berth/xyz/pids.current': '2\n',
      'fs/berth/xyz/pids.max': '20\n',
      'fs/berth/xyz/io.stat': '8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n',
    },
    async (dir) => {
      const s = await readCgroupStats(7, join(dir, 'fs'), join(dir, 'proc'));
      assert.equal(s.version, 2);
      assert.deepEqual(s.cpu, { total: 1_500_000, user: 1_000_000, kernel: 500_000, perCpu: [], throttling: { periods: 2, throttledPeriods: 1, throttledTime: 30_000 } });
      assert.deepEqual(s.memory, { usage: 8192, maxUsage: 0, failcnt: 0, limit: 0, stats: { anon: 4096, inactive_file: 1024 } });
      assert.deepEqual(s.pids, { current: 2, limit: 20 });
      assert.deepEqual(s.blkio.serviceBytes.map((e) => `${e.op}=${e.value}`), ['read=100', 'write=200']);
    },
  );
});

test('readCgroupStats throws when the process is gone', async () => {
  await withTree({}, async (dir) => {
    await assert.rejects(readCgroupStats(1, join(dir, 'fs'), join(dir, 'proc')));
  });
});

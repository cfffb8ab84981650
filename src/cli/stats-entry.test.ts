import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StatsResponse } from '../api/types/index.js';
import { cpuPercent, emptyEntry, liveFrame, memoryUsage, statsEntry, statsRow } from './stats-entry.js';

const cpu = (total: number, system: number, online = 2) => ({
  cpu_usage: { total_usage: total, usage_in_kernelmode: 0, usage_in_usermode: 0 },
  system_cpu_usage: system,
  online_cpus: online,
  throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
});

function response(over: Partial<StatsResponse> = {}): StatsResponse {
  return {
    name: '/web',
    id: 'a'.repeat(64),
    read: '2026-01-01T00:00:01Z',
    preread: '2026-01-01T00:00:00Z',
    pids_stats: { current: 3 },
    blkio_stats: {
      io_service_bytes_recursive: [
        { major: 8, minor: 0, op: 'Read', value: 1500 },
        { major: 8, minor: 0, op: 'Write', value: 2_500_000 },
        { major: 8, minor: 0, op: 'Total', value: 2_501_500 },
        { major: 8, minor: 16, op: 'read', value: 500 },
      ],
      io_serviced_recursive: [],
      io_queue_recursive: [],
      io_service_time_recursive: [],
      io_wait_time_recursive: [],
      io_merged_recursive: [],
      io_time_recursive: [],
      sectors_recursive: [],
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpu(2_000_000_000, 20_000_000_000),
    precpu_stats: cpu(1_000_000_000, 18_000_000_000),
    memory_stats: { usage: 10 * 1024 * 1024, limit: 100 * 1024 * 1024, stats: { total_inactive_file: 2 * 1024 * 1024 } },
    networks: {
      eth0: { rx_bytes: 1000, rx_packets: 1, rx_errors: 0, rx_dropped: 0, tx_bytes: 200, tx_packets: 1, tx_errors: 0, tx_dropped: 0 },
      eth1: { rx_bytes: 1000, rx_packets: 1, rx_errors: 0, rx_dropped: 0, tx_bytes: 300, tx_packets: 1, tx_errors: 0, tx_dropped: 0 },
    },
    ...over,
  };
}

test('CPU %: container delta over system delta, times online CPUs', () => {
  assert.equal(cpuPercent(response()), 100);
  // online_cpus missing: the number of per-CPU counters.
  const s = response({ cpu_stats: { ...cpu(2_000_000_000, 20_000_000_000, 0), cpu_usage: { total_usage: 2_000_000_000, percpu_usage: [1, 1, 1, 1], usage_in_kernelmode: 0, usage_in_usermode: 0 } } });
  assert.equal(cpuPercent(s), 200);
  // No previous reading: the system delta is the whole counter, and a zero delta gives 0.
  assert.equal(cpuPercent(response({ precpu_stats: cpu(2_000_000_000, 20_000_000_000) })), 0);
});

test('memory usage leaves out inactive file pages (v1 and v2 keys)', () => {
  assert.equal(memoryUsage(response()), 8 * 1024 * 1024);
  assert.equal(memoryUsage(response({ memory_stats: { usage: 100, stats: { inactive_file: 40 } } })), 60);
  assert.equal(memoryUsage(response({ memory_stats: { usage: 100, stats: { total_inactive_file: 200 } } })), 100);
  assert.equal(memoryUsage(response({ memory_stats: {} })), 0);
});

test('a row renders docker\'s units and precision', () => {
  const row = statsRow(statsEntry('web', response()), { trunc: true });
  assert.deepEqual(row, {
    Container: 'web',
    Name: 'web',
    ID: 'aaaaaaaaaaaa',
    CPUPerc: '100.00%',
    MemUsage: '8MiB / 100MiB',
    MemPerc: '8.00%',
    NetIO: '2kB / 500B',
    BlockIO: '2kB / 2.5MB',
    PIDs: '3',
  });
  assert.equal(statsRow(statsEntry('web', response()), { trunc: false }).ID, 'a'.repeat(64));
});

test('a stopped container reads as zeros, a failed stream as dashes', () => {
  const stopped = statsEntry('x', response({ memory_stats: {}, networks: undefined, pids_stats: {}, cpu_stats: cpu(0, 0), precpu_stats: cpu(0, 0) }));
  const row = statsRow({ ...stopped, blockRead: 0, blockWrite: 0 }, { trunc: true });
  assert.equal(row.MemUsage, '0B / 0B');
  assert.equal(row.MemPerc, '0.00%');
  assert.equal(row.NetIO, '0B / 0B');
  assert.equal(row.PIDs, '0');
  const failed = statsRow({ ...emptyEntry('gone'), invalid: true }, { trunc: true });
  assert.deepEqual([failed.Name, failed.CPUPerc, failed.MemUsage, failed.PIDs], ['--', '--', '-- / --', '--']);
});

test('a live frame homes the cursor and erases after each line and below the table', () => {
  assert.equal(liveFrame('A\nB\n'), '\x1b[HA\x1b[K\nB\x1b[K\n\x1b[K\n\x1b[J');
});

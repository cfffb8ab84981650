import type { BlkioEntry, StatsReport, StatsSample } from '../../../engine/container-stats.js';
import type { BlkioStatEntry, BlkioStats, CpuStats, StatsResponse } from '../../types/index.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';

const entries = (list: BlkioEntry[]): BlkioStatEntry[] => list.map((e) => ({ major: e.major, minor: e.minor, op: e.op, value: e.value }));

function cpuStats(s: StatsSample | undefined): CpuStats {
  const cpu = s?.cgroup.cpu;
  return {
    cpu_usage: {
      total_usage: cpu?.total ?? 0,
      ...(cpu && cpu.perCpu.length > 0 ? { percpu_usage: cpu.perCpu } : {}),
      usage_in_kernelmode: cpu?.kernel ?? 0,
      usage_in_usermode: cpu?.user ?? 0,
    },
    ...(s ? { system_cpu_usage: s.host.systemUsage, online_cpus: s.host.onlineCpus } : {}),
    throttling_data: {
      periods: cpu?.throttling.periods ?? 0,
      throttled_periods: cpu?.throttling.throttledPeriods ?? 0,
      throttled_time: cpu?.throttling.throttledTime ?? 0,
    },
  };
}

/** Docker fills every v1 list (empty ones too) but only the byte counts on v2; nothing when stopped. */
function blkioStats(s: StatsSample | undefined): BlkioStats {
  const v1 = s?.cgroup.version === 1 ? [] : null;
  return {
    io_service_bytes_recursive: s ? entries(s.cgroup.blkio.serviceBytes) : null,
    io_serviced_recursive: s?.cgroup.version === 1 ? entries(s.cgroup.blkio.serviced) : null,
    io_queue_recursive: v1,
    io_service_time_recursive: v1,
    io_wait_time_recursive: v1,
    io_merged_recursive: v1,
    io_time_recursive: v1,
    sectors_recursive: v1,
  };
}

/** Docker's StatsResponse; zero values where Docker's omitempty leaves fields out, as for a stopped container. */
export function statsResponse(r: StatsReport): StatsResponse {
  const s = r.current;
  const mem = s?.cgroup.memory;
  const pids = s?.cgroup.pids;
  return {
    name: `/${r.name}`,
    id: r.id,
    read: s?.read ?? ZERO_TIME,
    preread: r.previous?.read ?? ZERO_TIME,
    pids_stats: {
      ...(pids?.current ? { current: pids.current } : {}),
      ...(pids?.limit ? { limit: pids.limit } : {}),
    },
    blkio_stats: blkioStats(s),
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(s),
    precpu_stats: cpuStats(r.previous),
    memory_stats: mem
      ? {
          usage: mem.usage,
          ...(mem.maxUsage ? { max_usage: mem.maxUsage } : {}),
          stats: mem.stats,
          ...(mem.failcnt ? { failcnt: mem.failcnt } : {}),
          limit: mem.limit,
        }
      : {},
    ...(s?.networks
      ? {
          networks: Object.fromEntries(
            Object.entries(s.networks).map(([name, n]) => [
              name,
              {
                rx_bytes: n.rxBytes,
                rx_packets: n.rxPackets,
                rx_errors: n.rxErrors,
                rx_dropped: n.rxDropped,
                tx_bytes: n.txBytes,
                tx_packets: n.txPackets,
                tx_errors: n.txErrors,
                tx_dropped: n.txDropped,
              },
            ]),
          ),
        }
      : {}),
  };
}

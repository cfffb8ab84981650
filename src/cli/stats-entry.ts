/**
 * `docker stats` columns from the daemon's StatsResponse, computed as docker/cli does: CPU % over
 * the interval between the two readings, memory without the inactive page cache, I/O summed over
 * interfaces and devices. Pure.
 */
import type { StatsResponse } from '../api/types/index.js';
import { formatFloat } from './format/gofmt.js';
import { bytesSize, humanSize } from './format/units.js';

export interface StatsEntry {
  /** What the user named (or the ID when listing all). */
  container: string;
  /** With the daemon's leading slash. */
  name: string;
  id: string;
  cpuPercent: number;
  memory: number;
  memoryLimit: number;
  memoryPercent: number;
  netRx: number;
  netTx: number;
  blockRead: number;
  blockWrite: number;
  pids: number;
  /** No reading (yet) or the stream failed: columns show `--`. */
  invalid: boolean;
}

export function emptyEntry(container: string): StatsEntry {
  return { container, name: '', id: '', cpuPercent: 0, memory: 0, memoryLimit: 0, memoryPercent: 0, netRx: 0, netTx: 0, blockRead: 0, blockWrite: 0, pids: 0, invalid: false };
}

export function cpuPercent(s: StatsResponse): number {
  const cpuDelta = s.cpu_stats.cpu_usage.total_usage - (s.precpu_stats.cpu_usage.total_usage ?? 0);
  const systemDelta = (s.cpu_stats.system_cpu_usage ?? 0) - (s.precpu_stats.system_cpu_usage ?? 0);
  const online = s.cpu_stats.online_cpus || s.cpu_stats.cpu_usage.percpu_usage?.length || 0;
  return systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * online * 100 : 0;
}

/** Usage minus inactive file pages: `total_inactive_file` on cgroup v1, `inactive_file` on v2. */
export function memoryUsage(s: StatsResponse): number {
  const usage = s.memory_stats.usage ?? 0;
  const stats = s.memory_stats.stats ?? {};
  const v1 = stats['total_inactive_file'];
  if (v1 !== undefined && v1 < usage) return usage - v1;
  const v2 = stats['inactive_file'] ?? 0;
  return v2 < usage ? usage - v2 : usage;
}

export function statsEntry(container: string, s: StatsResponse): StatsEntry {
  const memory = memoryUsage(s);
  const limit = s.memory_stats.limit ?? 0;
  let netRx = 0;
  let netTx = 0;
  for (const n of Object.values(s.networks ?? {})) {
    netRx += n.rx_bytes;
    netTx += n.tx_bytes;
  }
  let blockRead = 0;
  let blockWrite = 0;
  for (const e of s.blkio_stats.io_service_bytes_recursive ?? []) {
    const op = e.op[0]?.toLowerCase();
    if (op === 'r') blockRead += e.value;
    else if (op === 'w') blockWrite += e.value;
  }
  return {
    container,
    name: s.name ?? '',
    id: s.id ?? '',
    cpuPercent: cpuPercent(s),
    memory,
    memoryLimit: limit,
    memoryPercent: limit !== 0 ? (memory / limit) * 100 : 0,
    netRx,
    netTx,
    blockRead,
    blockWrite,
    pids: s.pids_stats.current ?? 0,
    invalid: false,
  };
}

const NO_VALUE = '--';
const percent = (v: number): string => `${formatFloat(v, 'f', 2)}%`;
const io = (a: number, b: number): string => `${humanSize(a, 3)} / ${humanSize(b, 3)}`;

export const STATS_HEADERS: Record<string, string> = {
  Container: 'CONTAINER',
  Name: 'NAME',
  ID: 'CONTAINER ID',
  CPUPerc: 'CPU %',
  MemUsage: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %',
  NetIO: 'NET I/O',
  BlockIO: 'BLOCK I/O',
  PIDs: 'PIDS',
};

/** The template fields of one row, as docker/cli's stats context names and renders them. */
export function statsRow(e: StatsEntry, opts: { trunc: boolean }): Record<string, string> {
  return {
    Container: e.container,
    Name: e.name.length > 1 ? e.name.slice(1) : NO_VALUE,
    ID: opts.trunc ? e.id.slice(0, 12) : e.id,
    CPUPerc: e.invalid ? NO_VALUE : percent(e.cpuPercent),
    MemUsage: e.invalid ? '-- / --' : `${bytesSize(e.memory)} / ${bytesSize(e.memoryLimit)}`,
    MemPerc: e.invalid ? NO_VALUE : percent(e.memoryPercent),
    NetIO: e.invalid ? NO_VALUE : io(e.netRx, e.netTx),
    BlockIO: e.invalid ? NO_VALUE : io(e.blockRead, e.blockWrite),
    PIDs: e.invalid ? NO_VALUE : String(e.pids),
  };
}

/**
 * One frame of the live display: cursor home, each line followed by erase-to-end-of-line, then
 * erase below (shorter tables leave nothing behind), written at once so the screen doesn't flicker.
 */
export function liveFrame(table: string): string {
  const lines = table.split('\n');
  return `\x1b[H${lines.map((l) => `${l}\x1b[K`).join('\n')}\n\x1b[J`;
}

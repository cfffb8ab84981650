/**
 * Resource usage of a container from its cgroups, read where the runtime placed its init process
 * (`/proc/<pid>/cgroup`), on cgroup v1 (one hierarchy per controller) and v2 (unified) hosts.
 * The parsers are pure; `readCgroupStats` and `readHostCpu` are the only effects.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface BlkioEntry {
  major: number;
  minor: number;
  /** `Read`, `Write`, … as the v1 files spell them; `read`/`write` on v2, as Docker reports them. */
  op: string;
  value: number;
}

export interface CgroupStats {
  version: 1 | 2;
  cpu: {
    /** Nanoseconds. */
    total: number;
    user: number;
    kernel: number;
    /** v1 only. */
    perCpu: number[];
    throttling: { periods: number; throttledPeriods: number; throttledTime: number };
  };
  memory: { usage: number; maxUsage: number; failcnt: number; limit: number; stats: Record<string, number> };
  pids: { current: number; limit: number };
  blkio: { serviceBytes: BlkioEntry[]; serviced: BlkioEntry[] };
}

export interface NetDevStats {
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDropped: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDropped: number;
}

/** USER_HZ: the unit of cpuacct.stat and /proc/stat on Linux. */
const CLOCK_TICKS = 100;
const NS_PER_TICK = 1e9 / CLOCK_TICKS;

/** `key value` lines (memory.stat, cpu.stat, cpuacct.stat) → numbers. */
export function parseKeyValues(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && /^\d+$/.test(value)) out[key] = Number(value);
  }
  return out;
}

/** A single-number file; `max` (v2, pids.max) and absent files are 0, Docker's "no value". */
export function parseNumber(text: string | undefined): number {
  const t = (text ?? '').trim();
  return /^\d+$/.test(t) ? Number(t) : 0;
}

/** v1 blkio files: `8:0 Read 4096` per device and op, then a `Total` line that is dropped. */
export function parseBlkioV1(text: string): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+):(\d+)\s+(\S+)\s+(\d+)$/.exec(line.trim());
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3]!, value: Number(m[4]) });
  }
  return out;
}

/** v2 io.stat: `8:0 rbytes=1 wbytes=2 rios=3 wios=4 …` → bytes and operations as read/write entries. */
export function parseIoStatV2(text: string): { serviceBytes: BlkioEntry[]; serviced: BlkioEntry[] } {
  const serviceBytes: BlkioEntry[] = [];
  const serviced: BlkioEntry[] = [];
  for (const line of text.split('\n')) {
    const [dev, ...fields] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    const kv = Object.fromEntries(fields.map((f) => f.split('=') as [string, string]));
    const major = Number(m[1]);
    const minor = Number(m[2]);
    serviceBytes.push({ major, minor, op: 'read', value: parseNumber(kv['rbytes']) }, { major, minor, op: 'write', value: parseNumber(kv['wbytes']) });
    serviced.push({ major, minor, op: 'read', value: parseNumber(kv['rios']) }, { major, minor, op: 'write', value: parseNumber(kv['wios']) });
  }
  return { serviceBytes, serviced };
}

/**
 * /proc/<pid>/cgroup: v1 lines `4:memory:/berth/<id>` (controllers may be joined: `cpu,cpuacct`),
 * the v2 line `0::/path`. Keys are single controller names, `''` for the unified hierarchy.
 */
export function parseProcCgroup(text: string): Map<string, { dir: string; path: string }> {
  const out = new Map<string, { dir: string; path: string }>();
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const dir = m[1]!;
    const path = m[2]!;
    if (dir === '') out.set('', { dir: '', path });
    for (const c of dir.split(',')) if (c !== '') out.set(c, { dir, path });
  }
  return out;
}

/** /proc/net/dev of a network namespace: per interface counters, loopback left out (as Docker). */
export function parseNetDev(text: string): Record<string, NetDevStats> {
  const out: Record<string, NetDevStats> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!m || m[1] === 'lo') continue;
    const f = m[2]!.trim().split(/\s+/).map(Number);
    if (f.length < 16) continue;
    out[m[1]!] = {
      rxBytes: f[0]!,
      rxPackets: f[1]!,
      rxErrors: f[2]!,
      rxDropped: f[3]!,
      txBytes: f[8]!,
      txPackets: f[9]!,
      txErrors: f[10]!,
      txDropped: f[11]!,
    };
  }
  return out;
}

/**
 * /proc/stat: the host's CPU time in nanoseconds (the first seven fields of the `cpu` line, as
 * Docker sums them) and the number of `cpuN` lines, which are the online CPUs.
 */
export function parseProcStat(text: string): { systemUsage: number; onlineCpus: number } {
  let systemUsage = 0;
  let onlineCpus = 0;
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] === 'cpu') {
      systemUsage = fields.slice(1, 8).reduce((sum, v) => sum + Number(v), 0) * NS_PER_TICK;
    } else if (/^cpu\d+$/.test(fields[0] ?? '')) {
      onlineCpus++;
    }
  }
  return { systemUsage, onlineCpus };
}

const readText = (path: string): Promise<string | undefined> => readFile(path, 'utf8').catch(() => undefined);

/** The host's CPU time and online CPUs (system_cpu_usage, online_cpus). */
export async function readHostCpu(): Promise<{ systemUsage: number; onlineCpus: number }> {
  return parseProcStat((await readText('/proc/stat')) ?? '');
}

/** The network counters seen from inside `pid`'s network namespace. */
export async function readNetDev(pid: number): Promise<Record<string, NetDevStats>> {
  return parseNetDev((await readText(`/proc/${pid}/net/dev`)) ?? '');
}

/**
 * Reads the cgroup of process `pid` (the container's init). Throws when the process is gone; a
 * controller that is not mounted reads as zeros. `root` and `proc` are the mount points.
 */
export async function readCgroupStats(pid: number, root = '/sys/fs/cgroup', proc = '/proc'): Promise<CgroupStats> {
  const cgroups = parseProcCgroup(await readFile(join(proc, String(pid), 'cgroup'), 'utf8'));
  if (cgroups.has('memory') || cgroups.has('cpuacct')) return readV1(cgroups, root);
  return readV2(join(root, cgroups.get('')?.path ?? '/'));
}

async function readV1(cgroups: Map<string, { dir: string; path: string }>, root: string): Promise<CgroupStats> {
  const file = (controller: string, name: string): Promise<string | undefined> => {
    const cg = cgroups.get(controller);
    return cg ? readText(join(root, cg.dir, cg.path, name)) : Promise.resolve(undefined);
  };
  const [usage, percpu, cpuacctStat, cpuStat, memUsage, memMax, memFail, memLimit, memStat, pidsCurrent, pidsMax] = await Promise.all([
    file('cpuacct', 'cpuacct.usage'),
    file('cpuacct', 'cpuacct.usage_percpu'),
    file('cpuacct', 'cpuacct.stat'),
    file('cpu', 'cpu.stat'),
    file('memory', 'memory.usage_in_bytes'),
    file('memory', 'memory.max_usage_in_bytes'),
    file('memory', 'memory.failcnt'),
    file('memory', 'memory.limit_in_bytes'),
    file('memory', 'memory.stat'),
    file('pids', 'pids.current'),
    file('pids', 'pids.max'),
  ]);
  // The CFQ/BFQ files when the scheduler keeps them, else the throttle layer's (runc does the same).
  let serviceBytes = parseBlkioV1((await file('blkio', 'blkio.io_service_bytes_recursive')) ?? '');
  let serviced = parseBlkioV1((await file('blkio', 'blkio.io_serviced_recursive')) ?? '');
  if (serviceBytes.length === 0) serviceBytes = parseBlkioV1((await file('blkio', 'blkio.throttle.io_service_bytes_recursive')) ?? '');
  if (serviced.length === 0) serviced = parseBlkioV1((await file('blkio', 'blkio.throttle.io_serviced_recursive')) ?? '');
  const acct = parseKeyValues(cpuacctStat ?? '');
  const throttle = parseKeyValues(cpuStat ?? '');
  return {
    version: 1,
    cpu: {
      total: parseNumber(usage),
      user: (acct['user'] ?? 0) * NS_PER_TICK,
      kernel: (acct['system'] ?? 0) * NS_PER_TICK,
      perCpu: (percpu ?? '').trim().split(/\s+/).filter((v) => v !== '').map(Number),
      throttling: { periods: throttle['nr_periods'] ?? 0, throttledPeriods: throttle['nr_throttled'] ?? 0, throttledTime: throttle['throttled_time'] ?? 0 },
    },
    memory: {
      usage: parseNumber(memUsage),
      maxUsage: parseNumber(memMax),
      failcnt: parseNumber(memFail),
      limit: parseNumber(memLimit),
      stats: parseKeyValues(memStat ?? ''),
    },
    pids: { current: parseNumber(pidsCurrent), limit: parseNumber(pidsMax) },
    blkio: { serviceBytes, serviced },
  };
}

async function readV2(dir: string): Promise<CgroupStats> {
  const file = (name: string) => readText(join(dir, name));
  const [cpuStat, memCurrent, memPeak, memMax, memStat, pidsCurrent, pidsMax, ioStat] = await Promise.all([
    file('cpu.stat'),
    file('memory.current'),
    file('memory.peak'),
    file('memory.max'),
    file('memory.stat'),
    file('pids.current'),
    file('pids.max'),
    file('io.stat'),
  ]);
  const cpu = parseKeyValues(cpuStat ?? '');
  return {
    version: 2,
    cpu: {
      total: (cpu['usage_usec'] ?? 0) * 1000,
      user: (cpu['user_usec'] ?? 0) * 1000,
      kernel: (cpu['system_usec'] ?? 0) * 1000,
      perCpu: [],
      throttling: { periods: cpu['nr_periods'] ?? 0, throttledPeriods: cpu['nr_throttled'] ?? 0, throttledTime: (cpu['throttled_usec'] ?? 0) * 1000 },
    },
    memory: { usage: parseNumber(memCurrent), maxUsage: parseNumber(memPeak), failcnt: 0, limit: parseNumber(memMax), stats: parseKeyValues(memStat ?? '') },
    pids: { current: parseNumber(pidsCurrent), limit: parseNumber(pidsMax) },
    blkio: parseIoStatV2(ioStat ?? ''),
  };
}

/** The CPUs and memory nodes the host has online, as Linux lists them (`0-1`); a host without NUMA has node 0. */
export function onlineCpuset(sys = '/sys/devices/system'): { cpus: string; mems: string } {
  const read = (f: string): string => {
    try {
      return readFileSync(join(sys, f), 'utf8').trim();
    } catch {
      return '';
    }
  };
  return { cpus: read('cpu/online'), mems: read('node/online') || '0' };
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { ContainerId } from '../oci/ids.js';
import { readCgroupStats, readHostCpu, readNetDev, type CgroupStats, type NetDevStats } from '../runtime/cgroup-stats.js';
import { isRunning, type ContainerRecord } from './container-model.js';

export type { BlkioEntry } from '../runtime/cgroup-stats.js';

/** One reading of a running container's cgroup, with the host CPU time it is measured against. */
export interface StatsSample {
  /** ISO time of the reading. */
  read: string;
  cgroup: CgroupStats;
  host: { systemUsage: number; onlineCpus: number };
  /** Per interface inside the container's network namespace; absent with the host's network. */
  networks?: Record<string, NetDevStats>;
}

/** What `GET /containers/{id}/stats` sends each time: the current reading and the one before it. */
export interface StatsReport {
  id: ContainerId;
  name: string;
  /** Absent when the container is not running (Docker then sends zeros). */
  current?: StatsSample;
  previous?: StatsSample;
}

export interface StatsOptions {
  /** One report per interval until the client leaves or the container is removed. */
  stream: boolean;
  /** Without stream: answer at once, without the previous reading that CPU % needs. */
  oneShot: boolean;
  signal: AbortSignal;
}

export interface StatsDeps {
  containers: { get(ref: string): ContainerRecord; index: { find(ref: string): ContainerRecord | undefined } };
  /** Reported as the limit of a container without one, as Docker does. */
  hostMemory: number;
  intervalMs?: number;
}

/** Container resource usage from cgroups, as single answers or a stream (`docker stats`). */
export class StatsService {
  private readonly intervalMs: number;

  constructor(private readonly deps: StatsDeps) {
    this.intervalMs = deps.intervalMs ?? 1000;
  }

  /** Resolves the container now (NotFound before any response is sent), then reads lazily. */
  open(ref: string, opts: StatsOptions): AsyncIterable<StatsReport> {
    const c = this.deps.containers.get(ref);
    return this.reports(c, opts);
  }

  private async *reports(c: ContainerRecord, opts: StatsOptions): AsyncGenerator<StatsReport> {
    const report = (current?: StatsSample, previous?: StatsSample): StatsReport => ({ id: c.id, name: c.name, current, previous });
    if (!opts.stream) {
      const first = await this.sample(c);
      if (!first || opts.oneShot) {
        yield report(first);
        return;
      }
      // Docker primes the CPU counters with a first reading so CPU % is not 0.
      if (!(await this.pause(opts.signal))) return;
      const second = await this.sample(c);
      yield second ? report(second, first) : report();
      return;
    }
    let previous: StatsSample | undefined;
    while (this.deps.containers.index.find(c.id)) {
      const current = await this.sample(c);
      yield report(current, previous);
      previous = current;
      if (!(await this.pause(opts.signal))) return;
    }
  }

  private async pause(signal: AbortSignal): Promise<boolean> {
    try {
      await sleep(this.intervalMs, undefined, { signal });
      return true;
    } catch {
      return false;
    }
  }

  /** A reading, or undefined when the container is not running (or its process just went away). */
  private async sample(c: ContainerRecord): Promise<StatsSample | undefined> {
    if (!isRunning(c) || c.state.pid <= 0) return undefined;
    const pid = c.state.pid;
    try {
      const [cgroup, host, networks] = await Promise.all([
        readCgroupStats(pid),
        readHostCpu(),
        c.hostConfig.NetworkMode === 'host' ? undefined : readNetDev(pid),
      ]);
      // An unlimited cgroup reports a huge number (v1) or nothing (v2): show the host's memory instead.
      if (cgroup.memory.limit === 0 || cgroup.memory.limit > this.deps.hostMemory) cgroup.memory.limit = this.deps.hostMemory;
      return { read: new Date().toISOString(), cgroup, host, ...(networks && Object.keys(networks).length > 0 ? { networks } : {}) };
    } catch {
      return undefined;
    }
  }
}

import { mkdir, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';

/** The daemon's `--cpu-rt-period`/`--cpu-rt-runtime` (µs; 0 leaves the kernel's). */
export interface CpuRtBudget {
  period: number;
  runtime: number;
}

/**
 * Gives each ancestor of a container's cgroup (`cgroupsPath`, below the cpu hierarchy's root)
 * the daemon's real-time period and runtime, top down, making missing ones, as dockerd's
 * initCPURtController does: the kernel lets a group have no more real-time time than its parent,
 * and a new group has none, so without this no container could get any.
 */
export async function giveCpuRtToParents(cgroupsPath: string, budget: CpuRtBudget, cpuRoot = '/sys/fs/cgroup/cpu'): Promise<void> {
  const parts = posix.dirname(posix.resolve('/', cgroupsPath)).split('/').filter((p) => p !== '');
  let dir = cpuRoot;
  for (const part of parts) {
    dir = join(dir, part);
    await mkdir(dir, { recursive: true });
    if (budget.period) await writeFile(join(dir, 'cpu.rt_period_us'), String(budget.period));
    if (budget.runtime) await writeFile(join(dir, 'cpu.rt_runtime_us'), String(budget.runtime));
  }
}

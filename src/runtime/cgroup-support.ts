/**
 * What the host's cgroups can limit, found as dockerd's sysinfo finds it: by the controller files
 * present (cgroup v1) or the controllers enabled (v2). Read at each use, so it follows the host.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CgroupSupport {
  /** A relative weight for block I/O (CFQ/BFQ on v1, the io controller on v2). */
  blkioWeight: boolean;
  blkioWeightDevice: boolean;
  blkioReadBps: boolean;
  blkioWriteBps: boolean;
  blkioReadIOps: boolean;
  blkioWriteIOps: boolean;
  /** Real-time group scheduling (CONFIG_RT_GROUP_SCHED): v1's cpu.rt_period_us; none on v2. */
  cpuRealtime: boolean;
  /** A limit on memory + swap: v1's memory.memsw files (swap accounting on), v2's memory controller. */
  swapLimit: boolean;
}

export function cgroupSupport(root = '/sys/fs/cgroup'): CgroupSupport {
  let v2Controllers: string[] | undefined;
  try {
    v2Controllers = readFileSync(join(root, 'cgroup.controllers'), 'utf8').split(/\s+/);
  } catch {
    // Not a unified (v2-only) host.
  }
  if (v2Controllers !== undefined) {
    const io = v2Controllers.includes('io');
    const memory = v2Controllers.includes('memory');
    return { blkioWeight: io, blkioWeightDevice: io, blkioReadBps: io, blkioWriteBps: io, blkioReadIOps: io, blkioWriteIOps: io, cpuRealtime: false, swapLimit: memory };
  }
  const has = (controller: string, ...files: string[]): boolean => files.some((f) => existsSync(join(root, controller, f)));
  return {
    blkioWeight: has('blkio', 'blkio.weight', 'blkio.bfq.weight'),
    blkioWeightDevice: has('blkio', 'blkio.weight_device', 'blkio.bfq.weight_device'),
    blkioReadBps: has('blkio', 'blkio.throttle.read_bps_device'),
    blkioWriteBps: has('blkio', 'blkio.throttle.write_bps_device'),
    blkioReadIOps: has('blkio', 'blkio.throttle.read_iops_device'),
    blkioWriteIOps: has('blkio', 'blkio.throttle.write_iops_device'),
    cpuRealtime: has('cpu', 'cpu.rt_period_us'),
    swapLimit: has('memory', 'memory.memsw.limit_in_bytes'),
  };
}

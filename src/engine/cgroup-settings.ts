import { posix } from 'node:path';
import { invalidArgument } from '../lib/errors.js';
import type { CgroupSupport } from '../runtime/cgroup-support.js';
import type { HostConfigSpec } from './container-model.js';

/** `--blkio-weight` as dockerd takes it at create and update: dropped with its warning where the kernel has no weight, else 10 to 1000 (0 is unset). */
export function checkBlkioWeight(weight: number, supported: boolean): { weight: number; warning?: string } {
  if (weight > 0 && !supported) return { weight: 0, warning: 'Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.' };
  if (weight > 0 && (weight < 10 || weight > 1000)) throw invalidArgument('invalid_blkio_weight', 'Range of blkio weight is from 10 to 1000');
  return { weight };
}

// The per-device settings, what the host needs for each and dockerd's warning when it lacks it.
const DEVICE_SETTINGS = [
  ['BlkioWeightDevice', 'blkioWeightDevice', 'Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.'],
  ['BlkioDeviceReadBps', 'blkioReadBps', 'Your kernel does not support BPS Block I/O read limit or the cgroup is not mounted. Block I/O BPS read limit discarded.'],
  ['BlkioDeviceWriteBps', 'blkioWriteBps', 'Your kernel does not support BPS Block I/O write limit or the cgroup is not mounted. Block I/O BPS write limit discarded.'],
  ['BlkioDeviceReadIOps', 'blkioReadIOps', 'Your kernel does not support IOPS Block read limit or the cgroup is not mounted. Block I/O IOPS read limit discarded.'],
  ['BlkioDeviceWriteIOps', 'blkioWriteIOps', 'Your kernel does not support IOPS Block write limit or the cgroup is not mounted. Block I/O IOPS write limit discarded.'],
] as const;

const NAMESPACE_MODES = ['host', 'private'];

/**
 * dockerd's create-time handling of the cgroup settings (`--cgroupns`, `--cgroup-parent`,
 * `--blkio-*`, `--device-{read,write}-*`, `--cpu-rt-*`) on `hc`, in place: the namespace mode
 * recorded (the daemon's `defaultMode` when none is asked for), block I/O settings the host's
 * cgroups cannot apply dropped with dockerd's warnings, what dockerd refuses refused. Returns the
 * warnings.
 */
export function adaptCgroupSettings(hc: HostConfigSpec, supportOf: () => CgroupSupport, defaultMode: 'private' | 'host'): string[] {
  const warnings: string[] = [];
  // Read from the host only when a setting needs it: most creates ask for none.
  let cached: CgroupSupport | undefined;
  const support = (): CgroupSupport => (cached ??= supportOf());
  const mode = hc.CgroupnsMode || defaultMode;
  if (!NAMESPACE_MODES.includes(mode)) throw invalidArgument('invalid_cgroupns_mode', `invalid cgroup namespace mode: ${mode}`);
  hc.CgroupnsMode = mode;

  const period = hc.CpuRealtimePeriod ?? 0;
  const runtime = hc.CpuRealtimeRuntime ?? 0;
  if ((period !== 0 || runtime !== 0) && !support().cpuRealtime) throw invalidArgument('cpu_realtime_unsupported', 'Your kernel does not support CPU real-time scheduler');
  if (period !== 0 && runtime !== 0 && runtime > period) throw invalidArgument('invalid_cpu_realtime', 'cpu real-time runtime cannot be higher than cpu real-time period');

  // dockerd's swap: as much again as the memory limit unless asked otherwise; unlimited, with its
  // warning, where the host's cgroups cannot limit swap.
  const memory = hc.Memory ?? 0;
  if (memory > 0 && hc.MemorySwap !== -1 && !support().swapLimit) {
    warnings.push('Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.');
    hc.MemorySwap = -1;
  } else if (memory > 0 && !hc.MemorySwap) {
    hc.MemorySwap = memory * 2;
  }

  const weight = checkBlkioWeight(hc.BlkioWeight ?? 0, !hc.BlkioWeight || support().blkioWeight);
  if (weight.warning) warnings.push(weight.warning);
  if (hc.BlkioWeight !== undefined) hc.BlkioWeight = weight.weight;
  for (const [field, needs, warning] of DEVICE_SETTINGS) {
    const list = (hc[field] ?? []) as readonly { Path?: unknown; Rate?: unknown; Weight?: unknown }[];
    for (const d of list) {
      const value = field === 'BlkioWeightDevice' ? d.Weight : d.Rate;
      if (typeof d.Path !== 'string' || d.Path === '' || !Number.isSafeInteger(value) || (value as number) < 0) {
        throw invalidArgument('invalid_blkio_device', `invalid ${field} entry: ${JSON.stringify(d)}`);
      }
    }
    if (list.length > 0 && !support()[needs]) {
      warnings.push(warning);
      hc[field] = [];
    }
  }
  return warnings;
}

/** The container's cgroup: `/berth/<id>`, or under `--cgroup-parent` (relative to the hierarchies' root, `..` kept inside it). */
export function cgroupPath(id: string, parent: string | undefined): string {
  return posix.join(posix.resolve('/', parent || '/berth'), id);
}

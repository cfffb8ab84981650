import { BerthError, conflict, errorMessage, invalidArgument } from '../lib/errors.js';
import type { OciRuntime } from '../runtime/monitor/oci-runtime.js';
import { cpusToQuota } from '../runtime/spec/generate.js';
import { checkBlkioWeight } from './cgroup-settings.js';
import { checkCpuset } from '../runtime/spec/settings-check.js';
import type { LinuxResources } from '../runtime/spec/types.js';
import { isRunning, type ContainerRecord, type HostConfigSpec } from './container-model.js';

/** The fields of `POST /containers/{id}/update`, by HostConfig's names (they persist there). */
export interface ResourceUpdate {
  BlkioWeight?: number;
  CpuShares?: number;
  CpuPeriod?: number;
  CpuQuota?: number;
  CpuRealtimePeriod?: number;
  CpuRealtimeRuntime?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  NanoCpus?: number;
  Memory?: number;
  MemorySwap?: number;
  MemoryReservation?: number;
  PidsLimit?: number | null;
  RestartPolicy?: { Name?: string; MaximumRetryCount?: number };
}

export interface HostLimits {
  /** Whether the kernel's block I/O controller takes a weight (CFQ/BFQ). */
  blkioWeight: boolean;
  cpus: number;
  /** The host's online CPUs and memory nodes, as Linux lists them (`0-1`). */
  onlineCpus: string;
  onlineMems: string;
}

export interface UpdatePlan {
  hostConfig: HostConfigSpec;
  /** What the runtime changes on a running container; empty when nothing does. */
  resources: LinuxResources;
  warnings: string[];
}

const MIN_MEMORY = 6 * 1024 * 1024;
const RESTART_POLICIES = ['', 'no', 'always', 'unless-stopped', 'on-failure'];

/** Docker's checks of the values themselves (its verifyContainerSettings for an update). */
function checkValues(u: ResourceUpdate, host: HostLimits): string[] {
  const warnings: string[] = [];
  const memory = u.Memory ?? 0;
  const swap = u.MemorySwap ?? 0;
  const reservation = u.MemoryReservation ?? 0;
  if (memory !== 0 && memory < MIN_MEMORY) throw invalidArgument('invalid_memory', 'Minimum memory limit allowed is 6MB');
  if (memory > 0 && swap > 0 && swap < memory) {
    throw invalidArgument('invalid_memory', 'Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  if (reservation !== 0 && reservation < MIN_MEMORY) throw invalidArgument('invalid_memory', 'Minimum memory reservation allowed is 6MB');
  if (memory > 0 && reservation > 0 && memory < reservation) {
    throw invalidArgument('invalid_memory', 'Minimum memory limit can not be less than memory reservation limit, see usage');
  }
  const nano = u.NanoCpus ?? 0;
  if (nano > 0 && (u.CpuPeriod ?? 0) > 0) throw invalidArgument('invalid_cpus', 'Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (nano > 0 && (u.CpuQuota ?? 0) > 0) throw invalidArgument('invalid_cpus', 'Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  if (nano < 0 || nano > host.cpus * 1e9) {
    throw invalidArgument('invalid_cpus', `Range of CPUs is from 0.01 to ${host.cpus}.00, as there are only ${host.cpus} CPUs available`);
  }
  const period = u.CpuPeriod ?? 0;
  if (period !== 0 && (period < 1000 || period > 1_000_000)) {
    throw invalidArgument('invalid_cpu_period', 'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  }
  if ((u.CpuQuota ?? 0) > 0 && (u.CpuQuota ?? 0) < 1000) throw invalidArgument('invalid_cpu_quota', 'CPU cfs quota can not be less than 1ms (i.e. 1000)');
  if (u.CpusetCpus) checkCpuset('cpus', u.CpusetCpus, host.onlineCpus);
  if (u.CpusetMems) checkCpuset('mems', u.CpusetMems, host.onlineMems);
  const weight = checkBlkioWeight(u.BlkioWeight ?? 0, host.blkioWeight);
  if (weight.warning) warnings.push(weight.warning);
  const policy = u.RestartPolicy;
  if (policy?.Name !== undefined) {
    if (!RESTART_POLICIES.includes(policy.Name)) throw invalidArgument('invalid_restart_policy', `invalid restart policy: unknown policy '${policy.Name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
    const count = policy.MaximumRetryCount ?? 0;
    if (count < 0) throw invalidArgument('invalid_restart_policy', 'invalid restart policy: maximum retry count cannot be negative');
    if (count > 0 && policy.Name !== 'on-failure') {
      throw invalidArgument('invalid_restart_policy', "invalid restart policy: maximum retry count can only be used with 'on-failure'");
    }
  }
  return warnings;
}

/**
 * Merges an update into a container's HostConfig as Docker does (zero means "unchanged"), with
 * Docker's checks and wording; the resources to hand the runtime for a running container. Pure.
 * Errors about the container's existing settings come back as `Cannot update container <id>: …`.
 */
export function planUpdate(c: Pick<ContainerRecord, 'id' | 'hostConfig'>, u: ResourceUpdate, host: HostLimits): UpdatePlan {
  const warnings = checkValues(u, host);
  const cur = c.hostConfig;
  const cannot = (msg: string) => invalidArgument('cannot_update', `Cannot update container ${c.id}: ${msg}`);
  const nano = u.NanoCpus ?? 0;
  if (nano > 0 && (cur.CpuPeriod ?? 0) > 0) throw cannot('Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set');
  if (nano > 0 && (cur.CpuQuota ?? 0) > 0) throw cannot('Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set');
  if ((u.CpuPeriod ?? 0) > 0 && (cur.NanoCpus ?? 0) > 0) throw cannot('Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set');
  if ((u.CpuQuota ?? 0) > 0 && (cur.NanoCpus ?? 0) > 0) throw cannot('Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set');
  const memory = u.Memory ?? 0;
  const swap = u.MemorySwap ?? 0;
  if (memory !== 0 && (cur.MemorySwap ?? 0) > 0 && memory > (cur.MemorySwap ?? 0) && swap === 0) {
    throw cannot('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
  }
  const policy = u.RestartPolicy;
  if (policy?.Name && cur.AutoRemove && policy.Name !== 'no') {
    throw cannot('Restart policy cannot be updated because AutoRemove is enabled for the container');
  }

  const hc: HostConfigSpec = { ...cur };
  const resources: LinuxResources = {};
  const weight = host.blkioWeight ? (u.BlkioWeight ?? 0) : 0;
  if (weight !== 0) {
    hc['BlkioWeight'] = weight;
    resources.blockIO = { weight };
  }
  const cpu: NonNullable<LinuxResources['cpu']> = {};
  if ((u.CpuShares ?? 0) !== 0) cpu.shares = hc.CpuShares = u.CpuShares ?? 0;
  if (nano !== 0) {
    hc.NanoCpus = nano;
    const q = cpusToQuota(nano / 1e9);
    cpu.quota = q.cpuQuota;
    cpu.period = q.cpuPeriod;
  }
  if ((u.CpuPeriod ?? 0) !== 0) cpu.period = hc.CpuPeriod = u.CpuPeriod ?? 0;
  if ((u.CpuQuota ?? 0) !== 0) cpu.quota = hc.CpuQuota = u.CpuQuota ?? 0;
  if ((u.CpuRealtimePeriod ?? 0) !== 0) cpu.realtimePeriod = hc.CpuRealtimePeriod = u.CpuRealtimePeriod ?? 0;
  if ((u.CpuRealtimeRuntime ?? 0) !== 0) cpu.realtimeRuntime = hc.CpuRealtimeRuntime = u.CpuRealtimeRuntime ?? 0;
  if (u.CpusetCpus) cpu.cpus = hc.CpusetCpus = u.CpusetCpus;
  if (u.CpusetMems) cpu.mems = hc.CpusetMems = u.CpusetMems;
  if (Object.keys(cpu).length > 0) resources.cpu = cpu;
  const mem: NonNullable<LinuxResources['memory']> = {};
  if (memory !== 0) mem.limit = hc.Memory = memory;
  if (swap !== 0) mem.swap = hc.MemorySwap = swap;
  if ((u.MemoryReservation ?? 0) !== 0) mem.reservation = hc['MemoryReservation'] = u.MemoryReservation ?? 0;
  if (Object.keys(mem).length > 0) resources.memory = mem;
  if (u.PidsLimit !== undefined && u.PidsLimit !== null) {
    // Zero or negative is "unlimited", which Docker records as 0 and the runtime spells -1.
    hc.PidsLimit = u.PidsLimit > 0 ? u.PidsLimit : 0;
    resources.pids = { limit: u.PidsLimit > 0 ? u.PidsLimit : -1 };
  }
  if (policy?.Name) hc.RestartPolicy = { Name: policy.Name, MaximumRetryCount: policy.MaximumRetryCount ?? 0 };
  return { hostConfig: hc, resources, warnings };
}

export interface UpdateDeps {
  containers: {
    get(ref: string): ContainerRecord;
    runtimeOf(c: ContainerRecord): OciRuntime;
    index: { save(c: ContainerRecord): void };
    recordEvent(c: ContainerRecord, action: string): void;
  };
  host: () => HostLimits;
}

/** `docker update`: new limits recorded in HostConfig, applied at once to a running container. */
export class ContainerUpdater {
  constructor(private readonly deps: UpdateDeps) {}

  async update(ref: string, u: ResourceUpdate): Promise<{ warnings: string[] }> {
    const c = this.deps.containers.get(ref);
    if (c.state.status === 'removing' || c.state.status === 'dead') {
      throw conflict('cannot_update', `Cannot update container ${c.id}: container is marked for removal and cannot be "update"`);
    }
    const plan = planUpdate(c, u, this.deps.host());
    if (isRunning(c) && Object.keys(plan.resources).length > 0) {
      try {
        await this.deps.containers.runtimeOf(c).update(c.id, plan.resources);
      } catch (e) {
        // The runtime passes the kernel's refusal on (a limit below current usage, for one).
        const msg = e instanceof BerthError ? e.message.replace(/^OCI runtime error: /, '') : errorMessage(e);
        throw new BerthError('Internal', 'cannot_update', `Cannot update container ${c.id}: ${msg}`, { cause: e });
      }
    }
    c.hostConfig = plan.hostConfig;
    this.deps.containers.index.save(c);
    this.deps.containers.recordEvent(c, 'update');
    return { warnings: plan.warnings };
  }
}

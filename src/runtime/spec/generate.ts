import { posix } from 'node:path';
import { internal, invalidArgument } from '../../lib/errors.js';
import { CAPABILITY_NAMES, effectiveCapabilities } from './capabilities.js';
import {
  DEFAULT_CAPABILITIES,
  DEFAULT_MASKED_PATHS,
  DEFAULT_READONLY_PATHS,
  INIT_DESTINATION,
  OCI_VERSION,
  defaultDeviceRules,
  defaultMounts,
  privilegedDeviceRules,
} from './defaults.js';
import { type HostRlimits, type Ulimit, resolveRlimits } from './rlimits.js';
import { type SeccompProfile, convertSeccompProfile } from './seccomp.js';
import type { NamespaceSharing } from './settings-check.js';
import type {
  Hooks,
  LinuxBlockIO,
  LinuxCapabilities,
  LinuxCpu,
  LinuxDevice,
  LinuxDeviceCgroup,
  LinuxMemory,
  LinuxNamespace,
  LinuxResources,
  LinuxSeccomp,
  Mount,
  RuntimeSpec,
} from './types.js';

export { effectiveCapabilities, parseCapabilities, readHeldCapabilities } from './capabilities.js';

/** `host` shares the daemon's network namespace; `{path}` joins one; `{}` creates a new one. */
export type NetworkNamespace = 'host' | { path?: string };

/**
 * The seccomp filter: an already converted OCI object, `unconfined`, or a profile file's contents
 * that generateSpec converts for the container's own capabilities (the usual case, since which
 * rules apply depends on --cap-add/--cap-drop).
 */
export type SeccompInput =
  | 'unconfined'
  | LinuxSeccomp
  | { profile: SeccompProfile; arch: string; kernelVersion?: string };

/**
 * Engine-level facts about one container, already resolved (image config merged, user looked up
 * in the rootfs, network namespace prepared). generateSpec adds docker's defaults around them.
 */
export interface SpecInput {
  /** Absolute host path of the mounted rootfs. */
  rootfsPath: string;
  readonlyRootfs?: boolean;
  args: string[];
  env: string[];
  /** Absolute path inside the container. */
  cwd: string;
  user: { uid: number; gid: number; additionalGids: number[] };
  terminal: boolean;
  hostname?: string;
  privileged?: boolean;
  /** Docker names, any case, with or without `CAP_`; `ALL` allowed. Ignored when privileged. */
  capAdd?: string[];
  capDrop?: string[];
  /** The daemon's own effective capabilities (readHeldCapabilities); all known ones when absent. */
  capabilityHolder?: string[];
  noNewPrivileges?: boolean;
  /** Ignored when privileged: a privileged container runs unconfined, as with docker. */
  seccompProfile: SeccompInput;
  /** Replace the default masked/read-only paths; privileged containers get none either way. */
  maskedPaths?: string[];
  readonlyPaths?: string[];
  memoryBytes?: number;
  /** Memory plus swap; -1 unlimited; unset or 0 means twice memoryBytes, as docker. */
  memorySwapBytes?: number;
  /** The soft limit (`--memory-reservation`). */
  memoryReservationBytes?: number;
  cpuQuota?: number;
  cpuPeriod?: number;
  cpuShares?: number;
  /** `--cpu-rt-period`, `--cpu-rt-runtime` in µs (the kernel's RT group scheduling). */
  cpuRealtimePeriod?: number;
  cpuRealtimeRuntime?: number;
  /** `--blkio-weight` and the per-device limits, devices already resolved to their numbers. */
  blockIO?: LinuxBlockIO;
  /** Zero or negative means unlimited. */
  pidsLimit?: number;
  ulimits?: Ulimit[];
  /** The daemon's own limits (parseProcLimits); no rlimit is set above their hard limits. */
  hostRlimits?: HostRlimits;
  /** The network namespace; pid, ipc, uts and cgroup are the container's own unless `host`. */
  namespaces?: { network?: NetworkNamespace; pid?: NamespaceSharing; ipc?: NamespaceSharing; uts?: NamespaceSharing; cgroup?: NamespaceSharing };
  /** `--cpuset-cpus`, `--cpuset-mems` (checked at create: see checkCpuset). */
  cpusetCpus?: string;
  cpusetMems?: string;
  oomKillDisable?: boolean;
  /** 0-100; unset or -1 leaves the kernel's. */
  memorySwappiness?: number;
  /** The NIS domain name, set as the kernel.domainname sysctl: runc 1.1 ignores the spec's `domainname`. */
  domainname?: string;
  /** What the runtime names the container's cgroup, e.g. `/berth/<id>`. */
  cgroupsPath: string;
  /** /dev/shm's size (`--shm-size`); DEFAULT_SHM_SIZE when unset. */
  shmSizeBytes?: number;
  /** Binds and volumes, after the defaults; one at a default mount's destination replaces it. */
  mounts?: Mount[];
  /** Device nodes to create (host devices for --device or a privileged container). */
  devices?: LinuxDevice[];
  /** Devices-cgroup allow rules after the defaults (--device's permissions, --device-cgroup-rule); a privileged container allows all. */
  deviceRules?: LinuxDeviceCgroup[];
  sysctl?: Record<string, string>;
  oomScoreAdj?: number;
  hooks?: Hooks;
  annotations?: Record<string, string>;
  /** `--init`: the host path of the init binary (e.g. DEFAULT_INIT_PATH). */
  init?: { path: string };
}

const MIN_MEMORY = 6 * 1024 * 1024;

/**
 * linux.resources.memory for docker's --memory/--memory-swap, with docker's checks and its
 * default of swap = 2 × memory. Exported so create can reject bad values before start.
 */
export function memoryResources(memoryBytes?: number, memorySwapBytes?: number): LinuxMemory | undefined {
  const memory = memoryBytes ?? 0;
  const swap = memorySwapBytes ?? 0;
  if (memory === 0) {
    if (swap > 0) {
      throw invalidArgument(
        'invalid_memory',
        'You should always set the Memory limit when using Memoryswap limit, see usage',
      );
    }
    return undefined;
  }
  if (!Number.isSafeInteger(memory) || memory < MIN_MEMORY) {
    throw invalidArgument('invalid_memory', 'Minimum memory limit allowed is 6MB');
  }
  if (swap > 0 && swap < memory) {
    throw invalidArgument(
      'invalid_memory',
      'Minimum memoryswap limit should be larger than memory limit, see usage',
    );
  }
  return { limit: memory, swap: swap === 0 ? memory * 2 : swap };
}

/** CFS period and quota for docker's `--cpus` (period 100ms, quota the share of it). */
export function cpusToQuota(cpus: number): { cpuQuota: number; cpuPeriod: number } {
  if (!Number.isFinite(cpus) || cpus <= 0) {
    throw invalidArgument('invalid_cpus', `invalid value for --cpus: ${cpus}`);
  }
  const cpuPeriod = 100_000;
  // Through whole nanocpus, as the API carries --cpus, so 0.1 gives 10000 and not 9999.
  const nanoCpus = Math.round(cpus * 1e9);
  return { cpuPeriod, cpuQuota: Math.floor((nanoCpus * cpuPeriod) / 1e9) };
}

function cpuResources(input: SpecInput): LinuxCpu | undefined {
  const cpu: LinuxCpu = {};
  if (input.cpuShares !== undefined && input.cpuShares > 0) cpu.shares = input.cpuShares;
  if (input.cpuPeriod !== undefined && input.cpuPeriod > 0) {
    if (input.cpuPeriod < 1000 || input.cpuPeriod > 1_000_000) {
      throw invalidArgument('invalid_cpu_period', 'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
    }
    cpu.period = input.cpuPeriod;
  }
  if (input.cpuQuota !== undefined && input.cpuQuota > 0) {
    if (input.cpuQuota < 1000) {
      throw invalidArgument('invalid_cpu_quota', 'CPU cfs quota can not be less than 1ms (i.e. 1000)');
    }
    cpu.quota = input.cpuQuota;
  }
  if (input.cpusetCpus) cpu.cpus = input.cpusetCpus;
  if (input.cpusetMems) cpu.mems = input.cpusetMems;
  if (input.cpuRealtimePeriod) cpu.realtimePeriod = input.cpuRealtimePeriod;
  if (input.cpuRealtimeRuntime) cpu.realtimeRuntime = input.cpuRealtimeRuntime;
  return Object.keys(cpu).length > 0 ? cpu : undefined;
}

function namespaces(ns: SpecInput['namespaces'] = {}): LinuxNamespace[] {
  const out: LinuxNamespace[] = [];
  if (ns.pid !== 'host') out.push({ type: 'pid' });
  const network = ns.network;
  if (network === undefined) out.push({ type: 'network' });
  else if (network !== 'host') out.push(network.path ? { type: 'network', path: network.path } : { type: 'network' });
  if (ns.ipc !== 'host') out.push({ type: 'ipc' });
  if (ns.uts !== 'host') out.push({ type: 'uts' });
  out.push({ type: 'mount' });
  if (ns.cgroup !== 'host') out.push({ type: 'cgroup' });
  return out;
}

const cleanDestination = (d: string): string => posix.normalize(d).replace(/(.)\/+$/, '$1');
const depth = (d: string): number => cleanDestination(d).split('/').filter((p) => p !== '').length;

/**
 * Defaults first, minus any a user mount covers (same destination or below it: a bind over /dev
 * takes /dev/pts and /dev/shm with it); then user mounts, parents before children (a stable sort
 * on path depth) so a bind inside a volume lands on top of it.
 */
function mergeMounts(defaults: Mount[], user: Mount[]): Mount[] {
  for (const m of user) {
    if (!posix.isAbsolute(m.destination)) {
      throw invalidArgument('invalid_mount', `invalid mount destination ${m.destination}: not an absolute path`);
    }
  }
  const taken = user.map((m) => cleanDestination(m.destination));
  const covered = (dest: string): boolean =>
    taken.some((t) => dest === t || dest.startsWith(t === '/' ? t : `${t}/`));
  const kept = defaults.filter((m) => !covered(cleanDestination(m.destination)));
  const ordered = user
    .map((m, i) => ({ m, i, d: depth(m.destination) }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .map((x) => x.m);
  return [...kept, ...ordered];
}

function seccompFor(input: SpecInput, caps: string[]): LinuxSeccomp | undefined {
  const s = input.seccompProfile;
  if (input.privileged || s === 'unconfined') return undefined;
  if ('profile' in s) {
    return convertSeccompProfile(s.profile, {
      arch: s.arch,
      capabilities: caps,
      ...(s.kernelVersion !== undefined ? { kernelVersion: s.kernelVersion } : {}),
    });
  }
  return s;
}

function deviceRules(input: SpecInput): LinuxDeviceCgroup[] {
  if (input.privileged) return privilegedDeviceRules();
  return [...defaultDeviceRules(), ...(input.deviceRules ?? [])];
}

/** The spec and anything the user should be told about how their request was adjusted. */
export interface GeneratedSpec {
  spec: RuntimeSpec;
  warnings: string[];
}

/**
 * Builds config.json for one container with docker's defaults: capabilities, masked and read-only
 * paths, the default mounts and device allow-list, a new pid/ipc/uts/mount/cgroup namespace each
 * unless shared with the host, seccomp unless unconfined. A privileged container instead gets
 * every capability the daemon holds, every device, writable /sys and cgroupfs, and no seccomp or
 * masked paths. Throws InvalidArgument for a request docker would refuse (unknown capability, bad
 * ulimit or memory…). Serialize the result with specToJson.
 */
export function generateSpecReport(input: SpecInput): GeneratedSpec {
  if (!posix.isAbsolute(input.rootfsPath)) {
    throw internal('invalid_rootfs', `rootfs path ${input.rootfsPath} is not absolute`);
  }
  if (input.args.length === 0) throw invalidArgument('no_command', 'No command specified');
  if (!posix.isAbsolute(input.cwd)) {
    throw invalidArgument(
      'invalid_workdir',
      `the working directory '${input.cwd}' is invalid, it needs to be an absolute path`,
    );
  }
  const privileged = input.privileged ?? false;
  const held = input.capabilityHolder ?? CAPABILITY_NAMES;
  const caps = privileged
    ? [...held]
    : effectiveCapabilities(DEFAULT_CAPABILITIES, input.capAdd ?? [], input.capDrop ?? [], held);
  // As execve would: a non-root process keeps only the bounding set, not effective/permitted caps.
  const capabilities: LinuxCapabilities =
    input.user.uid === 0
      ? { bounding: [...caps], effective: [...caps], permitted: [...caps] }
      : { bounding: [...caps] };

  const { rlimits, warnings } = resolveRlimits(input.ulimits ?? [], input.hostRlimits);

  // As dockerd: in the host's IPC namespace, /dev/shm is the host's (a user mount there still wins).
  const userMounts: Mount[] = [
    ...(input.namespaces?.ipc === 'host' ? [{ destination: '/dev/shm', type: 'bind', source: '/dev/shm', options: ['rbind', 'nosuid', 'noexec', 'nodev'] }] : []),
    ...(input.mounts ?? []),
  ];
  let args = [...input.args];
  if (input.init) {
    args = [INIT_DESTINATION, '--', ...args];
    userMounts.push({ destination: INIT_DESTINATION, type: 'bind', source: input.init.path, options: ['bind', 'ro'] });
  }

  const resources: LinuxResources = { devices: deviceRules(input) };
  const memory = memoryResources(input.memoryBytes, input.memorySwapBytes);
  if (memory) resources.memory = memory;
  if (input.memoryReservationBytes) resources.memory = { ...resources.memory, reservation: input.memoryReservationBytes };
  if (input.oomKillDisable) resources.memory = { ...resources.memory, disableOOMKiller: true };
  if (input.memorySwappiness !== undefined && input.memorySwappiness >= 0) resources.memory = { ...resources.memory, swappiness: input.memorySwappiness };
  const cpu = cpuResources(input);
  if (cpu) resources.cpu = cpu;
  if (input.pidsLimit !== undefined && input.pidsLimit > 0) resources.pids = { limit: input.pidsLimit };
  if (input.blockIO && Object.keys(input.blockIO).length > 0) resources.blockIO = input.blockIO;

  const spec: RuntimeSpec = {
    ociVersion: OCI_VERSION,
    process: {
      terminal: input.terminal,
      user: {
        uid: input.user.uid,
        gid: input.user.gid,
        ...(input.user.additionalGids.length > 0 ? { additionalGids: [...input.user.additionalGids] } : {}),
      },
      args,
      env: [...input.env],
      cwd: input.cwd,
      capabilities,
      ...(rlimits.length > 0 ? { rlimits } : {}),
      noNewPrivileges: input.noNewPrivileges ?? false,
      ...(input.oomScoreAdj !== undefined ? { oomScoreAdj: input.oomScoreAdj } : {}),
    },
    root: { path: input.rootfsPath, readonly: input.readonlyRootfs ?? false },
    ...(input.hostname ? { hostname: input.hostname } : {}),
    mounts: mergeMounts(defaultMounts(privileged, input.shmSizeBytes || undefined), userMounts),
    ...(input.hooks ? { hooks: input.hooks } : {}),
    ...(input.annotations ? { annotations: { ...input.annotations } } : {}),
    linux: {
      namespaces: namespaces(input.namespaces),
      resources,
      cgroupsPath: input.cgroupsPath,
    },
  };

  const linux = spec.linux;
  if (input.devices && input.devices.length > 0) linux.devices = input.devices.map((d) => ({ ...d }));
  const sysctl = { ...(input.domainname ? { 'kernel.domainname': input.domainname } : {}), ...input.sysctl };
  if (Object.keys(sysctl).length > 0) linux.sysctl = sysctl;
  const seccomp = seccompFor(input, caps);
  if (seccomp) linux.seccomp = seccomp;
  if (!privileged) {
    const masked = input.maskedPaths ?? DEFAULT_MASKED_PATHS;
    const readonly = input.readonlyPaths ?? DEFAULT_READONLY_PATHS;
    if (masked.length > 0) linux.maskedPaths = [...masked];
    if (readonly.length > 0) linux.readonlyPaths = [...readonly];
  }
  return { spec, warnings };
}

/** generateSpecReport without the warnings. */
export function generateSpec(input: SpecInput): RuntimeSpec {
  return generateSpecReport(input).spec;
}

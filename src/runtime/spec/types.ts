/**
 * The parts of the OCI runtime spec (config.json, runtime-spec 1.0.2+) that berth produces, as
 * crun 1.8 and runc 1.1 read them. Field names are the spec's JSON names. Optional fields are
 * omitted from the JSON when absent, which the runtimes read as "not set".
 */

export interface RuntimeSpec {
  ociVersion: string;
  process: Process;
  root: Root;
  hostname?: string;
  mounts: Mount[];
  hooks?: Hooks;
  annotations?: Record<string, string>;
  linux: Linux;
}

export interface Process {
  terminal: boolean;
  user: ProcessUser;
  args: string[];
  env: string[];
  cwd: string;
  capabilities?: LinuxCapabilities;
  rlimits?: PosixRlimit[];
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  oomScoreAdj?: number;
}

export interface ProcessUser {
  uid: number;
  gid: number;
  additionalGids?: number[];
}

/** Capability names in the spec's `CAP_`-prefixed upper-case form. */
export interface LinuxCapabilities {
  bounding?: string[];
  effective?: string[];
  inheritable?: string[];
  permitted?: string[];
  ambient?: string[];
}

/**
 * The spec's rlimit values are uint64 and RLIM_INFINITY (2^64-1) is not a safe JS number, so they
 * are bigints; serialize a spec with `specToJson`, which JSON.stringify alone cannot do.
 */
export interface PosixRlimit {
  type: string;
  hard: bigint;
  soft: bigint;
}

export interface Root {
  path: string;
  readonly?: boolean;
}

export interface Mount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export interface Hook {
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
}

export interface Hooks {
  prestart?: Hook[];
  createRuntime?: Hook[];
  createContainer?: Hook[];
  startContainer?: Hook[];
  poststart?: Hook[];
  poststop?: Hook[];
}

export interface Linux {
  namespaces: LinuxNamespace[];
  resources?: LinuxResources;
  cgroupsPath?: string;
  devices?: LinuxDevice[];
  sysctl?: Record<string, string>;
  seccomp?: LinuxSeccomp;
  maskedPaths?: string[];
  readonlyPaths?: string[];
}

export type LinuxNamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup';

/** Without `path` the runtime creates the namespace; with it, the runtime joins that one. */
export interface LinuxNamespace {
  type: LinuxNamespaceType;
  path?: string;
}

/** A device node the runtime creates inside the container's /dev. */
export interface LinuxDevice {
  path: string;
  type: 'c' | 'b' | 'u' | 'p';
  major: number;
  minor: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

/** A devices-cgroup rule; an absent major or minor is the wildcard `*`. */
export interface LinuxDeviceCgroup {
  allow: boolean;
  type?: 'a' | 'c' | 'b';
  major?: number;
  minor?: number;
  access?: string;
}

export interface LinuxMemory {
  limit?: number;
  reservation?: number;
  /** Memory plus swap, as cgroup v1's memsw; -1 is unlimited. */
  swap?: number;
  swappiness?: number;
  disableOOMKiller?: boolean;
}

export interface LinuxCpu {
  shares?: number;
  quota?: number;
  period?: number;
  cpus?: string;
  mems?: string;
  realtimePeriod?: number;
  realtimeRuntime?: number;
}

export interface LinuxPids {
  limit: number;
}

export interface LinuxResources {
  devices?: LinuxDeviceCgroup[];
  memory?: LinuxMemory;
  cpu?: LinuxCpu;
  pids?: LinuxPids;
  blockIO?: LinuxBlockIO;
}

/** A block device by its numbers, as the blkio cgroup files name it (`8:0`). */
export interface LinuxBlockDevice {
  major: number;
  minor: number;
}

export interface LinuxWeightDevice extends LinuxBlockDevice {
  weight: number;
}

export interface LinuxThrottleDevice extends LinuxBlockDevice {
  rate: number;
}

export interface LinuxBlockIO {
  weight?: number;
  weightDevice?: LinuxWeightDevice[];
  throttleReadBpsDevice?: LinuxThrottleDevice[];
  throttleWriteBpsDevice?: LinuxThrottleDevice[];
  throttleReadIOPSDevice?: LinuxThrottleDevice[];
  throttleWriteIOPSDevice?: LinuxThrottleDevice[];
}

export interface LinuxSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  syscalls?: LinuxSyscall[];
}

export interface LinuxSyscall {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: LinuxSeccompArg[];
}

export interface LinuxSeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

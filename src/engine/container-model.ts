import { conflict, invalidArgument } from '../lib/errors.js';
import type { ContainerId } from '../oci/ids.js';
import type { ImageId } from '../oci/digest.js';
import type { BridgeEndpoint } from '../network/bridge-network.js';
import type { MountRecord } from '../volume/mount-plan.js';
import type { LogConfigSpec } from './log-config.js';
import type { DeviceMappingSpec } from '../lib/device-spec.js';
import type { ThrottleSetting } from '../runtime/block-io.js';

/**
 * The user's container configuration as it is persisted and echoed back by inspect. Field names
 * are Docker's because that is the configuration users wrote; the engine reads the typed fields
 * and keeps the rest verbatim.
 */
export interface ContainerConfigSpec {
  Hostname?: string;
  Domainname?: string;
  User?: string;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  ExposedPorts?: Record<string, object> | null;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Image?: string;
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  Entrypoint?: string[] | null;
  OnBuild?: string[] | null;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  StopTimeout?: number | null;
  Healthcheck?: HealthcheckSpec | null;
  [extra: string]: unknown;
}

/** Docker's HealthConfig: durations in nanoseconds, 0 or null (docker-py's unset) = the default. */
export interface HealthcheckSpec {
  /** `["NONE"]`, `["CMD", arg...]`, `["CMD-SHELL", command]`, or empty to inherit the image's. */
  Test?: string[] | null;
  Interval?: number | null;
  Timeout?: number | null;
  Retries?: number | null;
  StartPeriod?: number | null;
  StartInterval?: number | null;
}

export interface HostConfigSpec {
  NetworkMode?: string;
  AutoRemove?: boolean;
  Privileged?: boolean;
  ReadonlyRootfs?: boolean;
  CapAdd?: string[] | null;
  CapDrop?: string[] | null;
  SecurityOpt?: string[] | null;
  Memory?: number;
  MemorySwap?: number;
  NanoCpus?: number;
  CpuShares?: number;
  CpuQuota?: number;
  CpuPeriod?: number;
  PidsLimit?: number | null;
  Ulimits?: { Name: string; Soft: number; Hard: number }[] | null;
  Init?: boolean | null;
  Runtime?: string;
  ConsoleSize?: [number, number] | number[] | null;
  RestartPolicy?: { Name?: string; MaximumRetryCount?: number };
  /** /dev/shm's size in bytes; create sets dockerd's default (64 MiB) when it is 0 or unset. */
  ShmSize?: number;
  /** As dockerd records it: the driver is named (json-file unless another is asked for). See log-config.ts. */
  LogConfig?: LogConfigSpec;
  /** `--device`, `--device-cgroup-rule` (see device-mapping.ts). */
  Devices?: DeviceMappingSpec[] | null;
  DeviceCgroupRules?: string[] | null;
  /** Replace the default masked and read-only paths (empty: none, docker's `--security-opt systempaths=unconfined`). */
  MaskedPaths?: string[] | null;
  ReadonlyPaths?: string[] | null;
  PidMode?: string;
  IpcMode?: string;
  UTSMode?: string;
  Sysctls?: Record<string, string> | null;
  CpusetCpus?: string;
  CpusetMems?: string;
  OomKillDisable?: boolean | null;
  OomScoreAdj?: number;
  /** -1 (or null) leaves the kernel's. */
  MemorySwappiness?: number | null;
  /** `--add-host` entries: `name:ip` (or `name=ip`), the IP possibly `host-gateway`. */
  ExtraHosts?: string[] | null;
  /** `--annotation`: into the runtime spec's annotations. */
  Annotations?: Record<string, string> | null;
  /** `--storage-opt`: refused as dockerd's overlay2 refuses it without xfs project quotas. */
  StorageOpt?: Record<string, string> | null;
  /** `--volume-driver`: only `local` exists. */
  VolumeDriver?: string;
  /** `--gpus`: no device driver serves them; the start fails as dockerd's without one. */
  DeviceRequests?: { Driver?: string; Capabilities?: string[][] | null }[] | null;
  /** `--link NAME[:ALIAS]` on the default bridge. */
  Links?: string[] | null;
  /** `host` or `private` once created (see cgroup-settings.ts). */
  CgroupnsMode?: string;
  CgroupParent?: string;
  CpuRealtimePeriod?: number;
  CpuRealtimeRuntime?: number;
  BlkioWeight?: number;
  BlkioWeightDevice?: { Path: string; Weight: number }[] | null;
  BlkioDeviceReadBps?: ThrottleSetting[] | null;
  BlkioDeviceWriteBps?: ThrottleSetting[] | null;
  BlkioDeviceReadIOps?: ThrottleSetting[] | null;
  BlkioDeviceWriteIOps?: ThrottleSetting[] | null;
  [extra: string]: unknown;
}

/** Docker's seven states; `removing` is also what a half-finished removal looks like after a crash. */
export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerState {
  status: ContainerStatus;
  pid: number;
  exitCode: number;
  error: string;
  startedAt: string;
  finishedAt: string;
  oomKilled: boolean;
  /** Present once a container with a healthcheck has started; kept after it stops, as Docker does. */
  health?: HealthState;
}

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

export interface HealthProbeResult {
  start: string;
  end: string;
  exitCode: number;
  output: string;
}

export interface HealthState {
  status: HealthStatus;
  failingStreak: number;
  /** The last five probe results, oldest first. */
  log: HealthProbeResult[];
}

export interface ContainerRecord {
  id: ContainerId;
  name: string;
  created: string;
  /** The image reference as the user gave it. */
  image: string;
  imageId: ImageId;
  config: ContainerConfigSpec;
  hostConfig: HostConfigSpec;
  path: string;
  args: string[];
  state: ContainerState;
  runtime: string;
  snapshotKey: string;
  restartCount: number;
  conmonPid: number;
  /**
   * Set by `stop`/`kill` so the exit handler knows the user asked for it (restart policies);
   * persisted, so `unless-stopped` containers stay stopped across daemon restarts.
   */
  stoppedByUser: boolean;
  /**
   * Sent a signal by `kill` other than its stop signal (dockerd's HasBeenManuallyStopped): an
   * `unless-stopped` policy no longer restarts it. Cleared at each start.
   */
  manuallyStopped?: boolean;
  /**
   * The bridge networks the container is on, in the order it joined them (the first holds the
   * default route and the published ports). Absent for host, none and container: modes.
   */
  networks?: NetworkAttachment[];
  /** Before multi-network: the one endpoint, and the aliases on it. Read once by restore, then gone. */
  network?: BridgeEndpoint;
  aliases?: string[];
  /** Binds, volumes and tmpfs mounts, resolved at create. */
  mounts?: MountRecord[];
}

/** A container's membership of one bridge network: what the user asked for, and the endpoint of the last start. */
export interface NetworkAttachment {
  /** The network's name (`bridge` for the default one). */
  network: string;
  /** `--network-alias`: extra names the embedded DNS answers for the container on this network. */
  aliases?: string[];
  /** `--ip`: the address asked for. */
  ipv4?: string;
  /** `--link NAME:ALIAS` on a user network: ALIAS resolves to NAME for this container only, as libnetwork's. */
  links?: string[];
  /** `--link-local-ip`: extra addresses on the endpoint's interface (/16, or /64 for IPv6), as libnetwork adds them. */
  linkLocalIps?: string[];
  /** `--mac-address` / `mac-address=`: the endpoint's MAC instead of the derived one. */
  mac?: string;
  /** `driver-opt=`: recorded and shown by inspect. */
  driverOpts?: Record<string, string>;
  /** Made at start or connect; its address is held only while the container runs. */
  endpoint?: BridgeEndpoint;
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';

const TRANSITIONS: Record<ContainerStatus, readonly ContainerStatus[]> = {
  created: ['running', 'removing', 'created', 'exited'],
  running: ['paused', 'exited', 'restarting', 'removing', 'running'],
  paused: ['running', 'exited', 'removing'],
  restarting: ['running', 'exited', 'removing'],
  exited: ['running', 'removing', 'exited'],
  removing: ['removing', 'dead'],
  dead: ['removing'],
};

/** The one table of allowed state changes. */
export function transition(c: ContainerRecord, to: ContainerStatus): void {
  if (!TRANSITIONS[c.state.status].includes(to)) {
    throw conflict('invalid_state', `cannot move container ${c.id.slice(0, 12)} from ${c.state.status} to ${to}`);
  }
  c.state.status = to;
}

export const isRunning = (c: ContainerRecord): boolean => c.state.status === 'running' || c.state.status === 'paused';

const NAME_RE = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function validateName(name: string): string {
  if (!NAME_RE.test(name)) {
    throw invalidArgument('invalid_name', `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  return name.replace(/^\//, '');
}

/**
 * Container wire types: create request/response, inspect, list summary, wait, top, changes.
 * Field names are Docker's (api/swagger.yaml v1.50); optional where Docker omits or clients send null.
 */
import type { HostConfig, PortMap } from './host-config.js';
import type { Address, EndpointSettings, NetworkingConfig } from './network.js';

export interface HealthConfig {
  /** `["NONE"]`, `["CMD", args...]` or `["CMD-SHELL", command]`. */
  Test?: string[] | null;
  /** Nanoseconds. */
  Interval?: number;
  Timeout?: number;
  Retries?: number;
  StartPeriod?: number;
  StartInterval?: number;
}

/** The portable container configuration (`Config` in inspect; top level of a create request). */
export interface ContainerConfig {
  Hostname?: string;
  Domainname?: string;
  User?: string;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  /** `"80/tcp"` → `{}`. */
  ExposedPorts?: Record<string, Record<string, never>> | null;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Healthcheck?: HealthConfig | null;
  ArgsEscaped?: boolean | null;
  Image?: string;
  Volumes?: Record<string, Record<string, never>> | null;
  WorkingDir?: string;
  Entrypoint?: string[] | null;
  NetworkDisabled?: boolean | null;
  /** Deprecated since 1.44 in favour of per-endpoint MacAddress. */
  MacAddress?: string;
  OnBuild?: string[] | null;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  /** Seconds. */
  StopTimeout?: number | null;
  Shell?: string[] | null;
}

/** Body of `POST /containers/create?name=&platform=`. */
export interface ContainerCreateRequest extends ContainerConfig {
  HostConfig?: HostConfig;
  NetworkingConfig?: NetworkingConfig;
}

/** `201` body of `POST /containers/create`. */
export interface ContainerCreateResponse {
  Id: string;
  Warnings: string[] | null;
}

export type ContainerStateStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface HealthcheckResult {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

export interface Health {
  Status: 'none' | 'starting' | 'healthy' | 'unhealthy';
  FailingStreak: number;
  Log: HealthcheckResult[] | null;
}

export interface ContainerState {
  Status: ContainerStateStatus;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  /** RFC3339Nano; `0001-01-01T00:00:00Z` when never set. */
  StartedAt: string;
  FinishedAt: string;
  Health?: Health;
}

export interface GraphDriverData {
  Name: string;
  Data: Record<string, string> | null;
}

/** A mount as reported by inspect and list (`MountPoint` in swagger). */
export interface MountPoint {
  Type: string;
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

export interface NetworkSettings {
  Bridge: string;
  SandboxID: string;
  SandboxKey: string;
  Ports: PortMap;
  HairpinMode: boolean;
  LinkLocalIPv6Address: string;
  LinkLocalIPv6PrefixLen: number;
  SecondaryIPAddresses: Address[] | null;
  SecondaryIPv6Addresses: Address[] | null;
  EndpointID: string;
  Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  MacAddress: string;
  Networks: Record<string, EndpointSettings>;
}

/** `GET /containers/{id}/json`. */
export interface ContainerInspect {
  Id: string;
  /** RFC3339Nano. */
  Created: string;
  Path: string;
  Args: string[];
  State: ContainerState;
  /** `sha256:` image ID. */
  Image: string;
  ResolvConfPath: string;
  HostnamePath: string;
  HostsPath: string;
  LogPath: string;
  /** With a leading `/`. */
  Name: string;
  RestartCount: number;
  Driver: string;
  Platform: string;
  MountLabel: string;
  ProcessLabel: string;
  AppArmorProfile: string;
  ExecIDs: string[] | null;
  HostConfig: HostConfig;
  GraphDriver: GraphDriverData;
  SizeRw?: number;
  SizeRootFs?: number;
  Mounts: MountPoint[];
  Config: ContainerConfig;
  NetworkSettings: NetworkSettings;
}

/** One entry of `Ports` in a list summary. Exposed-only ports have no IP/PublicPort. */
export interface Port {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: 'tcp' | 'udp' | 'sctp';
}

/** An item of `GET /containers/json`. */
export interface ContainerSummary {
  Id: string;
  /** With leading `/`. */
  Names: string[];
  /** The reference given at create. */
  Image: string;
  ImageID: string;
  Command: string;
  /** Unix seconds. */
  Created: number;
  Ports: Port[];
  SizeRw?: number;
  SizeRootFs?: number;
  Labels: Record<string, string>;
  State: ContainerStateStatus;
  /** Human status, e.g. `Up 7 seconds`, `Exited (0) 2 minutes ago`. */
  Status: string;
  HostConfig: { NetworkMode: string; Annotations?: Record<string, string> };
  NetworkSettings: { Networks: Record<string, EndpointSettings> };
  Mounts: MountPoint[];
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

/** Body of `POST /containers/{id}/wait`. */
export interface ContainerWaitResponse {
  StatusCode: number;
  Error?: { Message: string } | null;
}

/** `GET /containers/{id}/top`. */
export interface ContainerTopResponse {
  Titles: string[];
  Processes: string[][];
}

/** `GET /containers/{id}/changes` item; Kind 0 modified, 1 added, 2 deleted. */
export interface FilesystemChange {
  Path: string;
  Kind: 0 | 1 | 2;
}

/** `POST /containers/prune`. */
export interface ContainerPruneResponse {
  ContainersDeleted: string[] | null;
  SpaceReclaimed: number;
}

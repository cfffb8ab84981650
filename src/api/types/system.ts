/** System wire types: `/version`, `/info`, `/events`, `/system/df` (swagger v1.50). */

export interface ComponentVersion {
  Name: string;
  Version: string;
  /** Go decodes this as map[string]string: every value must be a string. */
  Details?: Record<string, string>;
}

/** `GET /version`. */
export interface SystemVersion {
  Platform?: { Name: string };
  Components?: ComponentVersion[];
  Version: string;
  ApiVersion: string;
  MinAPIVersion?: string;
  GitCommit: string;
  GoVersion: string;
  Os: string;
  Arch: string;
  KernelVersion?: string;
  Experimental?: boolean;
  BuildTime?: string;
}

export interface RuntimeInfo {
  path?: string;
  runtimeArgs?: string[];
  status?: Record<string, string>;
}

export interface PluginsInfo {
  Volume: string[] | null;
  Network: string[] | null;
  Authorization: string[] | null;
  Log: string[] | null;
}

export interface IndexInfo {
  Name: string;
  Mirrors: string[];
  Secure: boolean;
  Official: boolean;
}

export interface RegistryServiceConfig {
  InsecureRegistryCIDRs: string[] | null;
  IndexConfigs: Record<string, IndexInfo>;
  Mirrors: string[] | null;
}

export interface SwarmInfo {
  NodeID: string;
  NodeAddr: string;
  /** `inactive` for berth. */
  LocalNodeState: '' | 'inactive' | 'pending' | 'active' | 'error' | 'locked';
  ControlAvailable: boolean;
  Error: string;
  RemoteManagers: unknown[] | null;
}

export interface Commit {
  ID: string;
  /** Deprecated in 1.49 but still decoded by older clients. */
  Expected?: string;
}

/** `GET /info`. */
export interface SystemInfo {
  ID: string;
  Containers: number;
  ContainersRunning: number;
  ContainersPaused: number;
  ContainersStopped: number;
  Images: number;
  Driver: string;
  DriverStatus: [string, string][] | null;
  DockerRootDir: string;
  Plugins: PluginsInfo;
  MemoryLimit: boolean;
  SwapLimit: boolean;
  KernelMemoryTCP?: boolean;
  CpuCfsPeriod: boolean;
  CpuCfsQuota: boolean;
  CPUShares: boolean;
  CPUSet: boolean;
  PidsLimit: boolean;
  OomKillDisable: boolean;
  IPv4Forwarding: boolean;
  Debug: boolean;
  NFd: number;
  NGoroutines: number;
  /** RFC3339Nano. */
  SystemTime: string;
  LoggingDriver: string;
  CgroupDriver: 'cgroupfs' | 'systemd' | 'none';
  CgroupVersion: '1' | '2';
  NEventsListener: number;
  KernelVersion: string;
  OperatingSystem: string;
  OSVersion: string;
  OSType: string;
  Architecture: string;
  NCPU: number;
  MemTotal: number;
  IndexServerAddress: string;
  RegistryConfig: RegistryServiceConfig | null;
  GenericResources?: unknown[] | null;
  HttpProxy: string;
  HttpsProxy: string;
  NoProxy: string;
  Name: string;
  Labels: string[];
  ExperimentalBuild: boolean;
  ServerVersion: string;
  Runtimes: Record<string, RuntimeInfo>;
  DefaultRuntime: string;
  Swarm: SwarmInfo;
  LiveRestoreEnabled: boolean;
  Isolation: string;
  InitBinary: string;
  ContainerdCommit: Commit;
  RuncCommit: Commit;
  InitCommit: Commit;
  /** e.g. `name=seccomp,profile=builtin`. */
  SecurityOptions: string[];
  ProductLicense?: string;
  DefaultAddressPools?: { Base: string; Size: number }[];
  CDISpecDirs?: string[];
  Warnings: string[] | null;
}

export interface EventActor {
  ID: string;
  Attributes: Record<string, string>;
}

/** One object of the `GET /events` stream. `status`/`id`/`from` are the deprecated forms compose reads. */
export interface EventMessage {
  Type: 'container' | 'image' | 'volume' | 'network' | 'daemon' | 'plugin' | 'node' | 'service' | 'secret' | 'config' | 'builder';
  Action: string;
  Actor: EventActor;
  scope: 'local' | 'swarm';
  time: number;
  timeNano: number;
  status?: string;
  id?: string;
  from?: string;
}

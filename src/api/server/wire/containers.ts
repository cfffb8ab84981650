import { humanDuration } from '../../../lib/human-units.js';
import type { ContainerRecord } from '../../../engine/container-model.js';
import type {
  ContainerConfig,
  ContainerInspect,
  ContainerState,
  ContainerSummary,
  EndpointSettings,
  HostConfig,
  NetworkSettings,
} from '../../types/index.js';

/** Docker's `Status` text of `docker ps`: `Up 7 seconds`, `Exited (0) 2 minutes ago`, `Created`. */
export function statusText(c: ContainerRecord, now = Date.now()): string {
  switch (c.state.status) {
    case 'running':
      return `Up ${humanDuration(now - Date.parse(c.state.startedAt))}`;
    case 'paused':
      return `Up ${humanDuration(now - Date.parse(c.state.startedAt))} (Paused)`;
    case 'restarting':
      return `Restarting (${c.state.exitCode}) ${humanDuration(now - Date.parse(c.state.finishedAt))} ago`;
    case 'exited':
      return `Exited (${c.state.exitCode}) ${humanDuration(now - Date.parse(c.state.finishedAt))} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    default:
      return 'Created';
  }
}

function networkName(c: ContainerRecord): string {
  const mode = c.hostConfig.NetworkMode ?? 'default';
  return mode === 'default' ? 'bridge' : mode;
}

function endpoint(): EndpointSettings {
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: null,
    MacAddress: '',
    DriverOpts: null,
    GwPriority: 0,
    NetworkID: '',
    EndpointID: '',
    Gateway: '',
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DNSNames: null,
  };
}

export function containerState(c: ContainerRecord): ContainerState {
  const s = c.state;
  return {
    Status: s.status,
    Running: s.status === 'running' || s.status === 'paused',
    Paused: s.status === 'paused',
    Restarting: s.status === 'restarting',
    OOMKilled: s.oomKilled,
    Dead: s.status === 'dead',
    Pid: s.pid,
    ExitCode: s.exitCode,
    Error: s.error,
    StartedAt: s.startedAt,
    FinishedAt: s.finishedAt,
  };
}

export function containerInspect(
  c: ContainerRecord,
  files: { logPath: string; hostsPath: string; hostnamePath: string; resolvConfPath: string; upperDir: string; lowerDirs: string[]; mergedDir: string },
  execIds: string[],
): ContainerInspect {
  const running = c.state.status === 'running' || c.state.status === 'paused';
  const net = networkName(c);
  const settings: NetworkSettings = {
    Bridge: '',
    SandboxID: '',
    SandboxKey: running && net !== 'host' ? `/proc/${c.state.pid}/ns/net` : '',
    Ports: {},
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: '',
    Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    MacAddress: '',
    Networks: { [net]: endpoint() },
  };
  const hostConfig = {
    NetworkMode: c.hostConfig.NetworkMode === 'default' ? 'bridge' : c.hostConfig.NetworkMode,
    LogConfig: { Type: 'json-file', Config: {} },
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    PortBindings: {},
    ...c.hostConfig,
  } as HostConfig;
  if (hostConfig.NetworkMode === 'default') hostConfig.NetworkMode = 'bridge';
  return {
    Id: c.id,
    Created: c.created,
    Path: c.path,
    Args: c.args,
    State: containerState(c),
    Image: c.imageId,
    ResolvConfPath: files.resolvConfPath,
    HostnamePath: files.hostnamePath,
    HostsPath: files.hostsPath,
    LogPath: files.logPath,
    Name: `/${c.name}`,
    RestartCount: c.restartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: execIds.length ? execIds : null,
    HostConfig: hostConfig,
    GraphDriver: {
      Name: 'overlay2',
      Data: { LowerDir: files.lowerDirs.join(':'), UpperDir: files.upperDir, MergedDir: files.mergedDir, WorkDir: files.upperDir.replace(/fs$/, 'work') },
    },
    Mounts: [],
    Config: { ...(c.config as ContainerConfig), Image: c.image },
    NetworkSettings: settings,
  };
}

export function containerSummary(c: ContainerRecord): ContainerSummary {
  const net = networkName(c);
  const command = [c.path, ...c.args].join(' ');
  return {
    Id: c.id,
    Names: [`/${c.name}`],
    Image: c.image,
    ImageID: c.imageId,
    Command: command,
    Created: Math.floor(Date.parse(c.created) / 1000),
    Ports: [],
    Labels: c.config.Labels ?? {},
    State: c.state.status,
    Status: statusText(c),
    HostConfig: { NetworkMode: net },
    NetworkSettings: { Networks: { [net]: endpoint() } },
    Mounts: [],
  };
}

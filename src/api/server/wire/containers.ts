import { humanDuration } from '../../../lib/human-units.js';
import type { ContainerRecord, NetworkAttachment } from '../../../engine/container-model.js';
import { dnsNames, type EndpointRequest } from '../../../engine/container-networks.js';
import { hasLiveEndpoints, listedPorts } from '../../../engine/container-ports.js';
import type {
  ContainerConfig,
  ContainerInspect,
  ContainerState,
  ContainerSummary,
  EndpointSettings,
  HostConfig,
  MountPoint,
  NetworkSettings,
  Port,
  PortMap,
} from '../../types/index.js';

/** Docker's `Status` text of `docker ps`: `Up 7 seconds`, `Exited (0) 2 minutes ago`, `Created`. */
export function statusText(c: ContainerRecord, now = Date.now()): string {
  switch (c.state.status) {
    case 'running': {
      const up = `Up ${humanDuration(now - Date.parse(c.state.startedAt))}`;
      const health = c.state.health?.status;
      if (!health) return up;
      return `${up} (${health === 'starting' ? 'health: starting' : health})`;
    }
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


/** The endpoints that exist: from start until the container stops. */
function liveEndpoints(c: ContainerRecord): NonNullable<NetworkAttachment['endpoint']>[] {
  return hasLiveEndpoints(c) ? (c.networks ?? []).flatMap((a) => (a.endpoint ? [a.endpoint] : [])) : [];
}

function endpoint(c: ContainerRecord, a?: NetworkAttachment): EndpointSettings {
  const ep = a && hasLiveEndpoints(c) ? a.endpoint : undefined;
  return {
    IPAMConfig: a?.ipv4 || a?.linkLocalIps ? { ...(a.ipv4 ? { IPv4Address: a.ipv4 } : {}), ...(a.linkLocalIps ? { LinkLocalIPs: a.linkLocalIps } : {}) } : null,
    Links: a?.links ?? null,
    Aliases: a?.aliases ?? null,
    MacAddress: ep?.mac ?? '',
    DriverOpts: a?.driverOpts ?? null,
    GwPriority: 0,
    // Docker keeps the network's id on a stopped container's entry; the endpoint goes with the stop.
    NetworkID: a?.endpoint?.networkId ?? '',
    EndpointID: ep?.endpointId ?? '',
    Gateway: ep?.gateway ?? '',
    IPAddress: ep?.address ?? '',
    IPPrefixLen: ep?.prefixLen ?? 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DNSNames: a && a.network !== 'bridge' ? dnsNames(c, a) : null,
  };
}

/** NetworkSettings.Networks: one entry per network the container is on; host, none and container: modes show their mode. */
function networks(c: ContainerRecord): Record<string, EndpointSettings> {
  if (!c.networks) return { [networkName(c)]: endpoint(c) };
  return Object.fromEntries(c.networks.map((a) => [a.network, endpoint(c, a)]));
}

/** NetworkSettings.Ports of a running container: each exposed port with its bindings, `null` when not published. */
function portMap(c: ContainerRecord): PortMap {
  const eps = liveEndpoints(c);
  if (eps.length === 0) return {};
  const ports: PortMap = {};
  for (const key of Object.keys(c.config.ExposedPorts ?? {})) ports[key.includes('/') ? key : `${key}/tcp`] = null;
  for (const p of eps.flatMap((ep) => ep.ports)) (ports[`${p.containerPort}/${p.proto}`] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
  return ports;
}

/** The Ports of a list summary: published ports with their host side, exposed ones without. */
function summaryPorts(c: ContainerRecord): Port[] {
  return listedPorts(c).map((p) => (p.publicPort === undefined ? { PrivatePort: p.privatePort, Type: p.proto } : { IP: p.hostIp, PrivatePort: p.privatePort, PublicPort: p.publicPort, Type: p.proto }));
}

export function containerState(c: ContainerRecord): ContainerState {
  const s = c.state;
  return {
    Status: s.status,
    // Docker counts a container waiting to be restarted by its policy as running.
    Running: s.status === 'running' || s.status === 'paused' || s.status === 'restarting',
    Paused: s.status === 'paused',
    Restarting: s.status === 'restarting',
    OOMKilled: s.oomKilled,
    Dead: s.status === 'dead',
    Pid: s.pid,
    ExitCode: s.exitCode,
    Error: s.error,
    StartedAt: s.startedAt,
    FinishedAt: s.finishedAt,
    ...(s.health
      ? {
          Health: {
            Status: s.health.status,
            FailingStreak: s.health.failingStreak,
            Log: s.health.log.map((r) => ({ Start: r.start, End: r.end, ExitCode: r.exitCode, Output: r.output })),
          },
        }
      : {}),
  };
}

/**
 * dockerd's HostConfig fields in its struct's order, each with the value dockerd shows when a
 * client left it out (Go's zero value, or what dockerd's create sets); `OMIT` marks the ones Go's
 * `omitempty` leaves out unless set.
 */
const OMIT = Symbol('omitempty');
const HOST_CONFIG_FIELDS: ReadonlyArray<readonly [string, unknown]> = [
  ['Binds', null], ['ContainerIDFile', ''], ['LogConfig', { Type: 'json-file', Config: {} }], ['NetworkMode', 'bridge'], ['PortBindings', {}],
  ['RestartPolicy', { Name: 'no', MaximumRetryCount: 0 }], ['AutoRemove', false], ['VolumeDriver', ''], ['VolumesFrom', null], ['ConsoleSize', [0, 0]],
  ['Annotations', OMIT], ['CapAdd', null], ['CapDrop', null], ['CgroupnsMode', ''], ['Dns', null], ['DnsOptions', null], ['DnsSearch', null],
  ['ExtraHosts', null], ['GroupAdd', null], ['IpcMode', ''], ['Cgroup', ''], ['Links', null], ['OomScoreAdj', 0], ['PidMode', ''], ['Privileged', false],
  ['PublishAllPorts', false], ['ReadonlyRootfs', false], ['SecurityOpt', null], ['StorageOpt', OMIT], ['Tmpfs', OMIT], ['UTSMode', ''], ['UsernsMode', ''],
  ['ShmSize', 0], ['Sysctls', OMIT], ['Runtime', OMIT], ['Isolation', ''],
  // Resources, embedded.
  ['CpuShares', 0], ['Memory', 0], ['NanoCpus', 0], ['CgroupParent', ''], ['BlkioWeight', 0], ['BlkioWeightDevice', null], ['BlkioDeviceReadBps', null],
  ['BlkioDeviceWriteBps', null], ['BlkioDeviceReadIOps', null], ['BlkioDeviceWriteIOps', null], ['CpuPeriod', 0], ['CpuQuota', 0], ['CpuRealtimePeriod', 0],
  ['CpuRealtimeRuntime', 0], ['CpusetCpus', ''], ['CpusetMems', ''], ['Devices', null], ['DeviceCgroupRules', null], ['DeviceRequests', null],
  ['KernelMemory', OMIT], ['KernelMemoryTCP', OMIT], ['MemoryReservation', 0], ['MemorySwap', 0], ['MemorySwappiness', null], ['OomKillDisable', null],
  ['PidsLimit', null], ['Ulimits', null], ['CpuCount', 0], ['CpuPercent', 0], ['IOMaximumIOps', 0], ['IOMaximumBandwidth', 0],
  ['Mounts', OMIT], ['MaskedPaths', null], ['ReadonlyPaths', null], ['Init', OMIT],
];

function omitted(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}

/**
 * A container's HostConfig as dockerd serialises its struct: every field, in its order, whatever
 * the client sent at create (the berth CLI and most SDKs send only what is set).
 */
export function dockerdHostConfig(hc: Readonly<Record<string, unknown>>): HostConfig {
  const out: Record<string, unknown> = {};
  for (const [field, zero] of HOST_CONFIG_FIELDS) {
    const value = hc[field];
    if (zero === OMIT) {
      if (!omitted(value)) out[field] = value;
    } else if (value === undefined) {
      out[field] = zero;
    } else if (field === 'RestartPolicy' || field === 'LogConfig') {
      out[field] = { ...(zero as object), ...(value as object) };
    } else {
      out[field] = value;
    }
  }
  if (out['NetworkMode'] === 'default') out['NetworkMode'] = 'bridge';
  return out as unknown as HostConfig;
}

export function containerInspect(
  c: ContainerRecord,
  files: { logPath: string; hostsPath: string; hostnamePath: string; resolvConfPath: string; upperDir: string; lowerDirs: string[]; mergedDir: string },
  execIds: string[],
): ContainerInspect {
  const running = hasLiveEndpoints(c);
  const net = networkName(c);
  const ep = liveEndpoints(c)[0];
  // Docker fills the top-level address fields for the default bridge only.
  const top = running ? c.networks?.find((a) => a.network === 'bridge')?.endpoint : undefined;
  const settings: NetworkSettings = {
    Bridge: '',
    SandboxID: ep ? ep.endpointId : '',
    SandboxKey: ep ? ep.sandboxKey : running && net !== 'host' ? `/proc/${c.state.pid}/ns/net` : '',
    Ports: portMap(c),
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: top?.endpointId ?? '',
    Gateway: top?.gateway ?? '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: top?.address ?? '',
    IPPrefixLen: top?.prefixLen ?? 0,
    IPv6Gateway: '',
    MacAddress: top?.mac ?? '',
    Networks: networks(c),
  };
  const hostConfig = dockerdHostConfig(c.hostConfig as Record<string, unknown>);
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
    Mounts: mountPoints(c),
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
    Ports: summaryPorts(c),
    Labels: c.config.Labels ?? {},
    State: c.state.status,
    Status: statusText(c),
    HostConfig: { NetworkMode: net, ...(c.hostConfig.Annotations && Object.keys(c.hostConfig.Annotations).length > 0 ? { Annotations: c.hostConfig.Annotations } : {}) },
    NetworkSettings: { Networks: networks(c) },
    Mounts: mountPoints(c),
  };
}

/** Inspect's and ps's `Mounts`; --tmpfs mounts show only in HostConfig.Tmpfs, as in Docker. */
function mountPoints(c: ContainerRecord): MountPoint[] {
  return (c.mounts ?? [])
    .filter((m) => !m.hidden)
    .map((m) => ({
      Type: m.Type,
      ...(m.Type === 'volume' ? { Name: m.Name } : {}),
      Source: m.Source,
      Destination: m.Destination,
      ...(m.Type === 'volume' ? { Driver: m.Driver ?? 'local' } : {}),
      Mode: m.Mode,
      RW: m.RW,
      Propagation: m.Propagation,
    }));
}

/** The request side of EndpointSettings (create's EndpointsConfig, network connect's EndpointConfig) as the engine takes it. */
export function endpointRequest(e: EndpointSettings | null | undefined): EndpointRequest {
  return {
    aliases: e?.Aliases ?? undefined,
    ipv4: e?.IPAMConfig?.IPv4Address || undefined,
    ipv6: e?.IPAMConfig?.IPv6Address || undefined,
    links: e?.Links?.length ? e.Links : undefined,
    linkLocalIps: e?.IPAMConfig?.LinkLocalIPs?.length ? e.IPAMConfig.LinkLocalIPs : undefined,
    mac: e?.MacAddress || undefined,
    driverOpts: e?.DriverOpts ?? undefined,
  };
}

/**
 * `run`/`create` flags and their translation into a `POST /containers/create` request, as docker/cli's
 * container options parser does. Pure apart from the injected file reader (env/label files, seccomp
 * profiles).
 */
import type { ContainerCreateRequest } from '../api/types/container.js';
import type { HostConfig, Mount } from '../api/types/host-config.js';
import type { NetworkingConfig } from '../api/types/network.js';
import { parseMemory } from '../lib/human-units.js';
import { parseDeviceCgroupRule, parseDeviceFlag } from '../lib/device-spec.js';
import { parseLink } from '../lib/link-spec.js';
import { networkingFromFlags, parseNetworkAttachment } from './network-attach.js';
import { parseGoDuration } from '../lib/time-spec.js';
import type { FlagSpec, ParsedFlags } from './flags.js';
import {
  parseCpus,
  parseEnvFile,
  parseExpose,
  parseExtraHost,
  parseGpuRequest,
  parseLabelFile,
  parseMount,
  parsePublish,
  parseRestartPolicy,
  parseThrottleBpsDevice,
  parseThrottleIOpsDevice,
  parseUint16,
  parseUlimit,
  parseWeightDevice,
  resolveEnvFlag,
  splitKeyValue,
  type PortMappings,
} from './opts.js';

/** A Go duration flag's value in nanoseconds, as docker/cli sends healthcheck timings. */
function durationNanos(text: string): number {
  const ms = parseGoDuration(text);
  if (ms === undefined) throw new Error(`time: invalid duration "${text}"`);
  return Math.round(ms * 1e6);
}

const HEALTH_DURATIONS = {
  interval: 'Time between running the check (ms|s|m|h)',
  'start-interval': 'Time between running the check during the start period (ms|s|m|h)',
  'start-period': 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h)',
  timeout: 'Maximum time to allow one check to run (ms|s|m|h)',
};

export function bytesValue(text: string): number {
  try {
    const n = parseMemory(text);
    if (!Number.isFinite(n)) throw new Error('not finite');
    return n;
  } catch {
    throw new Error(`invalid size: '${text}'`);
  }
}

/** Like bytesValue, but `-1` means unlimited (`--memory-swap -1`). */
export function swapValue(text: string): number {
  return text === '-1' ? -1 : bytesValue(text);
}

function checkAttach(text: string): void {
  if (!['stdin', 'stdout', 'stderr'].includes(text.toLowerCase())) throw new Error('valid streams are STDIN, STDOUT and STDERR');
}

const FORMAT_KV = (what: string) => (text: string): void => {
  if (!text.includes('=')) throw new Error(`bad format for ${what}: ${text}`);
};

/** Flags shared by `run` and `create`. */
export const containerFlags: FlagSpec[] = [
  { name: 'add-host', type: 'list', description: 'Add a custom host-to-IP mapping (host:ip)', validate: (v) => void parseExtraHost(v) },
  { name: 'annotation', type: 'list', valueName: 'map', description: 'Add an annotation to the container (passed through to the OCI runtime)' },
  { name: 'attach', short: 'a', type: 'list', description: 'Attach to STDIN, STDOUT or STDERR', validate: checkAttach },
  { name: 'cap-add', type: 'list', description: 'Add Linux capabilities' },
  { name: 'cap-drop', type: 'list', description: 'Drop Linux capabilities' },
  { name: 'blkio-weight', type: 'string', valueName: 'uint16', description: 'Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)', validate: (v) => void parseUint16(v) },
  { name: 'blkio-weight-device', type: 'list', description: 'Block IO weight (relative device weight)', defaultText: '[]', validate: (v) => void parseWeightDevice(v) },
  {
    name: 'cgroupns',
    type: 'string',
    description: [
      'Cgroup namespace to use (host|private)',
      "'host':    Run the container in the Docker host's cgroup namespace",
      "'private': Run the container in its own private cgroup namespace",
      "'':        Use the cgroup namespace as configured by the",
      '           default-cgroupns-mode option on the daemon (default)',
    ].join('\n'),
  },
  { name: 'cgroup-parent', type: 'string', description: 'Optional parent cgroup for the container' },
  { name: 'cidfile', type: 'string', description: 'Write the container ID to the file' },
  { name: 'cpu-period', type: 'int', description: 'Limit CPU CFS (Completely Fair Scheduler) period' },
  { name: 'cpu-quota', type: 'int', description: 'Limit CPU CFS (Completely Fair Scheduler) quota' },
  { name: 'cpu-rt-period', type: 'int', description: 'Limit CPU real-time period in microseconds' },
  { name: 'cpu-rt-runtime', type: 'int', description: 'Limit CPU real-time runtime in microseconds' },
  { name: 'cpu-shares', short: 'c', type: 'int', description: 'CPU shares (relative weight)' },
  { name: 'cpus', type: 'string', valueName: 'decimal', description: 'Number of CPUs', validate: (v) => void parseCpus(v) },
  { name: 'cpuset-cpus', type: 'string', description: 'CPUs in which to allow execution (0-3, 0,1)' },
  { name: 'cpuset-mems', type: 'string', description: 'MEMs in which to allow execution (0-3, 0,1)' },
  { name: 'detach-keys', type: 'string', description: 'Override the key sequence for detaching a container' },
  { name: 'device', type: 'list', description: 'Add a host device to the container', validate: (v) => void parseDeviceFlag(v) },
  { name: 'device-cgroup-rule', type: 'list', description: 'Add a rule to the cgroup allowed devices list', validate: (v) => void parseDeviceCgroupRule(v) },
  { name: 'device-read-bps', type: 'list', description: 'Limit read rate (bytes per second) from a device', defaultText: '[]', validate: (v) => void parseThrottleBpsDevice(v) },
  { name: 'device-read-iops', type: 'list', description: 'Limit read rate (IO per second) from a device', defaultText: '[]', validate: (v) => void parseThrottleIOpsDevice(v) },
  { name: 'device-write-bps', type: 'list', description: 'Limit write rate (bytes per second) to a device', defaultText: '[]', validate: (v) => void parseThrottleBpsDevice(v) },
  { name: 'device-write-iops', type: 'list', description: 'Limit write rate (IO per second) to a device', defaultText: '[]', validate: (v) => void parseThrottleIOpsDevice(v) },
  { name: 'dns', type: 'list', description: 'Set custom DNS servers' },
  { name: 'dns-option', type: 'list', description: 'Set DNS options' },
  { name: 'dns-search', type: 'list', description: 'Set custom DNS search domains' },
  { name: 'domainname', type: 'string', description: 'Container NIS domain name' },
  { name: 'entrypoint', type: 'string', description: 'Overwrite the default ENTRYPOINT of the image' },
  { name: 'env', short: 'e', type: 'list', description: 'Set environment variables' },
  { name: 'env-file', type: 'list', description: 'Read in a file of environment variables' },
  { name: 'expose', type: 'list', description: 'Expose a port or a range of ports', validate: (v) => void parseExpose(v) },
  { name: 'gpus', type: 'list', valueName: 'gpu-request', description: "GPU devices to add to the container ('all' to pass all GPUs)", validate: (v) => void parseGpuRequest(v) },
  { name: 'group-add', type: 'list', description: 'Add additional groups to join' },
  { name: 'health-cmd', type: 'string', description: 'Command to run to check health' },
  ...(['interval', 'start-interval', 'start-period', 'timeout'] as const).map(
    (f): FlagSpec => ({ name: `health-${f}`, type: 'string', valueName: 'duration', description: HEALTH_DURATIONS[f], defaultText: '0s', validate: (v) => void durationNanos(v) }),
  ),
  { name: 'health-retries', type: 'int', description: 'Consecutive failures needed to report unhealthy' },
  { name: 'hostname', short: 'h', type: 'string', description: 'Container host name' },
  { name: 'init', type: 'bool', description: 'Run an init inside the container that forwards signals and reaps processes' },
  { name: 'interactive', short: 'i', type: 'bool', description: 'Keep STDIN open even if not attached' },
  { name: 'ipc', type: 'string', description: 'IPC mode to use' },
  { name: 'label', short: 'l', type: 'list', description: 'Set meta data on a container' },
  { name: 'label-file', type: 'list', description: 'Read in a line delimited file of labels' },
  { name: 'link', type: 'list', description: 'Add link to another container', validate: (v) => void parseLink(v) },
  { name: 'link-local-ip', type: 'list', description: 'Container IPv4/IPv6 link-local addresses' },
  { name: 'log-driver', type: 'string', description: 'Logging driver for the container' },
  { name: 'log-opt', type: 'list', description: 'Log driver options', validate: FORMAT_KV('log-opt') },
  { name: 'memory', short: 'm', type: 'string', valueName: 'bytes', description: 'Memory limit', validate: (v) => void bytesValue(v) },
  { name: 'memory-reservation', type: 'string', valueName: 'bytes', description: 'Memory soft limit', validate: (v) => void bytesValue(v) },
  {
    name: 'memory-swap',
    type: 'string',
    valueName: 'bytes',
    description: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap",
    validate: (v) => void swapValue(v),
  },
  { name: 'memory-swappiness', type: 'int', description: 'Tune container memory swappiness (0 to 100)', defaultText: '-1' },
  { name: 'mount', type: 'list', valueName: 'mount', description: 'Attach a filesystem mount to the container', validate: (v) => void parseMount(v, bytesValue) },
  { name: 'ip', type: 'string', description: 'IPv4 address (e.g., 172.30.100.104)' },
  { name: 'ip6', type: 'string', description: 'IPv6 address (e.g., 2001:db8::33)' },
  { name: 'mac-address', type: 'string', description: 'Container MAC address (e.g., 92:d0:c6:0a:29:33)' },
  { name: 'name', type: 'string', description: 'Assign a name to the container' },
  { name: 'net', type: 'list', valueName: 'network', description: 'Connect a container to a network', hidden: true, validate: (v) => void parseNetworkAttachment(v) },
  { name: 'network', type: 'list', valueName: 'network', description: 'Connect a container to a network', validate: (v) => void parseNetworkAttachment(v) },
  { name: 'network-alias', type: 'list', description: 'Add network-scoped alias for the container' },
  { name: 'no-healthcheck', type: 'bool', description: 'Disable any container-specified HEALTHCHECK' },
  { name: 'oom-kill-disable', type: 'bool', description: 'Disable OOM Killer' },
  { name: 'oom-score-adj', type: 'int', description: "Tune host's OOM preferences (-1000 to 1000)" },
  { name: 'pid', type: 'string', description: 'PID namespace to use' },
  { name: 'pids-limit', type: 'int', description: 'Tune container pids limit (set -1 for unlimited)' },
  { name: 'platform', type: 'string', description: 'Set platform if server is multi-platform capable' },
  { name: 'privileged', type: 'bool', description: 'Give extended privileges to this container' },
  { name: 'publish', short: 'p', type: 'list', description: "Publish a container's port(s) to the host" },
  { name: 'publish-all', short: 'P', type: 'bool', description: 'Publish all exposed ports to random ports' },
  { name: 'pull', type: 'string', description: 'Pull image before running ("always", "missing", "never")', defaultText: '"missing"' },
  { name: 'quiet', short: 'q', type: 'bool', description: 'Suppress the pull output' },
  { name: 'read-only', type: 'bool', description: "Mount the container's root filesystem as read only" },
  { name: 'restart', type: 'string', description: 'Restart policy to apply when a container exits', defaultText: '"no"', validate: (v) => void parseRestartPolicy(v) },
  { name: 'rm', type: 'bool', description: 'Automatically remove the container and its associated anonymous volumes when it exits' },
  { name: 'runtime', type: 'string', description: 'Runtime to use for this container' },
  { name: 'security-opt', type: 'list', description: 'Security Options' },
  { name: 'shm-size', type: 'string', valueName: 'bytes', description: 'Size of /dev/shm', validate: (v) => void bytesValue(v) },
  { name: 'stop-signal', type: 'string', description: 'Signal to stop the container' },
  { name: 'stop-timeout', type: 'int', description: 'Timeout (in seconds) to stop a container' },
  { name: 'storage-opt', type: 'list', description: 'Storage driver options for the container' },
  { name: 'sysctl', type: 'list', valueName: 'map', description: 'Sysctl options', validate: FORMAT_KV('sysctl') },
  { name: 'tmpfs', type: 'list', description: 'Mount a tmpfs directory' },
  { name: 'tty', short: 't', type: 'bool', description: 'Allocate a pseudo-TTY' },
  { name: 'ulimit', type: 'list', valueName: 'ulimit', description: 'Ulimit options', validate: (v) => void parseUlimit(v) },
  { name: 'user', short: 'u', type: 'string', description: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  { name: 'userns', type: 'string', description: 'User namespace to use' },
  { name: 'uts', type: 'string', description: 'UTS namespace to use' },
  { name: 'volume', short: 'v', type: 'list', description: 'Bind mount a volume' },
  { name: 'volume-driver', type: 'string', description: 'Optional volume driver for the container' },
  { name: 'volumes-from', type: 'list', description: 'Mount volumes from the specified container(s)' },
  { name: 'workdir', short: 'w', type: 'string', description: 'Working directory inside the container' },
];

/** Flags only `run` has. */
export const runOnlyFlags: FlagSpec[] = [
  { name: 'detach', short: 'd', type: 'bool', description: 'Run container in background and print container ID' },
  { name: 'sig-proxy', type: 'bool', description: 'Proxy received signals to the process', defaultText: 'true' },
];

export interface CreateInputs {
  image: string;
  command: string[];
  env: Record<string, string | undefined>;
  readFile: (path: string) => string;
  /** `[height, width]` of the terminal, sent as ConsoleSize with `-t`. */
  consoleSize?: [number, number];
}

export interface CreatePlan {
  name?: string;
  platform?: string;
  body: ContainerCreateRequest;
}

const orUndefined = <T>(list: T[]): T[] | undefined => (list.length === 0 ? undefined : list);

/** `net_admin` → `CAP_NET_ADMIN`; `ALL` stays as is. */
function normalizeCap(cap: string): string {
  const c = cap.trim().toUpperCase();
  return c === 'ALL' || c.startsWith('CAP_') ? c : `CAP_${c}`;
}

/**
 * docker/cli's capability lists: normalized, deduplicated and sorted; `ALL` in a list stands alone;
 * a capability both added and dropped is added.
 */
export function effectiveCaps(add: readonly string[], drop: readonly string[]): { add: string[]; drop: string[] } {
  const norm = (list: readonly string[]): Set<string> => {
    const set = new Set(list.map(normalizeCap));
    return set.has('ALL') ? new Set(['ALL']) : set;
  };
  const added = norm(add);
  const dropped = norm(drop);
  return { add: [...added].sort(), drop: [...dropped].filter((c) => !added.has(c)).sort() };
}

/** Applies docker/cli's rules for the create body; throws Error with docker's message on bad input. */
export function buildCreateRequest(flags: ParsedFlags, inputs: CreateInputs): CreatePlan {
  const attach = flags.list('attach').map((s) => s.toLowerCase());
  const detach = flags.bool('detach');
  if (detach && attach.length > 0) throw new Error('conflicting options: cannot specify both --attach and --detach');
  const interactive = flags.bool('interactive');
  let attachStdin = attach.includes('stdin') || interactive;
  let attachStdout = attach.includes('stdout');
  let attachStderr = attach.includes('stderr');
  if (attach.length === 0) {
    attachStdout = true;
    attachStderr = true;
  }
  if (detach) {
    attachStdin = false;
    attachStdout = false;
    attachStderr = false;
  }

  const env: string[] = [];
  for (const file of flags.list('env-file')) env.push(...parseEnvFile(inputs.readFile(file), inputs.env));
  for (const e of flags.list('env')) {
    const resolved = resolveEnvFlag(e, inputs.env);
    if (resolved !== undefined) env.push(resolved);
  }

  const labels: Record<string, string> = {};
  for (const file of flags.list('label-file')) {
    for (const line of parseLabelFile(inputs.readFile(file))) {
      const [k, v] = splitKeyValue(line);
      labels[k] = v;
    }
  }
  for (const l of flags.list('label')) {
    const [k, v] = splitKeyValue(l);
    labels[k] = v;
  }

  const ports: PortMappings = { exposed: [], bindings: {} };
  for (const p of flags.list('publish')) parsePublish(p, ports);
  const exposed: Record<string, Record<string, never>> = {};
  for (const key of ports.exposed) exposed[key] = {};
  for (const e of flags.list('expose')) for (const key of parseExpose(e)) exposed[key] = {};

  const binds: string[] = [];
  const volumes: Record<string, Record<string, never>> = {};
  for (const v of flags.list('volume')) {
    // A bare container path is an anonymous volume; anything with a source is a bind or named volume.
    if (v.includes(':')) binds.push(v);
    else volumes[v] = {};
  }

  const mounts: Mount[] = flags.list('mount').map((m) => parseMount(m, bytesValue));
  const tmpfs: Record<string, string> = {};
  for (const t of flags.list('tmpfs')) {
    const colon = t.indexOf(':');
    if (colon === -1) tmpfs[t] = '';
    else tmpfs[t.slice(0, colon)] = t.slice(colon + 1);
  }

  // As docker/cli: `systempaths=unconfined` is sent as empty MaskedPaths and ReadonlyPaths, not as an option.
  const unconfinedPaths = flags.list('security-opt').includes('systempaths=unconfined');
  const securityOpt = flags.list('security-opt').filter((opt) => opt !== 'systempaths=unconfined').map((opt) => {
    const [k, v] = splitKeyValue(opt);
    // docker/cli inlines a seccomp profile file; `unconfined` and `builtin` are passed by name.
    if ((k === 'seccomp' || k === 'seccomp:') && v !== 'unconfined' && v !== 'builtin' && v !== '') {
      return `seccomp=${JSON.stringify(JSON.parse(inputs.readFile(v)))}`;
    }
    return opt;
  });

  const restart = parseRestartPolicy(flags.string('restart') ?? '');
  if (flags.bool('rm') && restart.Name !== undefined && restart.Name !== 'no') {
    throw new Error('conflicting options: cannot specify both --restart and --rm');
  }

  const logOpts: Record<string, string> = {};
  for (const o of flags.list('log-opt')) {
    const [k, v] = splitKeyValue(o);
    logOpts[k] = v;
  }
  const sysctls: Record<string, string> = {};
  for (const s of flags.list('sysctl')) {
    const [k, v] = splitKeyValue(s);
    sysctls[k] = v;
  }

  // Several --network: the first is the network mode, every one an endpoint; the legacy flags go to the first, as docker's.
  const { mode: network, endpoints } = networkingFromFlags([...flags.list('network'), ...flags.list('net')], {
    aliases: flags.list('network-alias'),
    ip: flags.string('ip'),
    ip6: flags.string('ip6'),
    linkLocalIps: flags.list('link-local-ip'),
    links: flags.list('link'),
    mac: flags.string('mac-address'),
  });
  const networking: NetworkingConfig = { EndpointsConfig: endpoints };

  const caps = effectiveCaps(flags.list('cap-add'), flags.list('cap-drop'));
  const hostConfig: HostConfig = {
    Binds: orUndefined(binds) ?? null,
    NetworkMode: network,
    PortBindings: ports.bindings,
    RestartPolicy: restart.Name === undefined ? { Name: 'no' } : restart,
    AutoRemove: flags.bool('rm'),
    CapAdd: orUndefined(caps.add) ?? null,
    CapDrop: orUndefined(caps.drop) ?? null,
    Dns: flags.list('dns'),
    DnsOptions: flags.list('dns-option'),
    DnsSearch: flags.list('dns-search'),
    ExtraHosts: orUndefined(flags.list('add-host').map(parseExtraHost)) ?? null,
    GroupAdd: orUndefined(flags.list('group-add')) ?? null,
    Privileged: flags.bool('privileged'),
    PublishAllPorts: flags.bool('publish-all'),
    ReadonlyRootfs: flags.bool('read-only'),
    SecurityOpt: orUndefined(securityOpt) ?? null,
    ...(unconfinedPaths ? { MaskedPaths: [], ReadonlyPaths: [] } : {}),
    Ulimits: orUndefined(flags.list('ulimit').map(parseUlimit)) ?? null,
    Memory: flags.changed('memory') ? bytesValue(flags.string('memory') ?? '') : 0,
    MemoryReservation: flags.changed('memory-reservation') ? bytesValue(flags.string('memory-reservation') ?? '') : 0,
    MemorySwap: flags.changed('memory-swap') ? swapValue(flags.string('memory-swap') ?? '') : 0,
    NanoCpus: flags.changed('cpus') ? parseCpus(flags.string('cpus') ?? '') : 0,
    CpuShares: flags.int('cpu-shares') ?? 0,
    CpuQuota: flags.int('cpu-quota') ?? 0,
    CpuPeriod: flags.int('cpu-period') ?? 0,
    CpuRealtimePeriod: flags.int('cpu-rt-period') ?? 0,
    CpuRealtimeRuntime: flags.int('cpu-rt-runtime') ?? 0,
    BlkioWeight: flags.changed('blkio-weight') ? parseUint16(flags.string('blkio-weight') ?? '') : 0,
    BlkioWeightDevice: flags.list('blkio-weight-device').map(parseWeightDevice),
    BlkioDeviceReadBps: flags.list('device-read-bps').map(parseThrottleBpsDevice),
    BlkioDeviceWriteBps: flags.list('device-write-bps').map(parseThrottleBpsDevice),
    BlkioDeviceReadIOps: flags.list('device-read-iops').map(parseThrottleIOpsDevice),
    BlkioDeviceWriteIOps: flags.list('device-write-iops').map(parseThrottleIOpsDevice),
    CpusetCpus: flags.string('cpuset-cpus') ?? '',
    CpusetMems: flags.string('cpuset-mems') ?? '',
    LogConfig: { Type: flags.string('log-driver') ?? '', Config: logOpts },
    Mounts: orUndefined(mounts) ?? null,
    VolumesFrom: orUndefined(flags.list('volumes-from')) ?? null,
    Devices: orUndefined(flags.list('device').map(parseDeviceFlag)) ?? null,
    DeviceCgroupRules: orUndefined(flags.list('device-cgroup-rule')) ?? null,
    DeviceRequests: orUndefined(flags.list('gpus').map(parseGpuRequest)) ?? null,
    Links: orUndefined(flags.list('link')) ?? null,
  };
  const annotations = Object.fromEntries(flags.list('annotation').map(splitKeyValue));
  if (Object.keys(annotations).length > 0) hostConfig.Annotations = annotations;
  const storageOpts = flags.list('storage-opt').map((o) => {
    if (!o.includes('=')) throw new Error('invalid storage option');
    return splitKeyValue(o);
  });
  if (storageOpts.length > 0) hostConfig.StorageOpt = Object.fromEntries(storageOpts);
  const volumeDriver = flags.string('volume-driver');
  if (volumeDriver) hostConfig.VolumeDriver = volumeDriver;
  if (flags.changed('pids-limit')) hostConfig.PidsLimit = flags.int('pids-limit') ?? 0;
  if (flags.changed('init')) hostConfig.Init = flags.bool('init');
  if (flags.changed('oom-kill-disable')) hostConfig.OomKillDisable = flags.bool('oom-kill-disable');
  if (flags.changed('oom-score-adj')) hostConfig.OomScoreAdj = flags.int('oom-score-adj') ?? 0;
  if (flags.changed('memory-swappiness')) hostConfig.MemorySwappiness = flags.int('memory-swappiness') ?? -1;
  if (flags.changed('shm-size')) hostConfig.ShmSize = bytesValue(flags.string('shm-size') ?? '');
  if (Object.keys(tmpfs).length > 0) hostConfig.Tmpfs = tmpfs;
  if (Object.keys(sysctls).length > 0) hostConfig.Sysctls = sysctls;
  const stringOpts: [string, 'Runtime' | 'PidMode' | 'IpcMode' | 'UTSMode' | 'UsernsMode' | 'CgroupParent'][] = [
    ['runtime', 'Runtime'],
    ['pid', 'PidMode'],
    ['ipc', 'IpcMode'],
    ['uts', 'UTSMode'],
    ['userns', 'UsernsMode'],
    ['cgroup-parent', 'CgroupParent'],
  ];
  for (const [flag, field] of stringOpts) {
    const v = flags.string(flag);
    if (v !== undefined) hostConfig[field] = v;
  }
  const userns = flags.string('userns');
  if (userns !== undefined && userns !== '' && userns !== 'host') throw new Error('--userns: invalid USER mode');
  const cgroupns = flags.string('cgroupns');
  if (cgroupns !== undefined) {
    if (!['', 'host', 'private'].includes(cgroupns)) throw new Error('--cgroupns: invalid CGROUP mode');
    hostConfig.CgroupnsMode = cgroupns as 'host' | 'private' | '';
  }
  const tty = flags.bool('tty');
  if (tty && inputs.consoleSize !== undefined) hostConfig.ConsoleSize = inputs.consoleSize;

  const body: ContainerCreateRequest = {
    Hostname: flags.string('hostname') ?? '',
    Domainname: flags.string('domainname') ?? '',
    User: flags.string('user') ?? '',
    AttachStdin: attachStdin,
    AttachStdout: attachStdout,
    AttachStderr: attachStderr,
    Tty: tty,
    OpenStdin: interactive,
    // As docker/cli: an attached `-i` (run, or create then `start -ai`) closes the container's
    // stdin when the client's stdin ends; `-d` leaves it open for later attaches.
    StdinOnce: interactive && attachStdin,
    Env: env,
    Cmd: inputs.command.length > 0 ? inputs.command : null,
    Image: inputs.image,
    WorkingDir: flags.string('workdir') ?? '',
    Labels: labels,
    HostConfig: hostConfig,
    NetworkingConfig: networking,
  };
  if (Object.keys(exposed).length > 0) body.ExposedPorts = exposed;
  if (Object.keys(volumes).length > 0) body.Volumes = volumes;
  if (flags.changed('entrypoint')) {
    const ep = flags.string('entrypoint') ?? '';
    // An empty --entrypoint clears the image's entrypoint.
    body.Entrypoint = ep === '' ? [''] : [ep];
  }
  const stopSignal = flags.string('stop-signal');
  if (stopSignal !== undefined) body.StopSignal = stopSignal;
  if (flags.changed('stop-timeout')) body.StopTimeout = flags.int('stop-timeout') ?? 0;
  const healthcheck = healthcheckOf(flags);
  if (healthcheck) body.Healthcheck = healthcheck;

  const plan: CreatePlan = { body };
  const name = flags.string('name');
  if (name !== undefined) plan.name = name;
  const platform = flags.string('platform');
  if (platform !== undefined) plan.platform = platform;
  return plan;
}

/** `--health-*` and `--no-healthcheck` as docker/cli turns them into Config.Healthcheck. */
function healthcheckOf(flags: ParsedFlags): ContainerCreateRequest['Healthcheck'] {
  const ns = (flag: string): number => {
    const v = flags.string(flag);
    return v === undefined ? 0 : durationNanos(v);
  };
  const cmd = flags.string('health-cmd') ?? '';
  const timings = {
    Interval: ns('health-interval'),
    Timeout: ns('health-timeout'),
    StartPeriod: ns('health-start-period'),
    StartInterval: ns('health-start-interval'),
    Retries: flags.int('health-retries') ?? 0,
  };
  const anySet = cmd !== '' || Object.values(timings).some((v) => v !== 0);
  if (flags.bool('no-healthcheck')) {
    if (anySet) throw new Error('--no-healthcheck conflicts with --health-* options');
    return { Test: ['NONE'] };
  }
  if (!anySet) return undefined;
  const names: Record<keyof typeof timings, string> = {
    Interval: 'interval',
    Timeout: 'timeout',
    Retries: 'retries',
    StartPeriod: 'start-period',
    StartInterval: 'start-interval',
  };
  for (const [field, flag] of Object.entries(names)) {
    if (timings[field as keyof typeof timings] < 0) throw new Error(`--health-${flag} cannot be negative`);
  }
  return { ...(cmd !== '' ? { Test: ['CMD-SHELL', cmd] } : {}), ...timings };
}

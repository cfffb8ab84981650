/**
 * Parsers for the values of docker's container flags (`-p`, `--ulimit`, `--mount`, `--cpus`,
 * `--restart`, env and label files). Pure; errors are plain Errors with docker's wording, which the
 * flag parser or the command prefixes as docker does.
 */
import { isIP } from 'node:net';
import type { DeviceRequest, Mount, PortBinding, RestartPolicy, ThrottleDevice, Ulimit, WeightDevice } from '../api/types/host-config.js';
import { parseMemory } from '../lib/human-units.js';
import { parseExtraHost as parseExtraHostEntry } from '../lib/extra-host.js';

export interface PortMappings {
  exposed: string[];
  bindings: Record<string, PortBinding[]>;
}

const PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);

function parsePortRange(text: string): [number, number] | undefined {
  const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(text);
  if (m === null) return undefined;
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  if (start > 65535 || end > 65535 || end < start) return undefined;
  return [start, end];
}

/** Splits `ip:host:container`, `host:container`, `container`; an IPv6 address may contain colons. */
function splitPortSpec(raw: string): { ip: string; host: string; container: string } {
  const parts = raw.split(':');
  const n = parts.length;
  if (n === 1) return { ip: '', host: '', container: raw };
  if (n === 2) return { ip: '', host: parts[0] ?? '', container: parts[1] ?? '' };
  return { ip: parts.slice(0, n - 2).join(':'), host: parts[n - 2] ?? '', container: parts[n - 1] ?? '' };
}

/** Parses one `-p [ip:][hostPort:]containerPort[/proto]` value (ranges allowed) into mappings. */
export function parsePublish(spec: string, into: PortMappings = { exposed: [], bindings: {} }): PortMappings {
  let rest = spec;
  let proto = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash !== -1) {
    proto = rest.slice(slash + 1).toLowerCase();
    rest = rest.slice(0, slash);
    if (!PROTOCOLS.has(proto)) throw new Error(`invalid proto: ${proto}`);
  }
  const parts = splitPortSpec(rest);
  let ip = parts.ip;
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  if (ip !== '' && isIP(ip) === 0) throw new Error(`invalid IP address: ${parts.ip}`);
  if (parts.container === '') throw new Error(`no port specified: ${spec}<empty>`);
  const container = parsePortRange(parts.container);
  if (container === undefined) throw new Error(`invalid containerPort: ${parts.container}`);
  let host: [number, number] | undefined;
  if (parts.host !== '') {
    host = parsePortRange(parts.host);
    if (host === undefined) throw new Error(`invalid hostPort: ${parts.host}`);
  }
  const count = container[1] - container[0];
  if (host !== undefined && host[1] - host[0] !== count && count !== 0) {
    throw new Error(`invalid ranges specified for container and host Ports: ${parts.container} and ${parts.host}`);
  }
  for (let i = 0; i <= count; i++) {
    const key = `${container[0] + i}/${proto}`;
    let hostPort = '';
    if (host !== undefined) {
      // One container port with a host range: the daemon picks a free port in the range.
      hostPort = count === 0 && host[0] !== host[1] ? `${host[0]}-${host[1]}` : String(host[0] + i);
    }
    if (!into.exposed.includes(key)) into.exposed.push(key);
    (into.bindings[key] ??= []).push({ HostIp: ip, HostPort: hostPort });
  }
  return into;
}

/** Parses `--expose 80`, `--expose 8000-8010/udp` into port keys. */
export function parseExpose(spec: string): string[] {
  const slash = spec.lastIndexOf('/');
  const proto = slash === -1 ? 'tcp' : spec.slice(slash + 1).toLowerCase();
  const ports = slash === -1 ? spec : spec.slice(0, slash);
  if (!PROTOCOLS.has(proto)) throw new Error(`invalid proto: ${proto}`);
  const range = parsePortRange(ports);
  if (range === undefined) throw new Error(`invalid range format for --expose: ${spec}, error: invalid port`);
  const out: string[] = [];
  for (let p = range[0]; p <= range[1]; p++) out.push(`${p}/${proto}`);
  return out;
}

const ULIMIT_NAMES = new Set([
  'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice',
  'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack',
]);

function parseInt64(text: string): number {
  if (!/^[+-]?[0-9]+$/.test(text)) throw new Error(`strconv.ParseInt: parsing "${text}": invalid syntax`);
  return Number(text);
}

/** Parses `--ulimit name=soft[:hard]`. */
export function parseUlimit(spec: string): Ulimit {
  const eq = spec.indexOf('=');
  if (eq === -1) throw new Error(`invalid ulimit argument: ${spec}`);
  const name = spec.slice(0, eq);
  if (!ULIMIT_NAMES.has(name)) throw new Error(`invalid ulimit type: ${name}`);
  const limits = spec.slice(eq + 1).split(':');
  if (limits.length > 2) throw new Error(`too many limit value arguments - ${spec.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``);
  const soft = parseInt64(limits[0] ?? '');
  const hard = limits[1] === undefined ? soft : parseInt64(limits[1]);
  if (soft > hard) throw new Error(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  return { Name: name, Soft: soft, Hard: hard };
}

/** Go's strconv.ParseUint of a whole number (digits only) up to `max`; undefined when it fails. */
function parseUint(text: string, max: number): number | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) && n <= max ? n : undefined;
}

/** `PATH:VALUE` of the block I/O device flags, with docker/cli's checks of the path. */
function devicePair(spec: string): [string, string] {
  const colon = spec.indexOf(':');
  if (colon <= 0) throw new Error(`bad format: ${spec}`);
  const path = spec.slice(0, colon);
  if (!path.startsWith('/dev/')) throw new Error(`bad format for device path: ${spec}`);
  return [path, spec.slice(colon + 1)];
}

/** Parses `--blkio-weight-device /dev/sda:300` (10 to 1000, or 0). */
export function parseWeightDevice(spec: string): WeightDevice {
  const [path, value] = devicePair(spec);
  const weight = parseUint(value, 0xffff);
  if (weight === undefined || (weight > 0 && (weight < 10 || weight > 1000))) throw new Error(`invalid weight for device: ${spec}`);
  return { Path: path, Weight: weight };
}

/** Parses `--device-read-bps /dev/sda:1mb` (go-units sizes: binary multiples). */
export function parseThrottleBpsDevice(spec: string): ThrottleDevice {
  const [path, value] = devicePair(spec);
  const bad = new Error(`invalid rate for device: ${spec}. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb`);
  let rate: number;
  try {
    rate = parseMemory(value);
  } catch {
    throw bad;
  }
  if (!Number.isSafeInteger(rate) || rate < 0) throw bad;
  return { Path: path, Rate: rate };
}

/** Parses `--device-read-iops /dev/sda:100` (a whole number). */
export function parseThrottleIOpsDevice(spec: string): ThrottleDevice {
  const [path, value] = devicePair(spec);
  const rate = parseUint(value, Number.MAX_SAFE_INTEGER);
  if (rate === undefined) throw new Error(`invalid rate for device: ${spec}. The correct format is <device-path>:<number>. Number must be a positive integer`);
  return { Path: path, Rate: rate };
}

/** Parses a pflag uint16 value (`--blkio-weight`). */
export function parseUint16(text: string): number {
  const n = parseUint(text, 0xffff);
  if (n === undefined) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(text)}: ${/^[0-9]+$/.test(text) ? 'value out of range' : 'invalid syntax'}`);
  return n;
}

/** Parses `--cpus` (a decimal or a ratio) into NanoCpus. */
export function parseCpus(text: string): number {
  const m = /^([0-9]*)(?:\.([0-9]*))?$/.exec(text.trim());
  const ratio = /^([0-9]+)\/([0-9]+)$/.exec(text.trim());
  let value: number;
  if (m !== null && text.trim() !== '' && text.trim() !== '.') value = Number(text.trim());
  else if (ratio !== null && Number(ratio[2]) !== 0) value = Number(ratio[1]) / Number(ratio[2]);
  else throw new Error(`failed to parse ${text} as a rational number`);
  const nano = value * 1e9;
  if (Math.abs(nano - Math.round(nano)) > 1e-6) throw new Error('value is too precise');
  return Math.round(nano);
}

/** Parses `--restart no|always|unless-stopped|on-failure[:N]` (the daemon validates the name). */
export function parseRestartPolicy(text: string): RestartPolicy {
  if (text === '') return {};
  const colon = text.indexOf(':');
  const name = colon === -1 ? text : text.slice(0, colon);
  if (colon !== -1 && name === '') throw new Error('invalid restart policy format: no policy provided before colon');
  const policy: RestartPolicy = { Name: name as RestartPolicy['Name'] };
  if (colon !== -1) {
    const count = text.slice(colon + 1);
    if (!/^[+-]?[0-9]+$/.test(count)) throw new Error('invalid restart policy format: maximum retry count must be an integer');
    policy.MaximumRetryCount = Number(count);
  }
  return policy;
}

/**
 * Parses an env file (`KEY=value` lines, `#` comments, blank lines). A bare `KEY` takes its value from
 * `env` and is dropped when unset there.
 */
export function parseEnvFile(content: string, env: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  for (const rawLine of content.split(/\r?\n/)) {
    const line = rawLine.trimStart();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const key = eq === -1 ? line : line.slice(0, eq);
    if (key === '' ) throw new Error(`no variable name on line '${rawLine}'`);
    if (/\s/.test(key)) throw new Error(`variable '${key.trimEnd()}' contains whitespaces`);
    if (eq !== -1) out.push(line);
    else if (env[key] !== undefined) out.push(`${key}=${env[key]}`);
  }
  return out;
}

/** Parses a label file: like an env file, but a bare `KEY` is an empty label. */
export function parseLabelFile(content: string): string[] {
  const out: string[] = [];
  for (const rawLine of content.split(/\r?\n/)) {
    const line = rawLine.trimStart();
    if (line === '' || line.startsWith('#')) continue;
    out.push(line);
  }
  return out;
}

/** `-e KEY=v` is kept; `-e KEY` takes the value from `env`, and is dropped when unset there. */
export function resolveEnvFlag(value: string, env: Record<string, string | undefined>): string | undefined {
  if (value.includes('=')) {
    if (value.startsWith('=')) throw new Error(`invalid environment variable: ${value}`);
    return value;
  }
  const v = env[value];
  return v === undefined ? undefined : `${value}=${v}`;
}

/** `a=b` → [a, b]; `a` → [a, '']. */
export function splitKeyValue(text: string): [string, string] {
  const eq = text.indexOf('=');
  return eq === -1 ? [text, ''] : [text.slice(0, eq), text.slice(eq + 1)];
}

function parseBoolText(text: string, field: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(text)) return false;
  throw new Error(`invalid value for ${field}: ${text}`);
}

/** Splits CSV as encoding/csv does for one record (quotes allowed around fields). */
export function splitCsv(text: string): string[] {
  const fields: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"' && cur === '') quoted = true;
    else if (c === ',') {
      fields.push(cur);
      cur = '';
    } else cur += c;
  }
  fields.push(cur);
  return fields;
}

/**
 * Parses `--mount type=bind,source=/a,target=/b,readonly`. `parseSize` converts tmpfs sizes
 * (`64m`) to bytes.
 */
export function parseMount(spec: string, parseSize: (s: string) => number): Mount {
  const mount: Mount = { Type: 'volume' };
  let volumeLabels: Record<string, string> | undefined;
  let volumeDriverOpts: Record<string, string> | undefined;
  for (const field of splitCsv(spec)) {
    const [rawKey, rawValue] = splitKeyValue(field);
    const key = rawKey.trim().toLowerCase();
    const hasValue = field.includes('=');
    const value = rawValue;
    if (!hasValue) {
      if (key === 'readonly' || key === 'ro') mount.ReadOnly = true;
      else if (key === 'volume-nocopy') (mount.VolumeOptions ??= {}).NoCopy = true;
      else if (key === 'bind-nonrecursive') (mount.BindOptions ??= {}).NonRecursive = true;
      else throw new Error(`invalid field '${field}' must be a key=value pair`);
      continue;
    }
    switch (key) {
      case 'type':
        if (!['bind', 'volume', 'tmpfs', 'image', 'npipe', 'cluster'].includes(value.toLowerCase())) {
          throw new Error(`invalid value for 'type': ${value}`);
        }
        mount.Type = value.toLowerCase() as Mount['Type'];
        break;
      case 'source':
      case 'src':
        mount.Source = value;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        mount.Target = value;
        break;
      case 'readonly':
      case 'ro':
        mount.ReadOnly = parseBoolText(value, key);
        break;
      case 'consistency':
        mount.Consistency = value;
        break;
      case 'bind-propagation':
        (mount.BindOptions ??= {}).Propagation = value.toLowerCase() as NonNullable<Mount['BindOptions']>['Propagation'];
        break;
      case 'bind-nonrecursive':
        (mount.BindOptions ??= {}).NonRecursive = parseBoolText(value, key);
        break;
      case 'bind-create-src':
        (mount.BindOptions ??= {}).CreateMountpoint = parseBoolText(value, key);
        break;
      case 'volume-nocopy':
        (mount.VolumeOptions ??= {}).NoCopy = parseBoolText(value, key);
        break;
      case 'volume-label': {
        const [k, v] = splitKeyValue(value);
        (volumeLabels ??= {})[k] = v;
        break;
      }
      case 'volume-driver':
        ((mount.VolumeOptions ??= {}).DriverConfig ??= {}).Name = value;
        break;
      case 'volume-opt': {
        const [k, v] = splitKeyValue(value);
        (volumeDriverOpts ??= {})[k] = v;
        break;
      }
      case 'volume-subpath':
        (mount.VolumeOptions ??= {}).Subpath = value;
        break;
      case 'image-subpath':
        (mount.ImageOptions ??= {}).Subpath = value;
        break;
      case 'tmpfs-size':
        (mount.TmpfsOptions ??= {}).SizeBytes = parseSize(value);
        break;
      case 'tmpfs-mode': {
        if (!/^[0-7]+$/.test(value)) throw new Error(`invalid value for ${key}: ${value}`);
        (mount.TmpfsOptions ??= {}).Mode = Number.parseInt(value, 8);
        break;
      }
      default:
        throw new Error(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (volumeLabels !== undefined) (mount.VolumeOptions ??= {}).Labels = volumeLabels;
  if (volumeDriverOpts !== undefined) ((mount.VolumeOptions ??= {}).DriverConfig ??= {}).Options = volumeDriverOpts;
  if (mount.Target === undefined || mount.Target === '') throw new Error('target is required');
  if (mount.Type === 'bind' && (mount.Source === undefined || mount.Source === '')) throw new Error('source is required when specifying bind mount');
  if (mount.Type !== 'bind' && mount.BindOptions !== undefined) throw new Error(`cannot mix 'bind-*' options with mount type '${mount.Type}'`);
  if (mount.Type !== 'volume' && mount.VolumeOptions !== undefined) throw new Error(`cannot mix 'volume-*' options with mount type '${mount.Type}'`);
  if (mount.Type !== 'tmpfs' && mount.TmpfsOptions !== undefined) throw new Error(`cannot mix 'tmpfs-*' options with mount type '${mount.Type}'`);
  return mount;
}

/** `--add-host host:ip` (or `host=ip`), normalised to `host:ip`. */
export function parseExtraHost(text: string): string {
  const { name, ip } = parseExtraHostEntry(text);
  return `${name}:${ip}`;
}

/** `--gpus` count: `all` (-1) or an integer, with strconv.Atoi's complaint otherwise. */
function gpuCount(text: string): number {
  if (text === 'all') return -1;
  if (!/^[+-]?\d+$/.test(text)) throw new Error(`invalid count (${text}): value must be either "all" or an integer: invalid syntax`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`invalid count (${text}): value must be either "all" or an integer: value out of range`);
  return n;
}

/**
 * `--gpus all`, `--gpus 2`, `--gpus '"device=0,1",capabilities=utility,driver=nvidia,options=k=v'`
 * into a DeviceRequest, as docker/cli's GpuOpts: one GPU unless a count or devices are given,
 * capabilities `gpu` plus any asked for.
 */
export function parseGpuRequest(value: string): DeviceRequest {
  const req: DeviceRequest = { Driver: '', Count: 0, DeviceIDs: undefined, Capabilities: undefined, Options: {} };
  const seen = new Set<string>();
  for (const field of splitCsv(value)) {
    const eq = field.indexOf('=');
    const key = eq === -1 ? field : field.slice(0, eq);
    const val = field.slice(eq + 1);
    if (seen.has(key)) throw new Error(`gpu request key '${key}' can be specified only once`);
    seen.add(key);
    if (eq === -1) {
      seen.add('count');
      req.Count = gpuCount(key);
      continue;
    }
    if (key === 'driver') req.Driver = val;
    else if (key === 'count') req.Count = gpuCount(val);
    else if (key === 'device') req.DeviceIDs = val.split(',');
    else if (key === 'capabilities') req.Capabilities = [[...val.split(','), 'gpu']];
    else if (key === 'options') req.Options = Object.fromEntries(splitCsv(val).map(splitKeyValue));
    else throw new Error(`unexpected key '${key}' in '${field}'`);
  }
  if (!seen.has('count') && req.DeviceIDs === undefined) req.Count = 1;
  return { Driver: req.Driver, Count: req.Count, DeviceIDs: req.DeviceIDs ?? null, Capabilities: req.Capabilities ?? [['gpu']], Options: req.Options };
}

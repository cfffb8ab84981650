import { readFileSync } from 'node:fs';
import { DEFAULT_UPLOAD_CHUNK_SIZE } from '../distribution/blob-upload.js';
import { normalizeLogConfig, type LogConfigSpec } from '../engine/log-config.js';
import { errorMessage, invalidArgument } from '../lib/errors.js';

export interface DaemonConfig {
  dataRoot: string;
  runRoot: string;
  socketPath: string;
  /** Runtime name to use by default; undefined = probe (crun where it works, else runc). */
  defaultRuntime?: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** The default bridge's gateway address and prefix, as dockerd's --bip; undefined = first free default pool. */
  bip?: string;
  /** dockerd's --dns: the resolvers containers use (their resolv.conf, and the embedded DNS's upstreams) instead of the host's. */
  dns: string[];
  /** Registries (`host[:port]`) reached over plain http, besides 127.0.0.0/8 and localhost. */
  insecureRegistries: string[];
  /** Per-registry TLS files, `<dir>/<host[:port]>/{*.crt,*.cert,*.key}`, as Docker's certs.d. */
  certsDir: string;
  /** Layers a pull downloads, and a push uploads, at once (dockerd's defaults: 3 and 5). */
  maxConcurrentDownloads: number;
  maxConcurrentUploads: number;
  /** A pushed blob bigger than this goes up in chunks of this many bytes (berth's own setting). */
  uploadChunkSize: number;
  /** dockerd's log-driver and log-opts: a container's log settings when it names no driver (see normalizeLogConfig). */
  logConfig: LogConfigSpec;
  /** dockerd's default-cgroupns-mode: the cgroup namespace of containers that name none (berth's default: their own). */
  defaultCgroupnsMode: 'private' | 'host';
  /** dockerd's cpu-rt-period and cpu-rt-runtime (µs) for the containers' parent cgroups; 0 leaves them alone. */
  cpuRtPeriod: number;
  cpuRtRuntime: number;
}

/** Where the daemon reads its settings when no --config-file is given; a missing file is no error. */
export const DEFAULT_CONFIG_FILE = '/etc/berth/daemon.json';

export const DEFAULTS: DaemonConfig = {
  dataRoot: '/var/lib/berth',
  runRoot: '/run/berth',
  socketPath: '/run/berth/berth.sock',
  logLevel: 'info',
  dns: [],
  insecureRegistries: [],
  certsDir: '/etc/docker/certs.d',
  maxConcurrentDownloads: 3,
  maxConcurrentUploads: 5,
  uploadChunkSize: DEFAULT_UPLOAD_CHUNK_SIZE,
  logConfig: { Type: 'json-file', Config: {} },
  defaultCgroupnsMode: 'private',
  cpuRtPeriod: 0,
  cpuRtRuntime: 0,
};

const USAGE = `Usage:  berth daemon [OPTIONS]

Run berthd, the berth engine, in the foreground

Options:
      --config-file string     Daemon configuration file, with dockerd's daemon.json keys (default "${DEFAULT_CONFIG_FILE}")
      --data-root string       Root directory of persistent state (default "/var/lib/berth")
      --exec-root string       Root directory for runtime state (default "/run/berth")
  -H, --host string            Daemon socket to listen on (default "unix:///run/berth/berth.sock")
      --default-runtime string Default OCI runtime for containers: crun or runc (default: crun where it works, else runc)
      --bip string             Specify default-bridge IPv4 network (default: 172.17.0.1/16, or the first free default pool)
      --dns list               DNS server to use (default: the host's resolvers)
      --insecure-registry list Enable insecure registry communication
      --certs-dir string       Per-registry CA and client certificates (default "/etc/docker/certs.d", shared with Docker)
  -l, --log-level string       Logging level: debug, info, warn, error (default "info")
      --log-driver string      Default driver for container logs: json-file, local or none (default "json-file")
      --log-opt map            Default log driver options for containers (default map[])
      --cpu-rt-period int      Limit the CPU real-time period in microseconds for the parent cgroup for all containers
      --cpu-rt-runtime int     Limit the CPU real-time runtime in microseconds for the parent cgroup for all containers
      --default-cgroupns-mode string  Default mode for containers cgroup namespace ("host" | "private") (default "private")
      --max-concurrent-downloads int   Set the max concurrent downloads (default 3)
      --max-concurrent-uploads int     Set the max concurrent uploads (default 5)
      --upload-chunk-size int          Push blobs bigger than this in chunks of this many bytes (default 134217728)
`;

/**
 * A setting, named as in dockerd's daemon.json, with the flags that set it. `apply` takes one
 * value as text (from a flag, or a file's string or number); `what` names the flag or key in errors.
 */
interface Directive {
  flags: readonly string[];
  list?: boolean;
  /** An object of strings in the file (each entry applied as `key=value`), repeated `key=value` flags. */
  map?: boolean;
  apply(cfg: DaemonConfig, value: string, what: string): void;
}

function positive(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw invalidArgument('bad_flag_value', `invalid value "${value}" for ${what}: must be a positive integer`);
  return n;
}

const DIRECTIVES: Readonly<Record<string, Directive>> = {
  'data-root': { flags: ['--data-root'], apply: (cfg, v) => (cfg.dataRoot = v) },
  'exec-root': { flags: ['--exec-root'], apply: (cfg, v) => (cfg.runRoot = v) },
  hosts: {
    flags: ['-H', '--host'],
    list: true,
    apply: (cfg, v, what) => {
      if (!v.startsWith('unix://') && v.includes('://')) throw invalidArgument('bad_host', `invalid value "${v}" for ${what}: berthd listens on a unix socket only (unix:///path)`);
      cfg.socketPath = v.replace(/^unix:\/\//, '');
    },
  },
  'default-runtime': { flags: ['--default-runtime'], apply: (cfg, v) => (cfg.defaultRuntime = v) },
  bip: {
    flags: ['--bip'],
    apply: (cfg, v, what) => {
      if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(v)) throw invalidArgument('bad_bip', `invalid value "${v}" for ${what}: invalid CIDR address`);
      cfg.bip = v;
    },
  },
  dns: {
    flags: ['--dns'],
    list: true,
    apply: (cfg, v, what) => {
      if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(v) || v.split('.').some((b) => Number(b) > 255)) throw invalidArgument('bad_dns', `invalid value "${v}" for ${what}: ${v} is not an ip address`);
      cfg.dns.push(v);
    },
  },
  'insecure-registries': { flags: ['--insecure-registry'], list: true, apply: (cfg, v) => cfg.insecureRegistries.push(v.replace(/^https?:\/\//, '').replace(/\/.*$/, '')) },
  'certs-dir': { flags: ['--certs-dir'], apply: (cfg, v) => (cfg.certsDir = v) },
  'max-concurrent-downloads': { flags: ['--max-concurrent-downloads'], apply: (cfg, v, what) => (cfg.maxConcurrentDownloads = positive(v, what)) },
  'max-concurrent-uploads': { flags: ['--max-concurrent-uploads'], apply: (cfg, v, what) => (cfg.maxConcurrentUploads = positive(v, what)) },
  'upload-chunk-size': { flags: ['--upload-chunk-size'], apply: (cfg, v, what) => (cfg.uploadChunkSize = positive(v, what)) },
  'log-driver': { flags: ['--log-driver'], apply: (cfg, v) => (cfg.logConfig = { ...cfg.logConfig, Type: v }) },
  'log-opts': {
    flags: ['--log-opt'],
    map: true,
    apply: (cfg, v, what) => {
      const eq = v.indexOf('=');
      if (eq <= 0) throw invalidArgument('bad_log_opt', `invalid value "${v}" for ${what}: must be key=value`);
      cfg.logConfig = { ...cfg.logConfig, Config: { ...cfg.logConfig.Config, [v.slice(0, eq)]: v.slice(eq + 1) } };
    },
  },
  'cpu-rt-period': { flags: ['--cpu-rt-period'], apply: (cfg, v, what) => (cfg.cpuRtPeriod = positive(v, what)) },
  'cpu-rt-runtime': { flags: ['--cpu-rt-runtime'], apply: (cfg, v, what) => (cfg.cpuRtRuntime = positive(v, what)) },
  'default-cgroupns-mode': {
    flags: ['--default-cgroupns-mode'],
    apply: (cfg, v) => {
      if (v !== 'host' && v !== 'private') throw invalidArgument('bad_cgroupns_mode', `default cgroup namespace mode (${v}) is invalid; use "host" or "private"`);
      cfg.defaultCgroupnsMode = v;
    },
  },
  'log-level': {
    flags: ['-l', '--log-level'],
    apply: (cfg, v) => {
      if (!['debug', 'info', 'warn', 'error'].includes(v)) throw invalidArgument('bad_log_level', `invalid log level: ${v}`);
      cfg.logLevel = v as DaemonConfig['logLevel'];
    },
  },
};

const BY_FLAG = new Map(Object.entries(DIRECTIVES).flatMap(([key, d]) => d.flags.map((f) => [f, key] as const)));

/** Reads a config file's text; null when it does not exist. */
export type ConfigFileReader = (path: string) => string | null;

function readIfPresent(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** A daemon.json value as dockerd names it in an error: lists joined, objects as Go prints a map. */
function fileValue(v: unknown): string {
  if (Array.isArray(v)) return v.join(', ');
  if (typeof v === 'object' && v !== null) {
    return `map[${Object.entries(v)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, x]) => `${k}:${String(x)}`)
      .join(' ')}]`;
  }
  return String(v);
}

/**
 * Applies a daemon.json's settings, as dockerd does: an unknown key, or one also given as a
 * flag, is refused, naming them all.
 */
function applyConfigFile(cfg: DaemonConfig, path: string, text: string, fromFlags: ReadonlyMap<string, string[]>): void {
  const fail = (why: string) => invalidArgument('bad_config_file', `unable to configure the berth daemon with file ${path}: ${why}`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw fail(errorMessage(e));
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw fail('the file must hold a JSON object');
  const entries = Object.entries(doc as Record<string, unknown>);
  const unknown = entries.filter(([k]) => !DIRECTIVES[k]).map(([k]) => k);
  if (unknown.length > 0) throw fail(`the following directives don't match any configuration option: ${unknown.join(', ')}`);
  const both = entries.filter(([k]) => fromFlags.has(k));
  if (both.length > 0) {
    const list = both.map(([k, v]) => `${k}: (from flag: ${fromFlags.get(k)!.join(', ')}, from file: ${fileValue(v)})`);
    throw fail(`the following directives are specified both as a flag and in the configuration file: ${list.join(', ')}`);
  }
  for (const [key, value] of entries) {
    const d = DIRECTIVES[key]!;
    if (d.map) {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.values(value).every((v) => typeof v === 'string')) {
        throw fail(`"${key}" must be an object of strings`);
      }
      for (const [k, v] of Object.entries(value as Record<string, string>)) d.apply(cfg, `${k}=${v}`, `"${key}" in ${path}`);
      continue;
    }
    const values = d.list ? value : [value];
    if (!Array.isArray(values) || !values.every((v) => typeof v === 'string' || typeof v === 'number')) {
      throw fail(`"${key}" must be ${d.list ? 'a list of strings' : 'a string or a number'}`);
    }
    for (const v of values) d.apply(cfg, String(v), `"${key}" in ${path}`);
  }
}

/**
 * Parses `berth daemon` flags, then the config file (--config-file, else DEFAULT_CONFIG_FILE when
 * it exists); `--help` yields null after printing usage.
 */
export function parseDaemonArgs(argv: readonly string[], readConfig: ConfigFileReader = readIfPresent): DaemonConfig | null {
  const cfg: DaemonConfig = { ...DEFAULTS, dns: [], insecureRegistries: [], logConfig: { Type: 'json-file', Config: {} } };
  const fromFlags = new Map<string, string[]>();
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw invalidArgument('flag_needs_value', `flag needs an argument: ${name}`);
      return v;
    };
    if (name === '-h' || name === '--help') {
      process.stdout.write(USAGE);
      return null;
    }
    if (name === '--config-file') {
      configFile = value();
      continue;
    }
    const key = BY_FLAG.get(name);
    if (!key) throw invalidArgument('unknown_flag', `unknown flag: ${arg}\nSee 'berth daemon --help'.`);
    const v = value();
    DIRECTIVES[key]!.apply(cfg, v, `flag ${name}`);
    fromFlags.set(key, [...(fromFlags.get(key) ?? []), v]);
  }
  const path = configFile ?? DEFAULT_CONFIG_FILE;
  const text = readConfig(path);
  if (text === null && configFile !== undefined) throw invalidArgument('bad_config_file', `unable to configure the berth daemon with file ${path}: no such file`);
  if (text !== null) applyConfigFile(cfg, path, text, fromFlags);
  try {
    cfg.logConfig = normalizeLogConfig(cfg.logConfig);
  } catch (e) {
    throw invalidArgument('bad_log_config', `invalid default log configuration: ${errorMessage(e)}`);
  }
  // The socket follows the exec root unless it was chosen.
  if (!fromFlags.has('hosts') && cfg.socketPath === DEFAULTS.socketPath) cfg.socketPath = `${cfg.runRoot}/berth.sock`;
  return cfg;
}

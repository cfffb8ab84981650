import { DEFAULT_UPLOAD_CHUNK_SIZE } from '../distribution/blob-upload.js';
import { invalidArgument } from '../lib/errors.js';

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
}

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
};

const USAGE = `Usage:  berth daemon [OPTIONS]

Run berthd, the berth engine, in the foreground

Options:
      --data-root string       Root directory of persistent state (default "/var/lib/berth")
      --exec-root string       Root directory for runtime state (default "/run/berth")
  -H, --host string            Daemon socket to listen on (default "unix:///run/berth/berth.sock")
      --default-runtime string Default OCI runtime for containers: crun or runc (default: crun where it works, else runc)
      --bip string             Specify default-bridge IPv4 network (default: 172.17.0.1/16, or the first free default pool)
      --dns list               DNS server to use (default: the host's resolvers)
      --insecure-registry list Enable insecure registry communication
      --certs-dir string       Per-registry CA and client certificates (default "/etc/docker/certs.d", shared with Docker)
  -l, --log-level string       Logging level: debug, info, warn, error (default "info")
      --max-concurrent-downloads int   Set the max concurrent downloads (default 3)
      --max-concurrent-uploads int     Set the max concurrent uploads (default 5)
      --upload-chunk-size int          Push blobs bigger than this in chunks of this many bytes (default 134217728)
`;

/** Parses `berth daemon` flags; `--help` yields null after printing usage. */
export function parseDaemonArgs(argv: readonly string[]): DaemonConfig | null {
  const cfg: DaemonConfig = { ...DEFAULTS, dns: [], insecureRegistries: [] };
  const positive = (flag: string, text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw invalidArgument('bad_flag_value', `invalid value "${text}" for flag ${flag}: must be a positive integer`);
    return n;
  };
  let socketGiven = false;
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
    switch (name) {
      case '-h':
      case '--help':
        process.stdout.write(USAGE);
        return null;
      case '--data-root':
        cfg.dataRoot = value();
        break;
      case '--exec-root':
        cfg.runRoot = value();
        if (!socketGiven) cfg.socketPath = `${cfg.runRoot}/berth.sock`;
        break;
      case '-H':
      case '--host':
        cfg.socketPath = value().replace(/^unix:\/\//, '');
        socketGiven = true;
        break;
      case '--default-runtime':
        cfg.defaultRuntime = value();
        break;
      case '--bip': {
        const bip = value();
        if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(bip)) throw invalidArgument('bad_bip', `invalid value "${bip}" for flag --bip: invalid CIDR address`);
        cfg.bip = bip;
        break;
      }
      case '--dns': {
        const ip = value();
        if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip) || ip.split('.').some((b) => Number(b) > 255)) {
          throw invalidArgument('bad_dns', `invalid value "${ip}" for flag --dns: ${ip} is not an ip address`);
        }
        cfg.dns.push(ip);
        break;
      }
      case '--insecure-registry':
        cfg.insecureRegistries.push(value().replace(/^https?:\/\//, '').replace(/\/.*$/, ''));
        break;
      case '--certs-dir':
        cfg.certsDir = value();
        break;
      case '--max-concurrent-downloads':
        cfg.maxConcurrentDownloads = positive(name, value());
        break;
      case '--max-concurrent-uploads':
        cfg.maxConcurrentUploads = positive(name, value());
        break;
      case '--upload-chunk-size':
        cfg.uploadChunkSize = positive(name, value());
        break;
      case '-l':
      case '--log-level': {
        const l = value();
        if (!['debug', 'info', 'warn', 'error'].includes(l)) throw invalidArgument('bad_log_level', `invalid log level: ${l}`);
        cfg.logLevel = l as DaemonConfig['logLevel'];
        break;
      }
      default:
        throw invalidArgument('unknown_flag', `unknown flag: ${arg}\nSee 'berth daemon --help'.`);
    }
  }
  return cfg;
}

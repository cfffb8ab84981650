import { invalidArgument } from '../lib/errors.js';
import { parseSize } from '../lib/human-units.js';

/** HostConfig.LogConfig as recorded with a container. */
export interface LogConfigSpec {
  Type: string;
  Config: Record<string, string>;
}

/** The drivers berth serves, all through conmon's log file, and the options Docker gives each. */
const DRIVER_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  'json-file': ['max-size', 'max-file', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag'],
  local: ['max-size', 'max-file', 'compress'],
  none: [],
};

/** Docker's other drivers: known, so refused by name rather than as unknown. */
const OTHER_DOCKER_DRIVERS = ['syslog', 'journald', 'gelf', 'fluentd', 'awslogs', 'splunk', 'etwlogs', 'gcplogs', 'logentries'];

/** The `local` driver's defaults, as Docker's: 20 MB a file, 5 files. */
const LOCAL_MAX_SIZE = 20 * 1000 * 1000;
const LOCAL_MAX_FILES = 5;

const DOCKER_DEFAULT: LogConfigSpec = { Type: 'json-file', Config: {} };

/**
 * A create's LogConfig checked as dockerd checks it, with its messages, and recorded as dockerd
 * records it: the daemon's driver when none is named, and with the daemon's driver its options
 * under the container's own.
 */
export function normalizeLogConfig(cfg: { Type?: string; Config?: Record<string, string> | null } | undefined, daemon: LogConfigSpec = DOCKER_DEFAULT): LogConfigSpec {
  const type = cfg?.Type || daemon.Type;
  const config = { ...(type === daemon.Type ? daemon.Config : {}), ...(cfg?.Config ?? {}) };
  const allowed = DRIVER_OPTIONS[type];
  if (allowed === undefined) {
    if (OTHER_DOCKER_DRIVERS.includes(type)) throw invalidArgument('unsupported_log_driver', `log driver ${type} is not supported by berth: use json-file, local or none`);
    throw invalidArgument('unknown_log_driver', `logger: no log driver named '${type}' is registered`);
  }
  for (const key of Object.keys(config)) {
    if (!allowed.includes(key)) throw invalidArgument('unknown_log_opt', `unknown log opt '${key}' for ${type} log driver`);
  }
  logSizeMax({ Type: type, Config: config });
  const files = config['max-file'];
  if (files !== undefined) {
    if (!/^\d+$/.test(files)) throw invalidArgument('invalid_log_opt', `strconv.Atoi: parsing "${files}": invalid syntax`);
    if (Number(files) < 1) throw invalidArgument('invalid_log_opt', 'max-file cannot be less than 1');
    if (Number(files) > 1 && config['max-size'] === undefined && type === 'json-file') {
      throw invalidArgument('invalid_log_opt', 'max-file cannot be set when max-size is not set');
    }
  }
  return { Type: type, Config: config };
}

/**
 * The bytes conmon lets the log file reach before it starts it afresh (`max-size`; the `local`
 * driver's default when unset); undefined for no cap. See logMaxFiles for the files kept.
 */
export function logSizeMax(cfg: LogConfigSpec): number | undefined {
  const text = cfg.Config['max-size'];
  if (text === undefined) return cfg.Type === 'local' ? LOCAL_MAX_SIZE : undefined;
  let size: number;
  try {
    size = parseSize(text);
  } catch (e) {
    throw invalidArgument('invalid_log_opt', `invalid max-size '${text}': ${e instanceof Error ? e.message : String(e)}`);
  }
  if (size <= 0) throw invalidArgument('invalid_log_opt', `invalid max-size '${text}': must be more than 0`);
  return size;
}

/**
 * How many files a capped log spans, the live one and the rotated ones kept (`max-file`; the
 * `local` driver's 5 when unset, else 1).
 */
export function logMaxFiles(cfg: LogConfigSpec): number {
  const text = cfg.Config['max-file'];
  if (text !== undefined) return Number(text);
  return cfg.Type === 'local' ? LOCAL_MAX_FILES : 1;
}

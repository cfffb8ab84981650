import { internal, invalidArgument } from '../../lib/errors.js';
import type { PosixRlimit } from './types.js';

/** RLIM_INFINITY as the spec's uint64. */
export const RLIM_INFINITY = 2n ** 64n - 1n;

/** A docker `--ulimit` (wire `{Name, Soft, Hard}`); -1 means unlimited, as docker's parser gives. */
export interface Ulimit {
  name: string;
  soft: number;
  hard: number;
}

/** One of the daemon's own limits; RLIM_INFINITY for unlimited. */
export interface HostRlimit {
  soft: bigint;
  hard: bigint;
}

/** Limits keyed by spec type (`RLIMIT_NOFILE`). */
export type HostRlimits = Record<string, HostRlimit>;

const ULIMIT_TYPES: Record<string, string> = {
  as: 'RLIMIT_AS',
  core: 'RLIMIT_CORE',
  cpu: 'RLIMIT_CPU',
  data: 'RLIMIT_DATA',
  fsize: 'RLIMIT_FSIZE',
  locks: 'RLIMIT_LOCKS',
  memlock: 'RLIMIT_MEMLOCK',
  msgqueue: 'RLIMIT_MSGQUEUE',
  nice: 'RLIMIT_NICE',
  nofile: 'RLIMIT_NOFILE',
  nproc: 'RLIMIT_NPROC',
  rss: 'RLIMIT_RSS',
  rtprio: 'RLIMIT_RTPRIO',
  rttime: 'RLIMIT_RTTIME',
  sigpending: 'RLIMIT_SIGPENDING',
  stack: 'RLIMIT_STACK',
};

/** The row labels of /proc/<pid>/limits. */
const PROC_LIMIT_LABELS: Record<string, string> = {
  'Max cpu time': 'RLIMIT_CPU',
  'Max file size': 'RLIMIT_FSIZE',
  'Max data size': 'RLIMIT_DATA',
  'Max stack size': 'RLIMIT_STACK',
  'Max core file size': 'RLIMIT_CORE',
  'Max resident set': 'RLIMIT_RSS',
  'Max processes': 'RLIMIT_NPROC',
  'Max open files': 'RLIMIT_NOFILE',
  'Max locked memory': 'RLIMIT_MEMLOCK',
  'Max address space': 'RLIMIT_AS',
  'Max file locks': 'RLIMIT_LOCKS',
  'Max pending signals': 'RLIMIT_SIGPENDING',
  'Max msgqueue size': 'RLIMIT_MSGQUEUE',
  'Max nice priority': 'RLIMIT_NICE',
  'Max realtime priority': 'RLIMIT_RTPRIO',
  'Max realtime timeout': 'RLIMIT_RTTIME',
};

function toRlimitValue(n: number): bigint {
  if (n === -1) return RLIM_INFINITY;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw invalidArgument('invalid_ulimit', `invalid ulimit value: ${n}`);
  }
  return BigInt(n);
}

const show = (v: bigint): string => (v === RLIM_INFINITY ? 'unlimited' : v.toString());

/**
 * Spec rlimits for docker ulimits, in input order (a later ulimit of the same name replaces an
 * earlier one). The daemon cannot raise a hard limit above its own without CAP_SYS_RESOURCE, and
 * the runtime would then fail at start, so a limit above `host`'s hard limit is clamped to it and
 * the clamp reported in `warnings`.
 */
export function resolveRlimits(
  ulimits: readonly Ulimit[],
  host: HostRlimits = {},
): { rlimits: PosixRlimit[]; warnings: string[] } {
  const byType = new Map<string, PosixRlimit>();
  const warnings: string[] = [];
  for (const u of ulimits) {
    const type = ULIMIT_TYPES[u.name];
    if (type === undefined) throw invalidArgument('invalid_ulimit', `invalid ulimit type: ${u.name}`);
    let soft = toRlimitValue(u.soft);
    let hard = toRlimitValue(u.hard);
    if (soft > hard) {
      throw invalidArgument(
        'invalid_ulimit',
        `ulimit soft limit must be less than or equal to hard limit: ${u.soft} > ${u.hard}`,
      );
    }
    const limit = host[type];
    if (limit !== undefined && hard > limit.hard) {
      warnings.push(
        `ulimit ${u.name}: hard limit ${show(hard)} is above the daemon's own limit ${show(limit.hard)}; using ${show(limit.hard)}`,
      );
      hard = limit.hard;
      if (soft > hard) soft = hard;
    }
    byType.delete(type);
    byType.set(type, { type, hard, soft });
  }
  return { rlimits: [...byType.values()], warnings };
}

/** The limits in /proc/<pid>/limits text, keyed by spec type. */
export function parseProcLimits(text: string): HostRlimits {
  const out: HostRlimits = {};
  for (const line of text.split('\n')) {
    const match = /^(Max [a-z ]+?)\s{2,}(\d+|unlimited)\s+(\d+|unlimited)/.exec(line);
    if (!match) continue;
    const [, label = '', soft = '', hard = ''] = match;
    const type = PROC_LIMIT_LABELS[label];
    if (type === undefined) continue;
    const value = (s: string): bigint => (s === 'unlimited' ? RLIM_INFINITY : BigInt(s));
    out[type] = { soft: value(soft), hard: value(hard) };
  }
  if (Object.keys(out).length === 0) throw internal('invalid_proc_limits', 'no limits found in process limits text');
  return out;
}

import { invalidArgument } from '../lib/errors.js';
import { formatGoDuration } from '../lib/time-spec.js';
import type { ImageRunConfig } from './image.js';

export type Healthcheck = NonNullable<ImageRunConfig['Healthcheck']>;

/** The flags a HEALTHCHECK instruction takes. */
export const HEALTHCHECK_FLAGS = ['interval', 'timeout', 'start-period', 'start-interval', 'retries'];

/** A Go duration (`30s`, `1m30s`, `500ms`) in nanoseconds, or Docker's error naming the flag. */
function durationNs(text: string, flag: string): number {
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  let matched = '';
  for (let m = re.exec(text); m; m = re.exec(text)) {
    matched += m[0];
    const unit = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }[m[2]!]!;
    total += Number(m[1]) * unit;
  }
  if (matched !== text || text === '') throw invalidArgument('dockerfile_flag', `time: invalid duration "${text}" for --${flag}`);
  return total;
}

/**
 * A HEALTHCHECK instruction's config, as Docker builds it (Dockerfile and `--change`): `NONE`, or
 * `CMD` in exec (JSON) or shell form, with the `flag` values of HEALTHCHECK_FLAGS.
 */
export function healthcheckOf(args: string, flag: (name: string) => string | undefined): Healthcheck {
  const kind = args.split(/\s+/, 1)[0]!.toUpperCase();
  if (kind === 'NONE') return { Test: ['NONE'] };
  if (kind !== 'CMD') throw invalidArgument('dockerfile_healthcheck', `Unknown type "${kind}" in HEALTHCHECK (try CMD)`);
  const cmdText = args.slice(3).trim();
  let json: string[] | undefined;
  try {
    const v: unknown = JSON.parse(cmdText);
    if (Array.isArray(v) && v.every((s) => typeof s === 'string')) json = v as string[];
  } catch {
    json = undefined;
  }
  const hc: Healthcheck = { Test: json ? ['CMD', ...json] : ['CMD-SHELL', cmdText] };
  const dur = (f: string): number | undefined => {
    const v = flag(f);
    return v === undefined ? undefined : durationNs(v, f);
  };
  const [interval, timeout, startPeriod, startInterval] = [dur('interval'), dur('timeout'), dur('start-period'), dur('start-interval')];
  if (interval !== undefined) hc.Interval = interval;
  if (timeout !== undefined) hc.Timeout = timeout;
  if (startPeriod !== undefined) hc.StartPeriod = startPeriod;
  if (startInterval !== undefined) hc.StartInterval = startInterval;
  const retries = flag('retries');
  if (retries !== undefined) hc.Retries = Number(retries);
  return hc;
}

/** Go's %q of a rune (strconv.QuoteRune): `'a'`, `'\n'`, `'\x04'`. */
function goQuoteRune(n: number): string {
  const named: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 39: "\\'", 92: '\\\\' };
  if (named[n] !== undefined) return `'${named[n]}'`;
  if (n < 0x20 || n === 0x7f) return `'\\x${n.toString(16).padStart(2, '0')}'`;
  return `'${String.fromCodePoint(n)}'`;
}

/**
 * A healthcheck as dockerd's classic builder writes it in history: Go's `%q` of its HealthConfig
 * (`&{["CMD-SHELL" "curl x"] "30s" "0s" "0s" "0s" '\x03'}`: test, interval, timeout, start period,
 * start interval, retries), which scripts reading `docker history` see.
 */
export function healthcheckHistoryText(hc: Healthcheck): string {
  const dur = (ns: number | undefined): string => JSON.stringify(formatGoDuration((ns ?? 0) / 1e6));
  const test = `[${(hc.Test ?? []).map((t) => JSON.stringify(t)).join(' ')}]`;
  return `&{${test} ${dur(hc.Interval)} ${dur(hc.Timeout)} ${dur(hc.StartPeriod)} ${dur(hc.StartInterval)} ${goQuoteRune(hc.Retries ?? 0)}}`;
}

/**
 * `--since`/`--until` values as docker/cli accepts them: RFC3339 (with or without zone or fraction),
 * plain dates, unix timestamps (`1700000000`, `1700000000.5`), or Go durations relative to now
 * (`10m`, `1h30m`, `1.5h`). Returns the unix-seconds string the API expects (`<s>.<9 digits>`).
 */

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses a Go duration (`1h30m`, `-5s`, `1.5h`) into milliseconds, or undefined. */
export function parseGoDuration(text: string): number | undefined {
  const m = /^([+-])?((?:[0-9]*\.?[0-9]+(?:ns|us|µs|ms|s|m|h))+)$/.exec(text);
  if (m === null) return text === '0' ? 0 : undefined;
  let total = 0;
  for (const part of (m[2] ?? '').matchAll(/([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(part[1]) * (DURATION_UNITS[part[2] ?? ''] ?? 0);
  }
  return m[1] === '-' ? -total : total;
}

/** A duration as Go's time.Duration prints it (`500ms`, `1s`, `1m30s`, `1.5s`), for Docker's messages. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 0.001) return `${Math.round(ms * 1e6)}ns`;
  if (ms < 1) return `${trimNumber(ms * 1000)}µs`;
  if (ms < 1000) return `${trimNumber(ms)}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${trimNumber(s)}s`;
}

function trimNumber(n: number): string {
  return String(Number(n.toFixed(9)));
}

function formatSeconds(ms: number): string {
  const whole = Math.floor(ms / 1000);
  const nanos = Math.round((ms - whole * 1000) * 1e6);
  return `${whole}.${String(nanos).padStart(9, '0')}`;
}

const RFC3339_LIKE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Converts a user's time value to API form; throws with docker's wording when unparseable. */
export function parseTimeSpec(value: string, nowMs: number, flag = 'since'): string {
  if (value === '') return '';
  // Unix seconds with optional fraction pass through as the daemon reads them.
  if (/^[0-9]+(\.[0-9]{1,9})?$/.test(value) && !/^\d{4}-/.test(value)) {
    const [secs, frac = ''] = value.split('.');
    return frac === '' ? (secs ?? '') : `${secs}.${frac.padEnd(9, '0')}`;
  }
  const duration = parseGoDuration(value);
  if (duration !== undefined) return formatSeconds(nowMs - duration);
  const m = RFC3339_LIKE.exec(value);
  if (m !== null) {
    const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = m;
    const base = `${y}-${mo}-${d}T${h}:${mi}:${s}`;
    const zoneText = zone === undefined ? '' : zone === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
    // Without a zone, docker reads the time as local time; Date does the same for this form.
    const ms = Date.parse(`${base}${zoneText}`);
    if (!Number.isNaN(ms)) {
      const nanosFrac = frac === '' ? 0 : Math.round(Number(`0${frac}`) * 1e9);
      return `${Math.floor(ms / 1000)}.${String(nanosFrac).padStart(9, '0')}`;
    }
  }
  throw new Error(`invalid value for "${flag}": failed to parse value as time or duration: "${value}"`);
}

import { invalidArgument } from '../../lib/errors.js';

/** Docker's boolean query values: "", 0, no, false, none (any case) are false. */
export function boolParam(q: URLSearchParams, name: string, dflt = false): boolean {
  const v = q.get(name);
  if (v === null) return dflt;
  return !['', '0', 'no', 'false', 'none'].includes(v.toLowerCase());
}

export function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw invalidArgument('invalid_query', `invalid value for ${name}: ${v}`);
  return n;
}

/**
 * `filters` in both dialects: `{"label":["a=b"]}` (docker-py, dockerode) and `{"label":{"a=b":true}}` (Go clients).
 */
export function filtersParam(q: URLSearchParams): Map<string, string[]> {
  const raw = q.get('filters');
  const out = new Map<string, string[]>();
  if (!raw) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidArgument('invalid_filter', `invalid filter: ${raw}`);
  }
  if (parsed === null || typeof parsed !== 'object') throw invalidArgument('invalid_filter', `invalid filter: ${raw}`);
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (Array.isArray(v)) out.set(k, v.map(String));
    else if (v && typeof v === 'object') out.set(k, Object.keys(v).filter((x) => (v as Record<string, unknown>)[x]));
    else if (typeof v === 'string') out.set(k, [v]);
  }
  return out;
}

/**
 * A `since`/`until` timestamp, Unix seconds with an optional fraction (`1700000000.5`), in
 * nanoseconds; `undefined` when absent. The fraction is decimal, as Docker reads it.
 */
export function timestampParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const m = /^(-?\d+)(?:\.(\d{1,9}))?$/.exec(v);
  if (!m) throw invalidArgument('invalid_timestamp', `failed to parse value as time or duration: "${v}"`);
  return Number(m[1]) * 1e9 + Number((m[2] ?? '').padEnd(9, '0') || '0');
}

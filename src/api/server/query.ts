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

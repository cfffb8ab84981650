import type { RuntimeSpec } from './types.js';

/**
 * config.json text for a spec. Bigints (the rlimit values) are written as bare JSON integers, so
 * RLIM_INFINITY survives as 18446744073709551615 instead of being rounded or rejected.
 */
export function specToJson(spec: RuntimeSpec): string {
  // Unambiguous: no real spec string holds a NUL (paths, argv and env are C strings).
  const marker = '\u0000bigint:';
  const text = JSON.stringify(
    spec,
    (_key, value: unknown) => (typeof value === 'bigint' ? `${marker}${value.toString()}` : value),
    2,
  );
  return text.replace(/"\\u0000bigint:(-?\d+)"/g, '$1');
}

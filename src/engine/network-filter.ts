import { invalidArgument } from '../lib/errors.js';
import { filterMatches } from '../lib/filter-match.js';
import { matchesLabel } from '../lib/label-match.js';

const KEYS = ['driver', 'id', 'label', 'name', 'scope', 'type', 'dangling'];

/** What the network filters look at. */
export interface FilteredNetwork {
  name: string;
  id: string;
  driver: string;
  /** User-defined (`type=custom`), as against the predefined bridge, host and none. */
  custom: boolean;
  labels: Record<string, string>;
  /** Containers with an endpoint on it. */
  inUse: boolean;
}

/**
 * `GET /networks?filters=` as dockerd's: `driver` and `scope` exact, `name` and `id` as Docker's
 * filter match (the value or a regular expression found in it), every `label` (`k` or `k=v`),
 * `type` custom|builtin, one `dangling` value. Values of one key are ORed, keys ANDed.
 */
export function networkFilter(filters: Map<string, string[]>): (n: FilteredNetwork) => boolean {
  for (const key of filters.keys()) if (!KEYS.includes(key)) throw invalidArgument('invalid_filter', `invalid filter '${key}'`);
  for (const v of filters.get('type') ?? []) if (v !== 'custom' && v !== 'builtin') throw invalidArgument('invalid_filter', `invalid filter: 'type'='${v}'`);
  const dangling = filters.get('dangling') ?? [];
  if (dangling.length > 1) throw invalidArgument('invalid_filter', 'got more than one value for filter key "dangling"');
  const [danglingValue] = dangling;
  if (danglingValue !== undefined && !['true', '1', 'false', '0'].includes(danglingValue)) {
    throw invalidArgument('invalid_filter', `invalid value for filter 'dangling', must be "true" (or "1"), or "false" (or "0")`);
  }
  const any = (key: string, test: (v: string) => boolean) => {
    const values = filters.get(key);
    return !values || values.length === 0 || values.some(test);
  };
  return (n) =>
    any('driver', (v) => n.driver === v) &&
    any('id', (v) => filterMatches(v, n.id)) &&
    any('name', (v) => filterMatches(v, n.name)) &&
    any('scope', (v) => v === 'local') &&
    any('type', (v) => (v === 'custom') === n.custom) &&
    (danglingValue === undefined || (danglingValue === 'true' || danglingValue === '1') === (n.custom && !n.inUse)) &&
    (filters.get('label') ?? []).every((v) => matchesLabel(n.labels, v));
}

import { invalidArgument } from '../lib/errors.js';
import { filterMatches } from '../lib/filter-match.js';
import { matchesLabel } from '../lib/label-match.js';
import type { Volume } from './volume-store.js';

const LIST_FILTERS = ['name', 'label', 'dangling', 'driver'];
const PRUNE_FILTERS = ['label', 'label!', 'all'];

/** Docker's `GetBoolOrDefault`: `true`/`1` or `false`/`0`, not both; else `invalid filter 'KEY=[VALUES]'`. */
function danglingFilter(values: string[]): boolean {
  const isTrue = values.some((v) => v === 'true' || v === '1');
  const isFalse = values.some((v) => v === 'false' || v === '0');
  if (isTrue === isFalse) throw invalidArgument('invalid_filter', `invalid filter 'dangling=[${values.join(' ')}]'`);
  return isTrue;
}

/** Prune's `all`: one value Go's strconv.ParseBool reads. */
function allFilter(values: string[]): boolean {
  if (values.length > 1) throw invalidArgument('invalid_filter', `invalid filter 'all=[${values.join(' ')}]': only one value is expected`);
  const v = values[0] ?? '';
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw invalidArgument('invalid_filter', `invalid filter 'all': strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

function checkKeys(filters: Map<string, string[]>, allowed: string[]): void {
  for (const k of filters.keys()) if (!allowed.includes(k)) throw invalidArgument('invalid_filter', `invalid filter '${k}'`);
}

/** `GET /volumes?filters=`: name (Docker's filter match: the name or a regular expression found in it), label, dangling, driver; `inUse` says whether a container uses it. */
export function volumeListFilter(filters: Map<string, string[]>, inUse: (v: Volume) => boolean): (v: Volume) => boolean {
  checkKeys(filters, LIST_FILTERS);
  const names = filters.get('name') ?? [];
  const labels = filters.get('label') ?? [];
  const drivers = filters.get('driver') ?? [];
  const dangling = filters.has('dangling') ? danglingFilter(filters.get('dangling') ?? []) : undefined;
  return (v) =>
    (names.length === 0 || names.some((n) => filterMatches(n, v.name))) &&
    labels.every((l) => matchesLabel(v.labels, l)) &&
    (drivers.length === 0 || drivers.includes('local')) &&
    (dangling === undefined || dangling === !inUse(v));
}

/** `POST /volumes/prune?filters=`: label, label!, and all (named volumes too). */
export function volumePruneFilter(filters: Map<string, string[]>): { keep: (v: Volume) => boolean; all: boolean } {
  checkKeys(filters, PRUNE_FILTERS);
  const labels = filters.get('label') ?? [];
  const notLabels = filters.get('label!') ?? [];
  const all = filters.has('all') ? allFilter(filters.get('all') ?? []) : false;
  return {
    all,
    keep: (v) => labels.every((l) => matchesLabel(v.labels, l)) && !notLabels.some((l) => matchesLabel(v.labels, l)),
  };
}

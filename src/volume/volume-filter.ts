import { invalidArgument } from '../lib/errors.js';
import { matchesLabel } from '../lib/label-match.js';
import type { Volume } from './volume-store.js';

const LIST_FILTERS = ['name', 'label', 'dangling', 'driver'];
const PRUNE_FILTERS = ['label', 'label!', 'all'];

function boolFilter(values: string[], key: string): boolean {
  const v = values[values.length - 1] ?? '';
  if (['1', 'true'].includes(v.toLowerCase())) return true;
  if (['0', 'false'].includes(v.toLowerCase())) return false;
  throw invalidArgument('invalid_filter', `invalid filter '${key}=${v}'`);
}

function checkKeys(filters: Map<string, string[]>, allowed: string[]): void {
  for (const k of filters.keys()) if (!allowed.includes(k)) throw invalidArgument('invalid_filter', `invalid filter '${k}'`);
}

/** `GET /volumes?filters=`: name (substring), label, dangling, driver; `inUse` says whether a container uses it. */
export function volumeListFilter(filters: Map<string, string[]>, inUse: (v: Volume) => boolean): (v: Volume) => boolean {
  checkKeys(filters, LIST_FILTERS);
  const names = filters.get('name') ?? [];
  const labels = filters.get('label') ?? [];
  const drivers = filters.get('driver') ?? [];
  const dangling = filters.has('dangling') ? boolFilter(filters.get('dangling') ?? [], 'dangling') : undefined;
  return (v) =>
    (names.length === 0 || names.some((n) => v.name.includes(n))) &&
    labels.every((l) => matchesLabel(v.labels, l)) &&
    (drivers.length === 0 || drivers.includes('local')) &&
    (dangling === undefined || dangling === !inUse(v));
}

/** `POST /volumes/prune?filters=`: label, label!, and all (named volumes too). */
export function volumePruneFilter(filters: Map<string, string[]>): { keep: (v: Volume) => boolean; all: boolean } {
  checkKeys(filters, PRUNE_FILTERS);
  const labels = filters.get('label') ?? [];
  const notLabels = filters.get('label!') ?? [];
  const all = filters.has('all') ? boolFilter(filters.get('all') ?? [], 'all') : false;
  return {
    all,
    keep: (v) => labels.every((l) => matchesLabel(v.labels, l)) && !notLabels.some((l) => matchesLabel(v.labels, l)),
  };
}

import { invalidArgument } from '../lib/errors.js';
import { matchesLabel } from '../lib/label-match.js';
import { parseTimeSpec } from '../lib/time-spec.js';

/** What the prune endpoints of containers, images and networks accept besides their own keys. */
export const PRUNE_KEYS = ['until', 'label', 'label!'];

/** A prune request's `until`, `label` and `label!` terms, decoded. */
export interface PruneFilter {
  /** Only objects created at or before this time (ms since the epoch) go; undefined = no limit. */
  untilMs?: number;
  labels: string[];
  notLabels: string[];
}

/**
 * Checks the keys against `allowed` and reads `until` (a timestamp or a duration before `nowMs`,
 * as `docker … prune --filter until=24h` sends it verbatim) and the label terms.
 */
export function parsePruneFilter(filters: Map<string, string[]>, allowed: readonly string[], nowMs: number): PruneFilter {
  for (const key of filters.keys()) if (!allowed.includes(key)) throw invalidArgument('invalid_filter', `invalid filter '${key}'`);
  const until = filters.get('until') ?? [];
  if (until.length > 1) throw invalidArgument('invalid_filter', 'more than one until filter specified');
  let untilMs: number | undefined;
  const value = until[0];
  if (value !== undefined) {
    try {
      untilMs = Number(parseTimeSpec(value, nowMs, 'until')) * 1000;
    } catch (e) {
      throw invalidArgument('invalid_filter', `failed to parse value as time or duration: "${value}"`, e);
    }
  }
  return { untilMs, labels: filters.get('label') ?? [], notLabels: filters.get('label!') ?? [] };
}

/**
 * Whether an object is pruned under the filter. As dockerd: every `label` term must match, and
 * `label!` excludes only an object that matches all its terms.
 */
export function pruneMatches(f: PruneFilter, obj: { createdMs: number; labels: Record<string, string> }): boolean {
  if (f.untilMs !== undefined && obj.createdMs > f.untilMs) return false;
  if (!f.labels.every((l) => matchesLabel(obj.labels, l))) return false;
  if (f.notLabels.length > 0 && f.notLabels.every((l) => matchesLabel(obj.labels, l))) return false;
  return true;
}

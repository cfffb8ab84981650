import { invalidArgument } from '../lib/errors.js';
import type { EngineEvent } from '../lib/event-bus.js';
import { labelMatches } from './container-filter.js';

const KEYS = ['container', 'daemon', 'event', 'image', 'label', 'network', 'plugin', 'scope', 'type', 'volume', 'node', 'service', 'secret', 'config'];

/** Rejects filter keys `docker events` does not know, with the daemon's wording. */
export function validateEventFilters(filters: Map<string, string[]>): void {
  for (const key of filters.keys()) {
    if (!KEYS.includes(key)) throw invalidArgument('invalid_filter', `invalid filter '${key}'`);
  }
}

/**
 * Docker's event filter: keys are ANDed, values of one key ORed, labels ANDed. `container`,
 * `network`, `volume` and `daemon` match the actor's id or `name` attribute by prefix and exclude
 * events of other types; `image` matches exactly, with or without the tag; `label` (`k` or `k=v`)
 * matches any attribute, as the container labels are attributes.
 */
export function eventMatches(e: EngineEvent, filters: ReadonlyMap<string, readonly string[]>): boolean {
  const values = (key: string) => filters.get(key) ?? [];
  const exact = (key: string, source: string) => values(key).length === 0 || values(key).includes(source);
  const fuzzy = (key: string, source: string) => exact(key, source) || values(key).some((v) => source.startsWith(v));
  const byName = (type: string) => {
    const name = e.attributes['name'] ?? '';
    return fuzzy(type, e.actorId) || (name !== '' && fuzzy(type, name));
  };
  return (
    matchesAction(e.action, values('event')) &&
    exact('type', e.type) &&
    exact('scope', 'local') &&
    byName('daemon') &&
    byName('container') &&
    byName('volume') &&
    byName('network') &&
    matchesImage(e, values('image')) &&
    ['plugin', 'node', 'service', 'secret', 'config'].every((k) => values(k).length === 0) &&
    values('label').every((l) => labelMatches(e.attributes, l))
  );
}

/** `exec_create: sh -c …` and `health_status: healthy` match their bare prefix, as in Docker. */
function matchesAction(action: string, wanted: readonly string[]): boolean {
  if (wanted.length === 0 || wanted.includes(action)) return true;
  const fuzzy = wanted.some((w) => ['health_status', 'exec_create', 'exec_start'].includes(w));
  return fuzzy && wanted.some((w) => action.startsWith(w));
}

function matchesImage(e: EngineEvent, wanted: readonly string[]): boolean {
  if (wanted.length === 0) return true;
  const name = e.attributes[e.type === 'image' ? 'name' : 'image'] ?? '';
  return [e.actorId, name, stripTag(e.actorId), stripTag(name)].some((s) => s !== '' && wanted.includes(s));
}

/** `busybox:latest` → `busybox`; a registry port (`host:5000/x`) is not a tag. */
function stripTag(ref: string): string {
  if (/^sha256:/.test(ref)) return ref;
  const at = ref.indexOf('@');
  const base = at >= 0 ? ref.slice(0, at) : ref;
  const colon = base.lastIndexOf(':');
  return colon > base.lastIndexOf('/') ? base.slice(0, colon) : base;
}


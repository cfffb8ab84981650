import type { EventMessage } from '../api/types/index.js';

/**
 * The default line of `docker events`: `<time> <type> <action> <actor id> (k=v, …)`, the time in
 * Go's RFC3339 with nine fraction digits and the local zone, the attributes sorted by key.
 */
export function eventLine(e: EventMessage, tzOffsetMinutes = -new Date(e.time * 1000).getTimezoneOffset()): string {
  const time = e.timeNano ? formatNanos(e.timeNano, tzOffsetMinutes) : e.time ? formatNanos(e.time * 1e9, tzOffsetMinutes) : '';
  const attrs = Object.keys(e.Actor.Attributes ?? {})
    .sort()
    .map((k) => `${k}=${e.Actor.Attributes[k]}`);
  return `${time ? `${time} ` : ''}${e.Type} ${e.Action} ${e.Actor.ID}${attrs.length > 0 ? ` (${attrs.join(', ')})` : ''}\n`;
}

function formatNanos(timeNano: number, tzOffsetMinutes: number): string {
  const seconds = Math.floor(timeNano / 1e9);
  // The double holds ns only to ~256 ns here; berthd's times are whole µs, so round to those.
  const nanos = Math.min(999_999_000, Math.max(0, Math.round((timeNano - seconds * 1e9) / 1000) * 1000));
  const local = new Date((seconds + tzOffsetMinutes * 60) * 1000).toISOString().slice(0, 19);
  const abs = Math.abs(tzOffsetMinutes);
  const zone =
    tzOffsetMinutes === 0
      ? 'Z'
      : `${tzOffsetMinutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${local}.${String(nanos).padStart(9, '0')}${zone}`;
}

/**
 * An event as docker/cli's templates see it: Go's field names (`.Status`, `.ID`, `.Scope`, …),
 * and, through `{{json .}}`, the wire's JSON with attributes sorted as Go marshals a map.
 */
export function eventTemplateData(e: EventMessage): Record<string, unknown> {
  // Go marshals a map with its keys sorted.
  const sorted = Object.fromEntries(Object.keys(e.Actor.Attributes ?? {}).sort().map((k) => [k, e.Actor.Attributes[k] ?? '']));
  const data: Record<string, unknown> = {
    Status: e.status ?? '',
    ID: e.id ?? '',
    From: e.from ?? '',
    Type: e.Type,
    Action: e.Action,
    Actor: { ID: e.Actor.ID, Attributes: goStringMap(sorted) },
    Scope: e.scope,
    Time: e.time,
    TimeNano: e.timeNano,
  };
  Object.defineProperty(data, 'toJSON', {
    enumerable: false,
    value: () => ({
      ...(e.status ? { status: e.status } : {}),
      ...(e.id ? { id: e.id } : {}),
      ...(e.from ? { from: e.from } : {}),
      Type: e.Type,
      Action: e.Action,
      Actor: { ID: e.Actor.ID, Attributes: sorted },
      scope: e.scope,
      time: e.time,
      timeNano: e.timeNano,
    }),
  });
  return data;
}

/**
 * Go's `map[string]string` for templates: a missing key reads as "" (the element's zero value), so
 * `{{.Actor.Attributes.exitCode}}` prints nothing on events without it instead of failing.
 */
function goStringMap(m: Record<string, string>): Record<string, string> {
  return new Proxy(
    { ...m },
    {
      get: (t, k) => (typeof k === 'string' && !Object.hasOwn(t, k) ? '' : Reflect.get(t, k)),
      getOwnPropertyDescriptor: (t, k) =>
        Reflect.getOwnPropertyDescriptor(t, k) ?? (typeof k === 'string' ? { value: '', writable: false, enumerable: false, configurable: true } : undefined),
    },
  );
}

import { invalidArgument } from '../lib/errors.js';
import { modeNetwork } from './container-networks.js';
import type { ContainerRecord, ContainerStatus } from './container-model.js';
import { listedPorts } from './container-ports.js';

const STATUSES: readonly ContainerStatus[] = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];
const KEYS = ['status', 'name', 'id', 'label', 'ancestor', 'exited', 'before', 'since', 'volume', 'network', 'publish', 'expose', 'health', 'is-task', 'isolation'];

/** A label filter value, `k` or `k=v`, against a label (or attribute) map. */
export function labelMatches(labels: Record<string, string>, want: string): boolean {
  const eq = want.indexOf('=');
  if (eq < 0) return want in labels;
  return labels[want.slice(0, eq)] === want.slice(eq + 1);
}

const HEALTH_VALUES = ['starting', 'healthy', 'unhealthy', 'none'];

/** The health filter's view: the healthcheck's last status, `none` for containers without one. */
const healthOf = (c: ContainerRecord): string => c.state.health?.status ?? 'none';

/** The networks the container is on: its attachments, or its mode (host, none, container:). */
function networksOf(c: ContainerRecord): string[] {
  return c.networks ? c.networks.map((a) => a.network) : [modeNetwork(c.hostConfig.NetworkMode)];
}

/**
 * A publish or expose filter's ports, `PORT[/PROTO]` or `START-END[/PROTO]`, as `port/proto` keys;
 * dockerd's errors for a value with a host part or a bad range.
 */
function portKeys(key: string, values: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const value of values) {
    if (value.includes(':')) throw invalidArgument('invalid_filter', `filter for '${key}' should not contain ':': ${value}`);
    const [range = '', proto = 'tcp'] = value.split('/');
    const m = /^(\d+)(?:-(\d+))?$/.exec(range);
    const start = Number(m?.[1]);
    const end = m?.[2] === undefined ? start : Number(m[2]);
    if (!m || start > end || end > 65535) throw invalidArgument('invalid_filter', `error while looking up for ${key} ${value}: invalid port range`);
    for (let p = start; p <= end; p++) out.add(`${p}/${proto.toLowerCase()}`);
  }
  return out;
}

/** `volume=`: a mount's destination, or its volume's name (a bind's source). */
function mountMatches(c: ContainerRecord, value: string): boolean {
  return (c.mounts ?? []).some((m) => !m.hidden && (m.Destination === value || (m.Name ? m.Name === value : m.Source === value)));
}

/**
 * `docker ps --filter`: values of one key are ORed (labels ANDed), keys are ANDed.
 * `resolve` finds a container for before/since; `imageMatches` answers ancestor.
 */
export function filterContainers(
  all: ContainerRecord[],
  filters: Map<string, string[]>,
  helpers: {
    resolve: (ref: string) => ContainerRecord;
    imageMatches: (c: ContainerRecord, ref: string) => boolean;
    /** The id of a network by name, for `network=` given an id or its prefix. */
    networkId?: (name: string) => string | undefined;
  },
): ContainerRecord[] {
  for (const key of filters.keys()) {
    if (!KEYS.includes(key)) throw invalidArgument('invalid_filter', `invalid filter '${key}'`);
  }
  for (const s of filters.get('status') ?? []) {
    if (!STATUSES.includes(s as ContainerStatus)) {
      throw invalidArgument('invalid_filter', `invalid filter 'status=${s}': invalid value`);
    }
  }
  for (const e of filters.get('exited') ?? []) {
    if (!/^[+-]?\d+$/.test(e)) throw invalidArgument('invalid_filter', `strconv.Atoi: parsing "${e}": invalid syntax`);
  }
  const isTask = filters.get('is-task') ?? [];
  if (isTask.some((v) => v !== 'true' && v !== 'false')) throw invalidArgument('invalid_filter', `Invalid filter 'is-task=[${isTask.join(' ')}]'`);
  for (const h of filters.get('health') ?? []) {
    if (!HEALTH_VALUES.includes(h)) throw invalidArgument('invalid_filter', `Unrecognised filter value for health: ${h}`);
  }
  const publish = portKeys('publish', filters.get('publish') ?? []);
  const expose = portKeys('expose', filters.get('expose') ?? []);
  const before = filters.get('before')?.map((r) => helpers.resolve(r).created);
  const since = filters.get('since')?.map((r) => helpers.resolve(r).created);
  return all.filter((c) => {
    const any = (key: string, pred: (v: string) => boolean) => {
      const vals = filters.get(key);
      return vals === undefined || vals.length === 0 || vals.some(pred);
    };
    return (
      any('status', (v) => c.state.status === v) &&
      any('name', (v) => new RegExp(v.replace(/^\//, '')).test(c.name)) &&
      any('id', (v) => c.id.startsWith(v)) &&
      (filters.get('label') ?? []).every((l) => labelMatches(c.config.Labels ?? {}, l)) &&
      any('ancestor', (v) => helpers.imageMatches(c, v)) &&
      any('exited', (v) => c.state.status === 'exited' && String(c.state.exitCode) === v) &&
      any('network', (v) => networksOf(c).some((n) => n === v || (v !== '' && helpers.networkId?.(n)?.startsWith(v) === true))) &&
      // As dockerd: one of the listed ports published (host side) or exposed (container side) as asked.
      (publish.size + expose.size === 0 ||
        listedPorts(c).some((p) => (p.publicPort !== undefined && publish.has(`${p.publicPort}/${p.proto}`)) || expose.has(`${p.privatePort}/${p.proto}`))) &&
      any('volume', (v) => mountMatches(c, v)) &&
      any('health', (v) => healthOf(c) === v) &&
      any('is-task', (v) => v === 'false') &&
      // Linux containers have the one isolation, `default`.
      any('isolation', (v) => v === 'default') &&
      (before ?? []).every((t) => c.created < t) &&
      (since ?? []).every((t) => c.created > t)
    );
  });
}

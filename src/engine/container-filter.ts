import { invalidArgument } from '../lib/errors.js';
import { modeNetwork } from './container-networks.js';
import type { ContainerRecord, ContainerStatus } from './container-model.js';

const STATUSES: readonly ContainerStatus[] = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];
const KEYS = ['status', 'name', 'id', 'label', 'ancestor', 'exited', 'before', 'since', 'volume', 'network', 'publish', 'expose', 'health', 'is-task'];

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
 * `docker ps --filter`: values of one key are ORed (labels ANDed), keys are ANDed.
 * `resolve` finds a container for before/since; `imageMatches` answers ancestor.
 */
export function filterContainers(
  all: ContainerRecord[],
  filters: Map<string, string[]>,
  helpers: { resolve: (ref: string) => ContainerRecord; imageMatches: (c: ContainerRecord, ref: string) => boolean },
): ContainerRecord[] {
  for (const key of filters.keys()) {
    if (!KEYS.includes(key)) throw invalidArgument('invalid_filter', `invalid filter '${key}'`);
  }
  for (const s of filters.get('status') ?? []) {
    if (!STATUSES.includes(s as ContainerStatus)) {
      throw invalidArgument('invalid_filter', `invalid filter 'status=${s}': invalid value`);
    }
  }
  for (const h of filters.get('health') ?? []) {
    if (!HEALTH_VALUES.includes(h)) throw invalidArgument('invalid_filter', `Unrecognised filter value for health: ${h}`);
  }
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
      any('network', (v) => networksOf(c).includes(v)) &&
      any('expose', (v) => Object.keys(c.config.ExposedPorts ?? {}).includes(v.includes('/') ? v : `${v}/tcp`)) &&
      // Until published ports and volumes are matched, nothing matches those filters.
      any('publish', () => false) &&
      any('volume', () => false) &&
      any('health', (v) => healthOf(c) === v) &&
      any('is-task', (v) => v === 'false') &&
      (before ?? []).every((t) => c.created < t) &&
      (since ?? []).every((t) => c.created > t)
    );
  });
}

import { endpointRequest } from '../wire/containers.js';
import type { NetworkService, NetworkView } from '../../../engine/network-service.js';
import { invalidArgument } from '../../../lib/errors.js';
import type { EndpointSettings, NetworkResource } from '../../types/index.js';
import { filtersParam } from '../query.js';
import type { Router } from '../router.js';
import { sendEmpty, sendJson } from '../server.js';
import { jsonBody } from './containers.js';

/** Docker's wire form of a network. */
export function networkResource(n: NetworkView): NetworkResource {
  const options: Record<string, string> =
    n.user?.options ??
    (n.driver === 'bridge'
      ? {
          'com.docker.network.bridge.default_bridge': 'true',
          'com.docker.network.bridge.enable_icc': 'true',
          'com.docker.network.bridge.enable_ip_masquerade': 'true',
          'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
          'com.docker.network.bridge.name': n.bridgeName ?? '',
          'com.docker.network.driver.mtu': '1500',
        }
      : {});
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: 'local',
    Driver: n.driver,
    EnableIPv4: n.driver === 'bridge',
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: n.user ? {} : null, Config: n.subnet ? [{ Subnet: n.subnet, Gateway: n.gateway }] : [] },
    Internal: n.user?.internal ?? false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: Object.fromEntries(
      n.containers.map((c) => [c.id, { Name: c.name, EndpointID: c.endpointId, MacAddress: c.mac, IPv4Address: c.address, IPv6Address: '' }]),
    ),
    Options: options,
    Labels: n.user?.labels ?? {},
  };
}

interface NetworkCreateRequest {
  Name?: string;
  Driver?: string;
  Internal?: boolean;
  IPAM?: { Config?: { Subnet?: string; Gateway?: string; IPRange?: string }[] | null } | null;
  Labels?: Record<string, string> | null;
  Options?: Record<string, string> | null;
}

interface NetworkConnectRequest {
  Container?: string;
  EndpointConfig?: EndpointSettings | null;
}

const FILTERS = ['driver', 'id', 'label', 'name', 'scope', 'type', 'dangling'];

/** Docker's network filters: name and id match substrings/prefixes, label `k` or `k=v`, type custom|builtin. */
function networkFilter(filters: Map<string, string[]>): (n: NetworkView) => boolean {
  for (const key of filters.keys()) if (!FILTERS.includes(key)) throw invalidArgument('invalid_filter', `invalid filter '${key}'`);
  // dockerd's checks of the values it can tell are wrong.
  for (const v of filters.get('type') ?? []) if (v !== 'custom' && v !== 'builtin') throw invalidArgument('invalid_filter', `invalid filter: 'type'='${v}'`);
  for (const v of filters.get('dangling') ?? []) {
    if (!['true', '1', 'false', '0'].includes(v)) throw invalidArgument('invalid_filter', `invalid value for filter 'dangling', must be "true" (or "1"), or "false" (or "0")`);
  }
  const any = (key: string, test: (v: string) => boolean) => {
    const values = filters.get(key);
    return !values || values.length === 0 || values.some(test);
  };
  return (n) =>
    any('driver', (v) => n.driver === v) &&
    any('id', (v) => n.id.startsWith(v)) &&
    any('name', (v) => n.name.includes(v)) &&
    any('scope', (v) => v === 'local') &&
    any('type', (v) => (v === 'custom') === Boolean(n.user)) &&
    any('dangling', (v) => (v === 'true' || v === '1') === (Boolean(n.user) && n.containers.length === 0)) &&
    (filters.get('label') ?? []).every((v) => {
      const [k, val] = v.split('=', 2) as [string, string | undefined];
      const labels = n.user?.labels ?? {};
      return k in labels && (val === undefined || labels[k] === val);
    });
}

export function networkRoutes(router: Router, networks: NetworkService): void {
  router.add('GET', '/networks', async (ctx) => {
    const keep = networkFilter(filtersParam(ctx.query));
    sendJson(ctx, 200, (await networks.list()).filter(keep).map(networkResource));
  });
  router.add('GET', '/networks/{id}', async (ctx) => {
    sendJson(ctx, 200, networkResource(await networks.inspect(ctx.params['id'] ?? '')));
  });
  router.add('POST', '/networks/create', async (ctx) => {
    const body = (await jsonBody<NetworkCreateRequest>(ctx)) ?? {};
    if ((body as { Scope?: string }).Scope === 'swarm') throw invalidArgument('swarm_scope', 'cannot create a swarm scoped network when swarm is not active');
    const ipam = body.IPAM?.Config?.[0];
    const id = await networks.create({
      name: body.Name ?? '',
      driver: body.Driver,
      subnet: ipam?.Subnet || undefined,
      gateway: ipam?.Gateway || undefined,
      internal: body.Internal === true,
      labels: body.Labels ?? {},
      options: body.Options ?? {},
    });
    sendJson(ctx, 201, { Id: id, Warning: '' });
  });
  router.add('DELETE', '/networks/{id}', async (ctx) => {
    await networks.remove(ctx.params['id'] ?? '');
    sendEmpty(ctx, 204);
  });
  router.add('POST', '/networks/{id}/connect', async (ctx) => {
    const body = (await jsonBody<NetworkConnectRequest>(ctx)) ?? {};
    await networks.connect(ctx.params['id'] ?? '', body.Container ?? '', endpointRequest(body.EndpointConfig));
    sendEmpty(ctx, 200);
  });
  router.add('POST', '/networks/{id}/disconnect', async (ctx) => {
    const body = (await jsonBody<{ Container?: string; Force?: boolean }>(ctx)) ?? {};
    await networks.disconnect(ctx.params['id'] ?? '', body.Container ?? '', body.Force === true);
    sendEmpty(ctx, 200);
  });
}

import { endpointRequest } from '../wire/containers.js';
import type { NetworkService, NetworkView } from '../../../engine/network-service.js';
import { invalidArgument } from '../../../lib/errors.js';
import type { EndpointSettings, NetworkResource } from '../../types/index.js';
import { filtersParam } from '../query.js';
import { compareVersions } from '../headers.js';
import { networkFilter } from '../../../engine/network-filter.js';
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
    EnableIPv4: true,
    EnableIPv6: false,
    IPAM: {
      Driver: 'default',
      Options: n.user?.ipamOptions ?? null,
      // host and none have no address space: dockerd 28 shows null.
      Config: n.subnet
        ? [
            {
              Subnet: n.subnet,
              ...(n.user?.ipRange ? { IPRange: n.user.ipRange } : {}),
              Gateway: n.gateway,
              ...(n.user?.auxAddresses ? { AuxiliaryAddresses: n.user.auxAddresses } : {}),
            },
          ]
        : null,
    },
    Internal: n.user?.internal ?? false,
    Attachable: n.user?.attachable ?? false,
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
  Attachable?: boolean;
  IPAM?: {
    Driver?: string;
    Options?: Record<string, string> | null;
    Config?: { Subnet?: string; Gateway?: string; IPRange?: string; AuxiliaryAddresses?: Record<string, string> | null }[] | null;
  } | null;
  Labels?: Record<string, string> | null;
  Options?: Record<string, string> | null;
}

interface NetworkConnectRequest {
  Container?: string;
  EndpointConfig?: EndpointSettings | null;
}

export function networkRoutes(router: Router, networks: NetworkService): void {
  router.add('GET', '/networks', async (ctx) => {
    const keep = networkFilter(filtersParam(ctx.query));
    const listed = (await networks.list()).filter((n) =>
      keep({ name: n.name, id: n.id, driver: n.driver, custom: Boolean(n.user), labels: n.user?.labels ?? {}, inUse: n.containers.length > 0 }),
    );
    // Since API 1.28 the list leaves the endpoints out, as dockerd: only inspect shows them.
    const detailed = compareVersions(ctx.version, '1.28') < 0;
    sendJson(ctx, 200, listed.map((n) => networkResource(detailed ? n : { ...n, containers: [] })));
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
      // An entry without a subnet is dockerd's `invalid subnet : …`; no entry, a subnet from the pools.
      subnet: ipam ? (ipam.Subnet ?? '') : undefined,
      gateway: ipam?.Gateway || undefined,
      ipRange: ipam?.IPRange || undefined,
      auxAddresses: ipam?.AuxiliaryAddresses ?? undefined,
      attachable: body.Attachable === true,
      ipamDriver: body.IPAM?.Driver || undefined,
      ipamOptions: body.IPAM ? (body.IPAM.Options ?? null) : null,
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

import type { NetworkService, NetworkView } from '../../../engine/network-service.js';
import type { NetworkResource } from '../../types/index.js';
import type { Router } from '../router.js';
import { sendJson } from '../server.js';

/** Docker's wire form of a predefined network. */
export function networkResource(n: NetworkView): NetworkResource {
  const options: Record<string, string> =
    n.driver === 'bridge'
      ? {
          'com.docker.network.bridge.default_bridge': 'true',
          'com.docker.network.bridge.enable_icc': 'true',
          'com.docker.network.bridge.enable_ip_masquerade': 'true',
          'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
          'com.docker.network.bridge.name': n.bridgeName ?? '',
          'com.docker.network.driver.mtu': '1500',
        }
      : {};
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: 'local',
    Driver: n.driver,
    EnableIPv4: n.driver === 'bridge',
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: n.subnet ? [{ Subnet: n.subnet, Gateway: n.gateway }] : [] },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: Object.fromEntries(
      n.containers.map((c) => [c.id, { Name: c.name, EndpointID: c.endpointId, MacAddress: c.mac, IPv4Address: c.address, IPv6Address: '' }]),
    ),
    Options: options,
    Labels: {},
  };
}

export function networkRoutes(router: Router, networks: NetworkService): void {
  router.add('GET', '/networks', async (ctx) => {
    sendJson(ctx, 200, (await networks.list()).map(networkResource));
  });
  router.add('GET', '/networks/{id}', async (ctx) => {
    sendJson(ctx, 200, networkResource(await networks.inspect(ctx.params['id'] ?? '')));
  });
}

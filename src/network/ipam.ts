import { conflict, invalidArgument } from '../lib/errors.js';
import { formatSubnet, overlaps, parseSubnet, subnetSize, type Subnet } from './ipv4.js';

/**
 * Docker's default address pools for bridge networks: 172.17.0.0/16 … 172.31.0.0/16, then
 * 192.168.0.0/16 cut into /20s. A pool entry is taken only when no host route overlaps it.
 */
export function defaultPools(): Subnet[] {
  const pools: Subnet[] = [];
  for (let b = 17; b <= 31; b++) pools.push(parseSubnet(`172.${b}.0.0/16`));
  for (let c = 0; c < 256; c += 16) pools.push(parseSubnet(`192.168.${c}.0/20`));
  return pools;
}

/** The first pool entry that overlaps none of `taken` (host routes, other networks). */
export function chooseSubnet(pools: readonly Subnet[], taken: readonly Subnet[]): Subnet {
  const free = pools.find((p) => !taken.some((t) => overlaps(p, t)));
  if (!free) throw conflict('no_free_pool', 'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
  return free;
}

/** The route among `routes` an explicitly chosen subnet collides with, if any. */
export function conflictingRoute(subnet: Subnet, routes: readonly Subnet[]): Subnet | undefined {
  return routes.find((r) => overlaps(subnet, r));
}

/**
 * The lowest free host address of `subnet` from .2 upwards (.1 is the gateway by convention),
 * skipping `used` and the broadcast address. Pure: callers serialize allocation and persist it.
 */
export function nextFreeAddress(subnet: Subnet, used: ReadonlySet<number>): number {
  const size = subnetSize(subnet);
  if (size < 4) throw invalidArgument('subnet_too_small', `subnet ${formatSubnet(subnet)} is too small for containers`);
  for (let offset = 2; offset < size - 1; offset++) {
    const ip = subnet.base + offset;
    if (!used.has(ip)) return ip;
  }
  throw conflict('no_free_address', `no available IPv4 addresses on network with subnet ${formatSubnet(subnet)}`);
}

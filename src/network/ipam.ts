import { conflict, invalidArgument } from '../lib/errors.js';
import { contains, formatSubnet, overlaps, parseIpv4, parseSubnet, subnetSize, type Subnet } from './ipv4.js';

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
 * skipping `used` and the broadcast address; within `range` (the network's --ip-range) when given.
 * Pure: callers serialize allocation and persist it.
 */
export function nextFreeAddress(subnet: Subnet, used: ReadonlySet<number>, range?: Subnet): number {
  const size = subnetSize(subnet);
  if (size < 4) throw invalidArgument('subnet_too_small', `subnet ${formatSubnet(subnet)} is too small for containers`);
  const from = range ? Math.max(range.base - subnet.base, 1) : 2;
  const to = range ? Math.min(range.base - subnet.base + subnetSize(range), size - 1) : size - 1;
  for (let offset = from; offset < to; offset++) {
    const ip = subnet.base + offset;
    if (!used.has(ip)) return ip;
  }
  throw conflict('no_free_address', `no available IPv4 addresses on network with subnet ${formatSubnet(subnet)}`);
}

/** One IPAM config entry of a network create request, as the user wrote it. */
export interface IpamRequest {
  subnet: string;
  ipRange?: string;
  gateway?: string;
  auxAddresses?: Record<string, string>;
}

/** Go's netip.ParsePrefix for IPv4: four decimal octets without leading zeros, a length up to 32. */
function strictPrefix(text: string): Subnet | undefined {
  const m = /^((?:0|[1-9]\d{0,2})(?:\.(?:0|[1-9]\d{0,2})){3})\/(0|[1-9]\d?)$/.exec(text);
  if (!m || Number(m[2]) > 32 || (m[1] ?? '').split('.').some((o) => Number(o) > 255)) return undefined;
  return { base: parseIpv4(m[1] ?? ''), prefix: Number(m[2]) };
}

function strictAddress(text: string): number | undefined {
  return strictPrefix(`${text}/32`)?.base;
}

/**
 * dockerd's ValidateIPAM for an IPv4 entry: each complaint a line after `invalid network config:`
 * (several as `* …` items). Returns undefined when the entry is valid.
 */
export function ipamProblems(req: IpamRequest): string | undefined {
  const errs: string[] = [];
  const subnet = strictPrefix(req.subnet);
  if (!subnet) {
    errs.push(`invalid subnet ${req.subnet}: invalid CIDR block notation`);
  } else {
    const masked = formatSubnet(parseSubnet(req.subnet));
    if (masked !== req.subnet) errs.push(`invalid subnet ${req.subnet}: it should be ${masked}`);
    const net = parseSubnet(req.subnet);
    if (req.ipRange) {
      const range = strictPrefix(req.ipRange);
      if (!range) errs.push(`invalid ip-range ${req.ipRange}: invalid CIDR block notation`);
      else {
        if (range.prefix < net.prefix) errs.push(`invalid ip-range ${req.ipRange}: CIDR block is bigger than its parent subnet ${req.subnet}`);
        const rangeMasked = formatSubnet(parseSubnet(req.ipRange));
        if (rangeMasked !== req.ipRange) errs.push(`invalid ip-range ${req.ipRange}: it should be ${rangeMasked}`);
        if (!overlaps(net, range)) errs.push(`invalid ip-range ${req.ipRange}: parent subnet ${req.subnet} doesn't contain ip-range`);
      }
    }
    const address = (text: string): string | undefined => {
      const ip = strictAddress(text);
      if (ip === undefined) return 'invalid address';
      return contains(net, ip) ? undefined : `parent subnet ${req.subnet} doesn't contain this address`;
    };
    const gw = req.gateway ? address(req.gateway) : undefined;
    if (gw) errs.push(`invalid gateway ${req.gateway}: ${gw}`);
    for (const [name, aux] of Object.entries(req.auxAddresses ?? {})) {
      const problem = address(aux);
      if (problem) errs.push(`invalid auxiliary address ${name}: ${problem}`);
    }
  }
  if (errs.length === 0) return undefined;
  return `invalid network config:\n${errs.length === 1 ? errs[0] : `* ${errs.join('\n* ')}`}`;
}

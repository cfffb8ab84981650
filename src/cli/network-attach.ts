import type { EndpointSettings } from '../api/types/network.js';
import { splitCsv, splitKeyValue } from './opts.js';

/** One `--network` value: a bare name, or docker's advanced `name=NET,alias=A,ip=…,driver-opt=k=v,mac-address=…`. */
export interface NetworkAttachment {
  target: string;
  aliases: string[];
  ipv4?: string;
  ipv6?: string;
  linkLocalIps: string[];
  /** `--link` on a user-defined network: an endpoint setting. */
  links: string[];
  mac?: string;
  driverOpts: Record<string, string>;
}

/** The options that apply to the first network only (docker's legacy flags). */
export interface LegacyNetworkFlags {
  aliases: readonly string[];
  ip?: string;
  ip6?: string;
  linkLocalIps?: readonly string[];
  links?: readonly string[];
  mac?: string;
}

/** Parses a `--network` value as docker's CLI does; an error message names the bad field. */
export function parseNetworkAttachment(value: string): NetworkAttachment {
  const out: NetworkAttachment = { target: '', aliases: [], linkLocalIps: [], links: [], driverOpts: {} };
  // docker's test for the advanced form: key=value pairs; anything else is a network name or mode.
  if (!/\w+=\w+(,\w+=\w+)*/.test(value)) return { ...out, target: value };
  for (const field of splitCsv(value)) {
    const eq = field.indexOf('=');
    const key = field.slice(0, eq).trim().toLowerCase();
    if (eq < 0 || key === '') throw new Error(`invalid field ${field}`);
    const val = field.slice(eq + 1).trim();
    switch (key) {
      case 'name':
        out.target = val;
        break;
      case 'alias':
        out.aliases.push(val);
        break;
      case 'ip':
        out.ipv4 = val;
        break;
      case 'ip6':
        out.ipv6 = val;
        break;
      case 'link-local-ip':
        out.linkLocalIps.push(val);
        break;
      case 'mac-address':
        out.mac = val;
        break;
      case 'driver-opt': {
        const [k, v] = splitKeyValue(val);
        if (!val.includes('=') || k === '') throw new Error(`invalid key value pair format in driver options`);
        out.driverOpts[k.trim().toLowerCase()] = v.trim();
        break;
      }
      default:
        throw new Error(`invalid field key ${key}`);
    }
  }
  return out;
}

/** EndpointSettings.IPAMConfig for the addresses asked for, none when none is. */
export function ipamConfig(ipv4: string | undefined, ipv6: string | undefined, linkLocal: readonly string[]): Pick<EndpointSettings, 'IPAMConfig'> {
  if (!ipv4 && !ipv6 && linkLocal.length === 0) return {};
  return { IPAMConfig: { ...(ipv4 ? { IPv4Address: ipv4 } : {}), ...(ipv6 ? { IPv6Address: ipv6 } : {}), ...(linkLocal.length > 0 ? { LinkLocalIPs: [...linkLocal] } : {}) } };
}

/** Networks docker's CLI treats as built in (no aliases): anything else is user-defined. */
function isUserDefined(target: string): boolean {
  return !['default', 'bridge', 'host', 'none'].includes(target) && !target.startsWith('container:');
}

/**
 * NetworkMode and NetworkingConfig.EndpointsConfig from the `--network` values and the legacy
 * flags, with docker's CLI checks and wording: the legacy flags go to the first network and may
 * not repeat a per-network setting; one endpoint per network; a lone network without settings
 * sends no endpoint at all.
 */
export function networkingFromFlags(values: readonly string[], legacy: LegacyNetworkFlags): { mode: string; endpoints: Record<string, EndpointSettings> } {
  const nets = values.length > 0 ? values.map(parseNetworkAttachment) : [{ target: 'default', aliases: [], linkLocalIps: [], links: [], driverOpts: {} } as NetworkAttachment];
  const endpoints: Record<string, EndpointSettings> = {};
  let userDefined = false;
  let builtIn = false;
  for (const [i, n] of nets.entries()) {
    if (isUserDefined(n.target)) userDefined = true;
    else builtIn = true;
    if (i === 0) applyLegacy(n, legacy);
    if (n.target.trim() === '') throw new Error('no name set for network');
    if (!isUserDefined(n.target) && n.aliases.length > 0) throw new Error('network-scoped aliases are only supported for user-defined networks');
    if (n.target in endpoints) throw new Error(`network "${n.target}" is specified multiple times`);
    if (n.mac !== undefined && !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(n.mac)) throw new Error(`${n.mac} is not a valid mac address`);
    const ep: EndpointSettings = {
      ...(n.aliases.length > 0 ? { Aliases: n.aliases } : {}),
      ...(Object.keys(n.driverOpts).length > 0 ? { DriverOpts: n.driverOpts } : {}),
      ...(n.links.length > 0 ? { Links: n.links } : {}),
      ...ipamConfig(n.ipv4, n.ipv6, n.linkLocalIps),
      ...(n.mac ? { MacAddress: n.mac } : {}),
    };
    if (nets.length === 1 && Object.keys(ep).length === 0) continue;
    endpoints[n.target] = ep;
  }
  if (userDefined && builtIn) throw new Error('conflicting options: cannot attach both user-defined and non-user-defined network-modes');
  return { mode: nets[0]?.target ?? 'default', endpoints };
}

function applyLegacy(n: NetworkAttachment, legacy: LegacyNetworkFlags): void {
  if (legacy.aliases.length > 0) {
    if (n.aliases.length > 0) throw new Error('conflicting options: cannot specify both --network-alias and per-network alias');
    n.aliases = [...legacy.aliases];
  }
  if (legacy.ip) {
    if (n.ipv4) throw new Error('conflicting options: cannot specify both --ip and per-network IPv4 address');
    n.ipv4 = legacy.ip;
  }
  if (legacy.ip6) {
    if (n.ipv6) throw new Error('conflicting options: cannot specify both --ip6 and per-network IPv6 address');
    n.ipv6 = legacy.ip6;
  }
  if (legacy.mac) {
    if (n.mac) throw new Error('conflicting options: cannot specify both --mac-address and per-network MAC address');
    n.mac = legacy.mac;
  }
  if (legacy.linkLocalIps?.length) {
    if (n.linkLocalIps.length > 0) throw new Error('conflicting options: cannot specify both --link-local-ip and per-network link-local IP addresses');
    n.linkLocalIps = [...legacy.linkLocalIps];
  }
  // On a user-defined network `--link` is an endpoint setting; on the default bridge a legacy link (HostConfig.Links).
  if (isUserDefined(n.target) && legacy.links?.length) n.links = [...legacy.links];
}

import { isIP } from 'node:net';
import { invalidArgument } from './errors.js';

/** The address an extra host may name instead of an IP: the daemon's default bridge gateway, as dockerd's. */
export const HOST_GATEWAY = 'host-gateway';

/** One `--add-host` entry (HostConfig.ExtraHosts): a name and an IP address or HOST_GATEWAY. */
export interface ExtraHost {
  name: string;
  ip: string;
}

/**
 * `name:ip` or `name=ip`, as Docker reads them: split on the first `=`, else on the first `:` (so
 * an IPv6 address needs no brackets), the address optionally in square brackets. Errors are bad
 * requests with Docker's messages.
 */
export function parseExtraHost(text: string): ExtraHost {
  const sep = text.includes('=') ? text.indexOf('=') : text.indexOf(':');
  if (sep <= 0) throw invalidArgument('invalid_extra_host', `bad format for add-host: "${text}"`);
  let ip = text.slice(sep + 1);
  if (ip.length > 2 && ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  if (ip !== HOST_GATEWAY && isIP(ip) === 0) throw invalidArgument('invalid_extra_host', `invalid IP address in add-host: "${ip}"`);
  return { name: text.slice(0, sep), ip };
}

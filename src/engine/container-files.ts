import { readFileSync, writeFileSync } from 'node:fs';
import type { ExtraHost } from '../lib/extra-host.js';

/** The files berth writes for a container and bind-mounts over /etc/{hostname,hosts,resolv.conf}. */
export interface EtcFiles {
  hostnamePath: string;
  hostsPath: string;
  resolvConfPath: string;
}

const LOOPBACK_HOSTS = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::\tip6-localnet',
  'ff00::\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

/** A container's DNS settings (HostConfig.Dns, DnsSearch, DnsOptions, or the daemon's --dns); empty = the host's. */
export interface DnsOverrides {
  servers?: readonly string[];
  search?: readonly string[];
  options?: readonly string[];
}

const isLine = (kind: RegExp) => (l: string) => kind.test(l);
const NAMESERVER = /^\s*nameserver\s/;
const SEARCH = /^\s*(search|domain)\s/;
const OPTIONS = /^\s*options\s/;

/** The host's lines with DnsSearch and DnsOptions applied as dockerd does (`.` as the search means none). */
function applyOverrides(hostText: string, dns: DnsOverrides): { kept: string[]; search: string[]; options: string[] } {
  const lines = hostText.split('\n');
  const words = (kind: RegExp) => lines.filter(isLine(kind)).flatMap((l) => l.trim().split(/\s+/).slice(1));
  const search = dns.search?.length ? dns.search.filter((d) => d !== '.') : [];
  const kept = lines.filter((l) => !OPTIONS.test(l) && !(dns.search?.length && SEARCH.test(l)));
  return { kept, search, options: dns.options?.length ? [...dns.options] : words(OPTIONS) };
}

/**
 * resolv.conf for a container: the host's, minus loopback resolvers a container cannot reach; the
 * container's (or the daemon's) servers, search domains and options replace the host's, as dockerd.
 */
export function containerResolvConf(hostText: string, dns: DnsOverrides = {}): string {
  const { kept, search, options } = applyOverrides(hostText, dns);
  const servers = dns.servers ?? [];
  const lines = kept.filter((l) => {
    const m = /^\s*nameserver\s+(\S+)/.exec(l);
    return !m || (servers.length === 0 && !(m[1]?.startsWith('127.') || m[1] === '::1'));
  });
  while (lines.length > 0 && lines.at(-1)?.trim() === '') lines.pop();
  const out = [...servers.map((s) => `nameserver ${s}`), ...lines, ...(search.length ? [`search ${search.join(' ')}`] : [])];
  if (options.length) out.push(`options ${options.join(' ')}`);
  return `${out.join('\n')}\n`;
}

/**
 * resolv.conf of a container on a user network, as Docker writes it: the embedded DNS (which
 * forwards other names to the container's DNS servers, the daemon's or the host's) in place of
 * every nameserver, the host's search and options kept unless the container sets its own, and
 * ndots:0 (unless the container's options set ndots) so single names go to the embedded DNS as they are.
 */
export function embeddedResolvConf(hostText: string, nameserver: string, dns: DnsOverrides = {}): string {
  const { kept, search, options } = applyOverrides(hostText, dns);
  const own = dns.options?.length ? options : options.filter((o) => !o.startsWith('ndots:'));
  const ndots = own.some((o) => o.startsWith('ndots:')) ? [] : ['ndots:0'];
  const lines = kept.filter((l) => l.trim() !== '' && !NAMESERVER.test(l));
  return [`nameserver ${nameserver}`, ...lines, ...(search.length ? [`search ${search.join(' ')}`] : []), `options ${[...own, ...ndots].join(' ')}`, ''].join('\n');
}

/**
 * As Docker writes it: the loopback names, the extra hosts (`--add-host`, their addresses
 * resolved), then one line per address of the container (one per network it is on).
 */
export function hostsFile(name: string, addresses: readonly string[], extraHosts: readonly ExtraHost[] = []): string {
  const lines = [...LOOPBACK_HOSTS];
  for (const h of extraHosts) lines.push(`${h.ip}\t${h.name}`);
  for (const address of addresses) lines.push(`${address}\t${name}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Rewritten at every start, before the container runs, and on network connect/disconnect; plain
 * writes (no fsync on the hot path) that keep the inode, so the bind mounts show the new content.
 * Synchronous: a start waits for these few small files, and through the thread pool each step
 * waits its turn behind the start's other work (~0.3 ms a step when busy), far longer than the
 * write itself.
 */
export function writeEtcFiles(
  paths: EtcFiles,
  /** `nameserver`: the embedded DNS server's address (a user network), in place of the host's resolvers. */
  opts: {
    hostname: string;
    domainname: string;
    hostNetwork: boolean;
    addresses: readonly string[];
    /** `--add-host` entries with their addresses resolved. */
    extraHosts?: readonly ExtraHost[];
    nameserver?: string;
    dns?: DnsOverrides;
  },
): void {
  const extraHosts = opts.extraHosts ?? [];
  if (opts.hostNetwork) {
    writeFileSync(paths.hostnamePath, `${opts.hostname}\n`);
    // As dockerd: the host's file, unless there are extra hosts to add to the loopback names.
    writeFileSync(paths.hostsPath, extraHosts.length > 0 ? hostsFile('', [], extraHosts) : readOrEmpty('/etc/hosts'));
    writeFileSync(paths.resolvConfPath, readOrEmpty('/etc/resolv.conf'));
    return;
  }
  writeFileSync(paths.hostnamePath, `${opts.hostname}\n`);
  writeFileSync(paths.hostsPath, hostsFile(opts.domainname ? `${opts.hostname}.${opts.domainname} ${opts.hostname}` : opts.hostname, opts.addresses, extraHosts));
  const host = readOrEmpty('/etc/resolv.conf');
  writeFileSync(paths.resolvConfPath, opts.nameserver ? embeddedResolvConf(host, opts.nameserver, opts.dns) : containerResolvConf(host, opts.dns));
}

/** A small file's text, or empty when it cannot be read (synchronously: see writeEtcFiles). */
export function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

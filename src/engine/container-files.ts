import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';

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

/** resolv.conf for a container: the host's, minus loopback resolvers a container cannot reach, or with the daemon's --dns servers as its nameservers. */
export function containerResolvConf(hostText: string, servers: readonly string[] = []): string {
  const lines = hostText.split('\n').filter((l) => {
    const m = /^\s*nameserver\s+(\S+)/.exec(l);
    // The daemon's --dns replace every nameserver of the host.
    return !m || (servers.length === 0 && !(m[1]?.startsWith('127.') || m[1] === '::1'));
  });
  return [...servers.map((s) => `nameserver ${s}`), ...lines].join('\n').replace(/\n*$/, '\n');
}

/** One line per address of the container (one per network it is on), as Docker writes them. */
export function hostsFile(name: string, addresses: readonly string[]): string {
  const lines = [...LOOPBACK_HOSTS];
  for (const address of addresses) lines.push(`${address}\t${name}`);
  return `${lines.join('\n')}\n`;
}

/**
 * resolv.conf of a container on a user network, as Docker writes it: the embedded DNS (which
 * forwards other names to the host's resolvers) in place of every nameserver, the host's search
 * and options kept, and ndots:0 so single names go to the embedded DNS as they are.
 */
export function embeddedResolvConf(hostText: string, nameserver: string): string {
  const kept = hostText.split('\n').filter((l) => l.trim() !== '' && !/^\s*(nameserver|options)\s/.test(l));
  const options = hostText
    .split('\n')
    .flatMap((l) => (/^\s*options\s/.test(l) ? l.trim().split(/\s+/).slice(1) : []))
    .filter((o) => !o.startsWith('ndots:'));
  return [`nameserver ${nameserver}`, ...kept, `options ${[...options, 'ndots:0'].join(' ')}`, ''].join('\n');
}

/**
 * Rewritten at every start, before the container runs, and on network connect/disconnect; plain
 * writes (no fsync on the hot path) that keep the inode, so the bind mounts show the new content.
 */
export async function writeEtcFiles(
  paths: EtcFiles,
  /** `nameserver`: the embedded DNS server's address (a user network), in place of the host's resolvers. */
  opts: { hostname: string; domainname: string; hostNetwork: boolean; addresses: readonly string[]; nameserver?: string; dnsServers?: readonly string[] },
): Promise<void> {
  const readHost = (p: string) => readFile(p, 'utf8').catch(() => '');
  if (opts.hostNetwork) {
    await writeFile(paths.hostnamePath, `${hostname()}\n`);
    await writeFile(paths.hostsPath, await readHost('/etc/hosts'));
    await writeFile(paths.resolvConfPath, await readHost('/etc/resolv.conf'));
    return;
  }
  await writeFile(paths.hostnamePath, `${opts.hostname}\n`);
  await writeFile(paths.hostsPath, hostsFile(opts.domainname ? `${opts.hostname}.${opts.domainname} ${opts.hostname}` : opts.hostname, opts.addresses));
  const host = await readHost('/etc/resolv.conf');
  await writeFile(paths.resolvConfPath, opts.nameserver ? embeddedResolvConf(host, opts.nameserver) : containerResolvConf(host, opts.dnsServers));
}

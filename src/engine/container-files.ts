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

/** resolv.conf for a container: the host's, minus loopback resolvers a container cannot reach. */
export function containerResolvConf(hostText: string): string {
  const lines = hostText.split('\n').filter((l) => {
    const m = /^\s*nameserver\s+(\S+)/.exec(l);
    return !m || !(m[1]?.startsWith('127.') || m[1] === '::1');
  });
  return lines.join('\n').replace(/\n*$/, '\n');
}

/** One line per address of the container (one per network it is on), as Docker writes them. */
export function hostsFile(name: string, addresses: readonly string[]): string {
  const lines = [...LOOPBACK_HOSTS];
  for (const address of addresses) lines.push(`${address}\t${name}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Rewritten at every start, before the container runs, and on network connect/disconnect; plain
 * writes (no fsync on the hot path) that keep the inode, so the bind mounts show the new content.
 */
export async function writeEtcFiles(
  paths: EtcFiles,
  /** `nameserver`: the embedded DNS server of a user network, in place of the host's resolvers. */
  opts: { hostname: string; domainname: string; hostNetwork: boolean; addresses: readonly string[]; nameserver?: string },
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
  const resolv = containerResolvConf(await readHost('/etc/resolv.conf'));
  await writeFile(
    paths.resolvConfPath,
    opts.nameserver ? `nameserver ${opts.nameserver}\n${resolv.split('\n').filter((l) => l.trim() !== '' && !/^\s*nameserver\s/.test(l)).map((l) => `${l}\n`).join('')}` : resolv,
  );
}

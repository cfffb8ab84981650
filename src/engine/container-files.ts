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

export function hostsFile(name: string, address: string | undefined): string {
  const lines = [...LOOPBACK_HOSTS];
  if (address) lines.push(`${address}\t${name}`);
  return `${lines.join('\n')}\n`;
}

/** Rewritten at every start, before the container runs, so plain writes suffice (no fsync on the hot path). */
export async function writeEtcFiles(
  paths: EtcFiles,
  /** `nameserver`: the embedded DNS server of a user network, in place of the host's resolvers. */
  opts: { hostname: string; domainname: string; hostNetwork: boolean; address?: string; nameserver?: string },
): Promise<void> {
  const readHost = (p: string) => readFile(p, 'utf8').catch(() => '');
  if (opts.hostNetwork) {
    await writeFile(paths.hostnamePath, `${hostname()}\n`);
    await writeFile(paths.hostsPath, await readHost('/etc/hosts'));
    await writeFile(paths.resolvConfPath, await readHost('/etc/resolv.conf'));
    return;
  }
  await writeFile(paths.hostnamePath, `${opts.hostname}\n`);
  await writeFile(paths.hostsPath, hostsFile(opts.domainname ? `${opts.hostname}.${opts.domainname} ${opts.hostname}` : opts.hostname, opts.address));
  const resolv = containerResolvConf(await readHost('/etc/resolv.conf'));
  await writeFile(
    paths.resolvConfPath,
    opts.nameserver ? `nameserver ${opts.nameserver}\n${resolv.split('\n').filter((l) => l.trim() !== '' && !/^\s*nameserver\s/.test(l)).map((l) => `${l}\n`).join('')}` : resolv,
  );
}

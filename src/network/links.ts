import { closeSync, mkdirSync, openSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { runChecked, runProgram } from '../lib/exec-file.js';

/**
 * Adapter over iproute2, unshare and nsenter for bridges, veth pairs and persistent network
 * namespaces. Holds no policy; every call is an argv, several link changes go in one `ip -batch`.
 */
export class Links {
  async exists(name: string): Promise<boolean> {
    return (await runProgram('ip', ['link', 'show', 'dev', name])).code === 0;
  }

  /** IPv4 addresses of a link as `a.b.c.d/n`; empty when the link does not exist. */
  async addresses(name: string): Promise<string[]> {
    const r = await runProgram('ip', ['-j', '-4', 'addr', 'show', 'dev', name]);
    if (r.code !== 0) return [];
    const links = JSON.parse(r.stdout || '[]') as { addr_info?: { local: string; prefixlen: number }[] }[];
    return links.flatMap((l) => (l.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`));
  }

  /** Destinations of the host's IPv4 routes (the default route excluded), with the device of each. */
  async routes(): Promise<{ dst: string; dev: string }[]> {
    const out = await runChecked('ip', ['-j', '-4', 'route', 'show', 'table', 'all']);
    const routes = JSON.parse(out || '[]') as { dst: string; dev?: string; type?: string }[];
    return routes
      .filter((r) => r.dst !== 'default' && (r.type === undefined || r.type === 'unicast') && !r.dst.startsWith('127.'))
      .map((r) => ({ dst: r.dst.includes('/') ? r.dst : `${r.dst}/32`, dev: r.dev ?? '' }));
  }

  async createBridge(name: string, gatewayCidr: string): Promise<void> {
    await ipBatch([`link add ${name} type bridge`, `addr add ${gatewayCidr} dev ${name}`, `link set ${name} up`]);
  }

  async deleteLink(name: string): Promise<void> {
    await runProgram('ip', ['link', 'del', 'dev', name]);
  }

  /** Names of the links enslaved to a bridge. */
  async bridgePorts(bridge: string): Promise<string[]> {
    const r = await runProgram('ip', ['-j', 'link', 'show', 'master', bridge]);
    if (r.code !== 0) return [];
    return (JSON.parse(r.stdout || '[]') as { ifname: string }[]).map((l) => l.ifname);
  }

  async deleteNetns(path: string): Promise<void> {
    await runProgram('umount', [path]);
    await rm(path, { force: true });
  }

  /**
   * An empty network namespace bind-mounted on `netnsPath`, so it outlives every process in it; lo
   * comes up here with `loopbackUp`, else with the namespace's first endpoint (createEndpoint).
   */
  async createNamespace(netnsPath: string, opts: { loopbackUp: boolean }): Promise<void> {
    // At once, not through the thread pool: a start's longest chain before the runtime's create
    // begins here, so its process goes first; these are two calls on the exec root's tmpfs.
    mkdirSync(dirname(netnsPath), { recursive: true });
    closeSync(openSync(netnsPath, 'w'));
    await runChecked('unshare', [`--net=${netnsPath}`, ...(opts.loopbackUp ? ['ip', 'link', 'set', 'lo', 'up'] : ['true'])]);
  }

  /**
   * Interface `ifName` (`mac`, `addressCidr`, default route via `gateway` when given) in the
   * namespace bind-mounted on `netnsPath` (lo up too with `loopbackUp`), paired with `hostName` in
   * the daemon's namespace, which goes on `bridge`, up. One process from the daemon (a shell that
   * runs ip inside the namespace, then in the daemon's): each the daemon forks holds its event
   * loop ~2 ms, where a start has several to wait for.
   */
  async createEndpoint(opts: {
    hostName: string;
    netnsPath: string;
    loopbackUp: boolean;
    ifName: string;
    mac: string;
    addressCidr: string;
    /** Further addresses on the interface. */
    extraCidrs?: readonly string[];
    gateway?: string;
    bridge: string;
  }): Promise<void> {
    if (![opts.hostName, opts.bridge].every((n) => LINK_NAME.test(n))) throw new Error(`invalid link name: ${opts.hostName} on ${opts.bridge}`);
    const inside = [
      ...(opts.loopbackUp ? ['link set lo up'] : []),
      // Created from inside, the peer is sent to the daemon's namespace by path.
      `link add ${opts.ifName} address ${opts.mac} type veth peer name ${opts.hostName} netns /proc/${process.pid}/ns/net`,
      ...[opts.addressCidr, ...(opts.extraCidrs ?? [])].map((cidr) => `addr add ${cidr} dev ${opts.ifName}`),
      `link set ${opts.ifName} up`,
      ...(opts.gateway ? [`route add default via ${opts.gateway} dev ${opts.ifName}`] : []),
    ];
    const host = [
      `link set ${opts.hostName} master ${opts.bridge} up`,
      // br_netfilter re-bridges a DNATed packet: a container reaching its own published port needs it sent back out its port.
      `link set ${opts.hostName} type bridge_slave hairpin on`,
    ];
    const script = `nsenter --net="$1" ip -batch - && exec ip -batch - <<'EOF'\n${host.join('\n')}\nEOF`;
    await runChecked('sh', ['-c', script, 'sh', opts.netnsPath], { input: `${inside.join('\n')}\n` });
  }

  /** Points the namespace's default route at `gateway` through `ifName`. */
  async setDefaultRoute(netnsPath: string, gateway: string, ifName: string): Promise<void> {
    await runChecked('nsenter', [`--net=${netnsPath}`, 'ip', 'route', 'replace', 'default', 'via', gateway, 'dev', ifName]);
  }
}

/** What a link name may hold here (berth's own bridge and veth names), so it can stand in a script's here-document. */
const LINK_NAME = /^[A-Za-z0-9_.-]{1,15}$/;

async function ipBatch(lines: string[]): Promise<void> {
  await runChecked('ip', ['-batch', '-'], { input: `${lines.join('\n')}\n` });
}

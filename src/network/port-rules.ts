import { invalidArgument } from '../lib/errors.js';

export type Protocol = 'tcp' | 'udp' | 'sctp';

/** A port the user asked to publish: `hostPort` is a range to pick from; [0, 0] means any free port. */
export interface PortRequest {
  proto: Protocol;
  containerPort: number;
  hostIp: string;
  hostPort: [number, number];
}

/** A published port as bound: the concrete host port that was reserved. */
export interface PublishedPort {
  proto: Protocol;
  containerPort: number;
  hostIp: string;
  hostPort: number;
}

type Bindings = Record<string, { HostIp?: string; HostPort?: string }[] | null> | null | undefined;

function parsePortKey(key: string): { port: number; proto: Protocol } {
  const m = /^(\d+)(?:\/(tcp|udp|sctp))?$/i.exec(key);
  const port = Number(m?.[1]);
  if (!m || port < 1 || port > 65535) throw invalidArgument('invalid_port', `invalid port specification: "${key}"`);
  return { port, proto: (m[2]?.toLowerCase() ?? 'tcp') as Protocol };
}

function parseHostPort(text: string | undefined): [number, number] {
  if (!text || text === '0') return [0, 0];
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  const lo = Number(m?.[1]);
  const hi = m?.[2] === undefined ? lo : Number(m[2]);
  if (!m || lo < 1 || hi > 65535 || hi < lo) throw invalidArgument('invalid_port', `invalid hostPort: ${text}`);
  return [lo, hi];
}

/**
 * What a container publishes: every binding of HostConfig.PortBindings, and with PublishAllPorts
 * (`-P`) every exposed port not bound explicitly, on a free host port. Sorted so rules and
 * NetworkSettings.Ports come out in a stable order.
 */
export function portRequests(bindings: Bindings, exposed: Record<string, unknown> | null | undefined, publishAll: boolean): PortRequest[] {
  const out: PortRequest[] = [];
  const bound = new Set<string>();
  for (const [key, list] of Object.entries(bindings ?? {})) {
    const { port, proto } = parsePortKey(key);
    bound.add(`${port}/${proto}`);
    for (const b of list ?? []) out.push({ proto, containerPort: port, hostIp: b.HostIp ?? '', hostPort: parseHostPort(b.HostPort) });
  }
  if (publishAll) {
    for (const key of Object.keys(exposed ?? {})) {
      const { port, proto } = parsePortKey(key);
      if (!bound.has(`${port}/${proto}`)) out.push({ proto, containerPort: port, hostIp: '', hostPort: [0, 0] });
    }
  }
  return out.sort((a, b) => a.containerPort - b.containerPort || a.proto.localeCompare(b.proto) || a.hostPort[0] - b.hostPort[0]);
}

/** Names of one daemon's bridge and chains; a daemon's rules live only in its own chains. */
export interface ChainNames {
  bridge: string;
  /** nat: DNAT of published ports, jumped to from PREROUTING and OUTPUT. */
  dnat: string;
  /** nat: masquerade, jumped to from POSTROUTING. */
  postrouting: string;
  /** filter: forwarding to and from the bridge, jumped to from FORWARD. */
  forward: string;
}

export function chainNames(bridge: string, tag: string): ChainNames {
  const base = tag ? `BERTH-${tag}` : 'BERTH';
  return { bridge, dnat: base, postrouting: `${base}-POSTROUTING`, forward: `${base}-FORWARD` };
}

/** A rule as iptables arguments after `-t TABLE -A|-I|-C|-D CHAIN`. */
export interface Rule {
  table: 'nat' | 'filter';
  chain: string;
  args: string[];
}

/** The jumps from the built-in chains into ours: the only rules berth adds outside its chains. */
export function jumpRules(n: ChainNames): Rule[] {
  return [
    // Loopback destinations too: with route_localnet on the bridge, 127.0.0.1:PORT is DNATed like any host address.
    { table: 'nat', chain: 'PREROUTING', args: ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', n.dnat] },
    { table: 'nat', chain: 'OUTPUT', args: ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', n.dnat] },
    { table: 'nat', chain: 'POSTROUTING', args: ['-j', n.postrouting] },
    { table: 'filter', chain: 'FORWARD', args: ['-j', n.forward] },
  ];
}

/** The rules of the bridge itself: outbound NAT, the localhost and container hairpins, forwarding. */
export function bridgeRules(n: ChainNames, subnet: string): Rule[] {
  return [
    { table: 'nat', chain: n.postrouting, args: ['-s', subnet, '!', '-o', n.bridge, '-j', 'MASQUERADE'] },
    // 127.0.0.1 cannot be a source on the bridge: rewrite it to the gateway address.
    { table: 'nat', chain: n.postrouting, args: ['-o', n.bridge, '-m', 'addrtype', '--src-type', 'LOCAL', '-j', 'MASQUERADE'] },
    // A container reaching a published port through a host address: without this the reply would come straight from the peer.
    { table: 'nat', chain: n.postrouting, args: ['-s', subnet, '-o', n.bridge, '-m', 'conntrack', '--ctstate', 'DNAT', '-j', 'MASQUERADE'] },
    { table: 'filter', chain: n.forward, args: ['-o', n.bridge, '-j', 'ACCEPT'] },
    { table: 'filter', chain: n.forward, args: ['-i', n.bridge, '-j', 'ACCEPT'] },
  ];
}

/** The comment that ties a rule to its container, so cleanup can find rules without any saved state. */
export function ruleTag(containerId: string): string {
  return `berth:${containerId.slice(0, 12)}`;
}

/** DNAT rules of one container's published ports. */
export function portRules(n: ChainNames, containerId: string, address: string, ports: readonly PublishedPort[]): Rule[] {
  return ports.map((p) => {
    const args: string[] = [];
    if (p.hostIp && p.hostIp !== '0.0.0.0') args.push('-d', `${p.hostIp}/32`);
    args.push('-p', p.proto, '-m', p.proto, '--dport', String(p.hostPort));
    args.push('-m', 'comment', '--comment', ruleTag(containerId));
    args.push('-j', 'DNAT', '--to-destination', `${address}:${p.containerPort}`);
    return { table: 'nat', chain: n.dnat, args };
  });
}

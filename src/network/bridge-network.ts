import { isIP } from 'node:net';
import { randomBytes } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError, conflict, invalidArgument } from '../lib/errors.js';
import { writeFileAtomic } from '../lib/atomic-file.js';
import type { Logger } from '../lib/logger.js';
import { Iptables } from './iptables.js';
import { chooseSubnet, conflictingRoute, defaultPools, nextFreeAddress } from './ipam.js';
import { contains, formatIpv4, formatSubnet, macFromIpv4, overlaps, parseIpv4, parseSubnet, type Subnet } from './ipv4.js';
import { Links } from './links.js';
import { bridgeRules, chainNames, jumpRules, portRules, ruleTag, type ChainNames, type PortRequest, type PublishedPort } from './port-rules.js';
import { PortReserver } from './port-reserver.js';

/** A container's endpoint on the default bridge, as recorded with the container and shown by inspect. */
export interface BridgeEndpoint {
  networkId: string;
  endpointId: string;
  /** The network namespace's bind mount, joined by the runtime: Docker's SandboxKey. */
  sandboxKey: string;
  address: string;
  prefixLen: number;
  gateway: string;
  mac: string;
  ports: PublishedPort[];
  /** N of the container's `ethN` (and of its host end's name); absent in records older than multi-network. */
  ifIndex?: number;
}

/** An endpoint with its address and host ports taken (see BridgeNetwork.attach). */
export interface AttachedEndpoint {
  endpoint: BridgeEndpoint;
  /** Settles once the interface is up in the namespace, its host end on the bridge and the published ports' rules in. */
  links: Promise<void>;
}

/** Where an endpoint goes in the container's namespace. */
export interface AttachOptions {
  /** The container's name, shown as the holder of its published ports. */
  name: string;
  ifIndex: number;
  /** Brings the namespace's lo up too: the container's first endpoint at start (see createNamespace). */
  loopbackUp: boolean;
  /** This endpoint holds the default route (and the published ports). */
  defaultRoute: boolean;
  /** IPAMConfig.IPv4Address: a fixed address in the subnet instead of the next free one. */
  address?: string;
  /** EndpointSettings.MacAddress: instead of the one derived from the address. */
  mac?: string;
  /** IPAMConfig.LinkLocalIPs: more addresses on the interface, /16 (IPv4) or /64 (IPv6), as libnetwork's. */
  linkLocal?: readonly string[];
}

export interface BridgeOptions {
  /** Where namespaces are bind-mounted: under the daemon's exec root, so it is tmpfs and per daemon. */
  netnsDir: string;
  /** Persistent state: the network's id. */
  stateDir: string;
  bridge: string;
  /** Suffix of the chain names; empty for the default daemon. */
  chainTag: string;
  /** Gateway address and prefix chosen by the user (--bip); refused if it overlaps a host route. */
  bip?: string;
  /** A user network's --ip-range: where containers' addresses come from (fixed ones may lie outside). */
  ipRange?: string;
  /** A user network's --aux-address values: never given to a container. */
  reserved?: readonly string[];
  log: Logger;
}

interface BridgeState {
  subnet: Subnet;
  gateway: number;
  id: string;
  /** Why the bridge is not on the first default pool, when no --bip chose its subnet. */
  notice?: string;
}

/**
 * The default `bridge` network: one Linux bridge with a /16, a veth pair and a namespace per
 * container, addresses from .2 upwards, and netfilter rules in chains of berth's own.
 *
 * Published ports are DNAT rules, with route_localnet on the bridge so 127.0.0.1 works too, rather
 * than a userland proxy per port: the kernel path keeps throughput at the bridge's (a proxy copies
 * every byte twice through a process) and costs no process per port. The daemon still binds each
 * host port, so ports in use are detected and held (see PortReserver).
 *
 * Addresses are kept in memory and persisted with the container records; `adopt` re-registers the
 * endpoints of running containers after a daemon restart, `sweep` removes what no container owns.
 */
export class BridgeNetwork {
  private readonly links = new Links();
  private readonly iptables = new Iptables();
  private readonly reserver = new PortReserver();
  private readonly names: ChainNames;
  private readonly used = new Map<number, string>();
  /** Detaches under way by container: their addresses stay taken until the veth is gone. */
  private readonly detaching = new Map<string, Promise<void>>();
  private ready: Promise<BridgeState> | undefined;

  constructor(private readonly opts: BridgeOptions) {
    this.names = chainNames(opts.bridge, opts.chainTag);
  }

  get bridgeName(): string {
    return this.opts.bridge;
  }

  /**
   * Gives the container an address and `ethN` on the bridge in its namespace (made before, see
   * createNamespace), and its published ports. Resolves once the address is chosen and the host
   * ports are held, so a port in use fails the start before any process runs. `links` settles once
   * the interface is up in the namespace, its host end on the bridge and the ports' rules in,
   * which the container's process needs: the caller awaits it, so its processes overlap the
   * runtime's create (which needs only the namespace). Undoes everything on failure but the
   * namespace, also when `links` fails.
   */
  async attach(containerId: string, requests: readonly PortRequest[], opts: AttachOptions): Promise<AttachedEndpoint> {
    const state = await this.ensureBridge();
    // A removed container's clean-up may still hold the address asked for: it is free once that ends.
    const holder = opts.address ? this.used.get(parseIpv4(opts.address)) : undefined;
    if (holder !== undefined) await this.detaching.get(holder);
    const ip = opts.address
      ? this.checkedAddress(state, opts.address)
      : nextFreeAddress(
          state.subnet,
          new Set([...this.used.keys(), state.gateway, ...(this.opts.reserved ?? []).map(parseIpv4)]),
          this.opts.ipRange ? parseSubnet(this.opts.ipRange) : undefined,
        );
    // Taken synchronously with the choice, so parallel starts never get one address twice.
    this.used.set(ip, containerId);
    const address = formatIpv4(ip);
    const ep: BridgeEndpoint = {
      networkId: state.id,
      endpointId: randomBytes(32).toString('hex'),
      sandboxKey: this.netnsPath(containerId),
      address,
      prefixLen: state.subnet.prefix,
      gateway: formatIpv4(state.gateway),
      mac: opts.mac ?? macFromIpv4(ip),
      ports: [],
      ifIndex: opts.ifIndex,
    };
    try {
      await this.holdPorts(containerId, ep, requests, opts.name);
    } catch (e) {
      await this.detach(containerId, ep);
      throw e;
    }
    const links = this.connectLinks(containerId, ep, opts);
    // The caller awaits it; this only keeps a caller that failed first from leaving it unhandled.
    links.catch(() => undefined);
    return { endpoint: ep, links };
  }

  /** The veth pair: its namespace end configured, its host end on the bridge; the ports' rules beside them. */
  private async connectLinks(containerId: string, ep: BridgeEndpoint, opts: AttachOptions): Promise<void> {
    // Both settle before any undoing, so no link or rule appears after the detach.
    const results = await Promise.allSettled([
      this.links.createEndpoint({
        hostName: vethName(containerId, opts.ifIndex),
        netnsPath: ep.sandboxKey,
        loopbackUp: opts.loopbackUp,
        ifName: `eth${opts.ifIndex}`,
        mac: ep.mac,
        addressCidr: `${ep.address}/${ep.prefixLen}`,
        extraCidrs: (opts.linkLocal ?? []).map((ip) => (isIP(ip) === 6 ? `${ip}/64` : `${ip}/16`)),
        gateway: opts.defaultRoute ? ep.gateway : undefined,
        bridge: this.opts.bridge,
      }),
      this.addPortRules(containerId, ep),
    ]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) {
      await this.detach(containerId, ep);
      throw failed.reason;
    }
  }

  /**
   * Publishes ports on an endpoint of this network: holds the host ports and adds their DNAT rules.
   * When the default route (and with it the ports, as dockerd's external connectivity) moves to
   * this endpoint. All or nothing for the ports; rules are added after.
   */
  async publish(containerId: string, ep: BridgeEndpoint, requests: readonly PortRequest[], name: string): Promise<void> {
    await this.holdPorts(containerId, ep, requests, name);
    await this.addPortRules(containerId, ep);
  }

  private async holdPorts(containerId: string, ep: BridgeEndpoint, requests: readonly PortRequest[], name: string): Promise<void> {
    if (requests.length === 0) return;
    ep.ports = await this.reserver.reserve(containerId, requests, ep.address, name && `${name} (${ep.endpointId})`);
  }

  private async addPortRules(containerId: string, ep: BridgeEndpoint): Promise<void> {
    for (const rule of portRules(this.names, containerId, ep.address, ep.ports)) await this.iptables.appendRule(rule);
  }

  /**
   * Removes the container's endpoint on this network: rules, veth, ports, address (the namespace
   * stays: see removeNamespace). Idempotent; without `ep` it finds the rules by their tag and the
   * veths among the bridge's ports.
   */
  async detach(containerId: string, ep?: BridgeEndpoint): Promise<void> {
    const done = this.detachNow(containerId, ep);
    const tracked = done.catch(() => undefined).finally(() => {
      if (this.detaching.get(containerId) === tracked) this.detaching.delete(containerId);
    });
    this.detaching.set(containerId, tracked);
    await done;
  }

  private async detachNow(containerId: string, ep?: BridgeEndpoint): Promise<void> {
    const rules = ep
      ? portRules(this.names, containerId, ep.address, ep.ports)
      : (await this.iptables.listRules('nat', this.names.dnat)).filter((r) => r.args.includes(ruleTag(containerId)));
    for (const rule of rules) await this.iptables.deleteRule(rule);
    const veths = ep ? [vethName(containerId, ep.ifIndex ?? 0)] : (await this.links.bridgePorts(this.opts.bridge)).filter((p) => vethOwner(p) === containerId.slice(0, 12));
    // Independent: the veth pair goes with its host end.
    await Promise.all([...veths.map((v) => this.links.deleteLink(v).catch(() => undefined)), this.reserver.release(containerId)]);
    for (const [ip, owner] of this.used) if (owner === containerId) this.used.delete(ip);
  }

  /** Unmounts and removes the container's namespace, and with it any interface left in it. Idempotent. */
  async removeNamespace(containerId: string): Promise<void> {
    await this.links.deleteNetns(this.netnsPath(containerId)).catch(() => undefined);
  }

  /**
   * Makes the container's namespace, empty: lo comes up with its first endpoint, or here with
   * `loopbackUp` (a container on a bridge mode left without networks).
   */
  async createNamespace(containerId: string, opts: { loopbackUp: boolean }): Promise<string> {
    const path = this.netnsPath(containerId);
    await this.links.createNamespace(path, opts);
    return path;
  }

  /** Moves the namespace's default route to `ep`'s gateway (its holder left). */
  async routeVia(ep: BridgeEndpoint): Promise<void> {
    await this.links.setDefaultRoute(ep.sandboxKey, ep.gateway, `eth${ep.ifIndex ?? 0}`);
  }

  /** After a daemon restart: takes back a running container's address and ports and restores missing rules. */
  async adopt(containerId: string, ep: BridgeEndpoint): Promise<void> {
    const state = await this.ensureBridge();
    this.used.set(parseIpv4(ep.address), containerId);
    for (const problem of await this.reserver.readopt(containerId, ep.ports, ep.address)) this.opts.log.warn(`container ${containerId.slice(0, 12)}: ${problem}`);
    for (const rule of portRules(this.names, containerId, ep.address, ep.ports)) {
      if (!(await this.iptables.hasRule(rule))) await this.iptables.appendRule(rule);
    }
    if (ep.networkId !== state.id) this.opts.log.warn(`container ${containerId.slice(0, 12)}: endpoint of an older bridge network ${ep.networkId.slice(0, 12)}`);
  }

  /** Removes namespaces, veths and rules of containers that are not in `live` (left by a crash). */
  async sweep(live: ReadonlySet<string>): Promise<void> {
    const liveTags = new Set([...live].map((id) => ruleTag(id)));
    for (const rule of await this.iptables.listRules('nat', this.names.dnat)) {
      const tag = rule.args.find((a) => a.startsWith('berth:'));
      if (tag && !liveTags.has(tag)) await this.iptables.deleteRule(rule);
    }
    const liveOwners = new Set([...live].map((id) => id.slice(0, 12)));
    for (const port of await this.links.bridgePorts(this.opts.bridge)) {
      const owner = vethOwner(port);
      if (owner && !liveOwners.has(owner)) await this.links.deleteLink(port);
    }
    for (const name of await readdir(this.opts.netnsDir).catch(() => [] as string[])) {
      if (!live.has(name)) await this.links.deleteNetns(join(this.opts.netnsDir, name));
    }
  }

  /** Removes the bridge and berth's chains when no container uses them (clean shutdown, tests). */
  async teardownIfUnused(): Promise<void> {
    // Endpoints of removed containers whose clean-up is still under way.
    await Promise.all(this.detaching.values());
    if (this.used.size > 0) return;
    const bridgeExists = await this.links.exists(this.opts.bridge);
    // A bridge removed behind the daemon's back still leaves the chains this daemon made.
    if (!bridgeExists && this.ready === undefined) return;
    for (const rule of jumpRules(this.names)) await this.iptables.deleteRule(rule);
    await this.iptables.deleteChain('nat', this.names.dnat);
    await this.iptables.deleteChain('nat', this.names.postrouting);
    await this.iptables.deleteChain('filter', this.names.forward);
    if (bridgeExists) await this.links.deleteLink(this.opts.bridge);
    this.ready = undefined;
  }

  /** The network's id, subnet and gateway, creating the bridge if needed. */
  async describe(): Promise<{ id: string; subnet: string; gateway: string; notice?: string }> {
    const s = await this.ensureBridge();
    return { id: s.id, subnet: formatSubnet(s.subnet), gateway: formatIpv4(s.gateway), notice: s.notice };
  }

  netnsPath(containerId: string): string {
    return join(this.opts.netnsDir, containerId);
  }

  /** A fixed address asked for: in the subnet, not the gateway, not taken (Docker's words). */
  private checkedAddress(state: BridgeState, address: string): number {
    const ip = parseIpv4(address);
    if (!contains(state.subnet, ip) || ip === state.subnet.base) {
      throw invalidArgument('address_outside_subnet', `invalid endpoint settings:\nno configured subnet or ip-range contain the IP address ${address}`);
    }
    if (ip === state.gateway || this.used.has(ip)) throw new BerthError('Forbidden', 'address_in_use', 'Address already in use');
    return ip;
  }

  private ensureBridge(): Promise<BridgeState> {
    this.ready ??= this.setUpBridge().catch((e: unknown) => {
      this.ready = undefined;
      throw e;
    });
    return this.ready;
  }

  private async setUpBridge(): Promise<BridgeState> {
    const { bridge, log } = this.opts;
    const id = await this.networkId();
    let cidr = (await this.links.addresses(bridge))[0];
    if (cidr && this.opts.bip && cidr !== this.opts.bip) {
      log.warn(`bridge ${bridge} exists with ${cidr}; --bip ${this.opts.bip} applies once it is removed`);
    }
    if (!cidr && this.opts.bip) {
      const routes = (await this.links.routes()).filter((r) => r.dev !== bridge);
      const clash = conflictingRoute(parseSubnet(this.opts.bip), routes.map((r) => parseSubnet(r.dst)));
      if (clash) {
        const route = routes.find((r) => formatSubnet(parseSubnet(r.dst)) === formatSubnet(clash));
        throw conflict('bip_overlaps', `--bip ${this.opts.bip} overlaps the host route ${route?.dst ?? formatSubnet(clash)}${route?.dev ? ` dev ${route.dev}` : ''}`);
      }
      cidr = this.opts.bip;
      await this.createBridge(cidr);
    }
    if (!cidr) cidr = await this.createFromPools();
    const subnet = parseSubnet(cidr);
    const gateway = parseIpv4(cidr.split('/')[0] ?? '');
    await writeFile('/proc/sys/net/ipv4/ip_forward', '1');
    // Lets DNAT send packets from 127.0.0.1 out of the bridge (the localhost hairpin); masquerade rewrites the source.
    await writeFile(`/proc/sys/net/ipv4/conf/${bridge}/route_localnet`, '1');
    const n = this.names;
    await this.iptables.ensureChain('nat', n.dnat);
    await this.iptables.ensureChain('nat', n.postrouting);
    await this.iptables.ensureChain('filter', n.forward);
    for (const rule of bridgeRules(n, formatSubnet(subnet))) await this.iptables.ensureRule(rule);
    for (const rule of jumpRules(n)) await this.iptables.ensureRule(rule, rule.table === 'filter');
    const notice = this.opts.bip ? undefined : await this.movedNotice(subnet);
    if (notice) log.info(notice);
    return { subnet, gateway, id, notice };
  }

  /** Docker's words for a daemon notice: the default bridge left the first default pool, and why. */
  private async movedNotice(subnet: Subnet): Promise<string | undefined> {
    const first = defaultPools()[0] as Subnet;
    if (subnet.base === first.base) return undefined;
    const clash = (await this.links.routes()).find((r) => r.dev !== this.opts.bridge && overlaps(parseSubnet(r.dst), first));
    const why = clash ? `overlaps the host route ${clash.dst} dev ${clash.dev}` : 'overlapped a host route when the bridge was made';
    return `WARNING: the default bridge network uses ${formatSubnet(subnet)}: ${formatSubnet(first)} ${why}`;
  }

  /**
   * Creates the bridge on the first default pool no host route overlaps. Another engine may pick
   * the same pool at the same moment: each checks for a rival route after adding its own, and
   * on a clash gives the pool up and tries again after a random pause. At least one of two racing
   * daemons sees the other, so two never keep one subnet.
   */
  private async createFromPools(): Promise<string> {
    const { bridge, log } = this.opts;
    for (let attempt = 0; ; attempt++) {
      const routes = (await this.links.routes()).filter((r) => r.dev !== bridge);
      const subnet = chooseSubnet(defaultPools(), routes.map((r) => parseSubnet(r.dst)));
      const cidr = `${formatIpv4(subnet.base + 1)}/${subnet.prefix}`;
      await this.createBridge(cidr);
      const rival = (await this.links.routes()).find((r) => r.dev !== bridge && overlaps(parseSubnet(r.dst), subnet));
      if (!rival) return cidr;
      await this.links.deleteLink(bridge);
      if (attempt >= 10) throw conflict('pool_race', `bridge ${bridge}: ${formatSubnet(subnet)} keeps clashing with ${rival.dev}`);
      log.info(`bridge ${bridge}: ${rival.dev} took ${formatSubnet(subnet)} at the same time; choosing again`);
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 100));
    }
  }

  private async createBridge(cidr: string): Promise<void> {
    const { bridge, log } = this.opts;
    // A bridge without an address is one a crash left half made.
    if (await this.links.exists(bridge)) await this.links.deleteLink(bridge);
    await this.links.createBridge(bridge, cidr);
    log.info(`bridge ${bridge} created with ${cidr}`);
  }

  private async networkId(): Promise<string> {
    const path = join(this.opts.stateDir, 'bridge-id');
    const existing = (await readFile(path, 'utf8').catch(() => '')).trim();
    if (/^[0-9a-f]{64}$/.test(existing)) return existing;
    const id = randomBytes(32).toString('hex');
    await writeFileAtomic(path, `${id}\n`);
    return id;
  }
}

/**
 * The host end of a container's `ethN`: derived from the id and N, so cleanup needs no saved
 * state (15 characters at most): `vb<id>` for eth0, as before multi-network, `v<N><id>` otherwise.
 */
export function vethName(containerId: string, ifIndex = 0): string {
  if (!/^[0-9a-f]{12}/.test(containerId)) throw invalidArgument('invalid_id', `invalid container id: ${containerId}`);
  if (!Number.isInteger(ifIndex) || ifIndex < 0 || ifIndex > 99) throw invalidArgument('invalid_interface', `invalid interface index: ${ifIndex}`);
  return `v${ifIndex === 0 ? 'b' : ifIndex}${containerId.slice(0, 12)}`;
}

/** The container id prefix a host veth name belongs to, or undefined for links that are not berth's. */
export function vethOwner(link: string): string | undefined {
  return /^v(?:b|[1-9][0-9]?)([0-9a-f]{12})$/.exec(link)?.[1];
}

/** The bridge and chain suffix of a daemon: `berth0` and plain `BERTH` chains for the default exec root, a hash-named pair otherwise. */
export function bridgeIdentity(runRoot: string, defaultRunRoot: string, hash: (s: string) => string): { bridge: string; chainTag: string } {
  if (runRoot === defaultRunRoot) return { bridge: 'berth0', chainTag: '' };
  const tag = hash(runRoot).slice(0, 6);
  return { bridge: `berth-${tag}`, chainTag: tag };
}

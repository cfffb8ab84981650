import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventRecorder } from '../lib/event-bus.js';
import { BerthError, conflict, errorMessage, invalidArgument, notFound } from '../lib/errors.js';
import { writeFileAtomic } from '../lib/atomic-file.js';
import type { Logger } from '../lib/logger.js';
import { BridgeNetwork } from './bridge-network.js';
import { findNetworkRef } from './network-ref.js';
import { EmbeddedDns } from './dns-server.js';
import { Iptables } from './iptables.js';
import { chooseSubnet, defaultPools, ipamProblems } from './ipam.js';
import { contains, formatIpv4, formatSubnet, overlaps, parseIpv4, parseSubnet, subnetSize, type Subnet } from './ipv4.js';
import { Links } from './links.js';
import { chainNames } from './port-rules.js';
import { isolationRules, type IsolationChains } from './isolation-rules.js';

/** A user-defined bridge network as persisted and shown by network inspect. */
export interface UserNetworkConfig {
  id: string;
  name: string;
  created: string;
  subnet: string;
  /** The user gave the subnet (only then may containers ask for fixed addresses); absent in older configs. */
  explicitSubnet?: boolean;
  gateway: string;
  /** The user gave the gateway; false hides it from an explicit subnet's IPAM.Config, as dockerd (absent in older configs: shown). */
  explicitGateway?: boolean;
  /** The user's --ip-range and --aux-address (IPAM.Config's IPRange and AuxiliaryAddresses); absent in older configs. */
  ipRange?: string;
  auxAddresses?: Record<string, string>;
  attachable?: boolean;
  /** IPAM.Options as the request had them (null when it had none). */
  ipamOptions?: Record<string, string> | null;
  internal: boolean;
  labels: Record<string, string>;
  options: Record<string, string>;
  bridge: string;
}

export interface CreateNetworkRequest {
  name: string;
  driver?: string;
  subnet?: string;
  gateway?: string;
  ipRange?: string;
  auxAddresses?: Record<string, string>;
  attachable?: boolean;
  /** IPAM.Driver: dockerd's built-in `default` (or empty); `null` is let through as before. */
  ipamDriver?: string;
  ipamOptions?: Record<string, string> | null;
  internal?: boolean;
  labels?: Record<string, string>;
  options?: Record<string, string>;
}

export const PREDEFINED_NETWORKS = ['bridge', 'host', 'none', 'default'];

/** The driver option naming a bridge network's Linux bridge. */
const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name';

/**
 * User-defined bridge networks: each is a BridgeNetwork of its own (bridge `br-<id>`, chains named
 * after the id, addresses from its subnet), persisted as one JSON file per network so they outlive
 * the daemon. Networks are isolated from each other and from the default bridge by two chains
 * shared by the daemon's networks (as Docker's ISOLATION-STAGE-1/2): traffic leaving a bridge for
 * another bridge is dropped; an internal network drops everything not staying on its bridge.
 */
export class UserNetworks {
  private readonly nets = new Map<string, { config: UserNetworkConfig; bridge: BridgeNetwork; dns: EmbeddedDns }>();
  private readonly iptables = new Iptables();
  private readonly links = new Links();
  private readonly chains: IsolationChains;
  private lock: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly opts: {
      stateDir: string;
      netnsDir: string;
      /** The daemon's chain suffix (see bridgeIdentity); empty for the default daemon. */
      chainTag: string;
      defaultBridge: BridgeNetwork;
      /** Addresses of the running containers called `name` (name, alias or id) for a query to `network`'s DNS from address `from`. */
      lookup: (network: string, name: string, from: string) => string[];
      events: EventRecorder;
      log: Logger;
      /** Where `network`'s embedded DNS forwards names it does not own, asked from `from` (empty = the host's resolvers). */
      upstreams?: (network: string, from: string) => readonly string[];
    },
  ) {
    const base = chainNames('', opts.chainTag).dnat;
    this.chains = { stage1: `${base}-ISOLATION-1`, stage2: `${base}-ISOLATION-2` };
  }

  /** Daemon start: re-creates every persisted network's bridge and rules (missing ones are restored). */
  async load(): Promise<void> {
    for (const id of await readdir(this.opts.stateDir).catch(() => [] as string[])) {
      const text = await readFile(join(this.opts.stateDir, id, 'config.json'), 'utf8').catch(() => '');
      if (!text) continue;
      const config = JSON.parse(text) as UserNetworkConfig;
      const bridge = this.bridgeFor(config);
      const dns = this.dnsFor(config);
      this.nets.set(config.id, { config, bridge, dns });
      try {
        await bridge.describe();
        await dns.listen(config.gateway);
      } catch (e) {
        this.opts.log.warn(`network ${config.name}: ${errorMessage(e)}`);
      }
    }
    if (this.nets.size > 0) await this.ensureIsolation();
  }

  list(): UserNetworkConfig[] {
    return [...this.nets.values()].map((n) => n.config);
  }

  /** By full id, name or unique id prefix (see findNetworkRef). */
  find(ref: string): UserNetworkConfig | undefined {
    return findNetworkRef(this.list(), ref);
  }

  /** The BridgeNetwork that attaches containers to the network named or identified by `ref`. */
  bridgeOf(ref: string): BridgeNetwork | undefined {
    const c = this.find(ref);
    return c ? this.nets.get(c.id)?.bridge : undefined;
  }

  /** After a restart: removes veths and rules of containers not in `live` from every network. */
  async sweep(live: ReadonlySet<string>): Promise<void> {
    for (const { bridge } of this.nets.values()) await bridge.sweep(live);
  }

  create(req: CreateNetworkRequest): Promise<UserNetworkConfig> {
    return this.serialized(() => this.createNow(req));
  }

  /** Removes the network's bridge, chains and state; `activeEndpoints` names the endpoints (container name, endpoint id) still on it. */
  remove(ref: string, activeEndpoints: (n: UserNetworkConfig) => { id: string; name: string }[]): Promise<void> {
    return this.serialized(async () => {
      const config = this.find(ref);
      if (!config) throw notFound('network_not_found', `network ${ref} not found`);
      const active = activeEndpoints(config);
      if (active.length > 0) {
        const list = active.map((c) => `name:"${c.name}" id:"${c.id.slice(0, 12)}"`).join(', ');
        throw new BerthError('Forbidden', 'network_in_use', `error while removing network: network ${config.name} has active endpoints (${list})`);
      }
      const net = this.nets.get(config.id);
      net?.dns.close();
      for (const rule of isolationRules(this.chains, config.bridge, config.internal)) await this.iptables.deleteRule(rule);
      await net?.bridge.teardownIfUnused();
      this.nets.delete(config.id);
      await rm(join(this.opts.stateDir, config.id), { recursive: true, force: true });
      this.opts.events.record({ type: 'network', action: 'destroy', actorId: config.id, attributes: { name: config.name, type: 'bridge' } });
      if (this.nets.size === 0) await this.removeIsolation();
    });
  }

  /** Removes every network no container uses; returns the names removed. */
  async prune(activeOrDefined: (n: UserNetworkConfig) => boolean, matches: (n: UserNetworkConfig) => boolean): Promise<string[]> {
    const removed: string[] = [];
    for (const n of this.list()) {
      if (activeOrDefined(n) || !matches(n)) continue;
      await this.remove(n.id, () => []);
      removed.push(n.name);
    }
    return removed;
  }

  private async createNow(req: CreateNetworkRequest): Promise<UserNetworkConfig> {
    const driver = req.driver || 'bridge';
    if (driver !== 'bridge') throw notFound('plugin_not_found', `plugin "${driver}" not found`);
    if (!req.name) throw invalidArgument('invalid_name', 'network name is empty');
    // dockerd's text, trailing space included.
    if (PREDEFINED_NETWORKS.includes(req.name)) throw new BerthError('Forbidden', 'predefined_network', `operation is not permitted on predefined ${req.name} network `);
    if (this.list().some((n) => n.name === req.name)) throw conflict('network_exists', `network with name ${req.name} already exists`);
    if (req.subnet !== undefined) {
      const problems = ipamProblems({ subnet: req.subnet, ipRange: req.ipRange, gateway: req.gateway, auxAddresses: req.auxAddresses });
      if (problems) throw invalidArgument('invalid_ipam', problems);
    }
    // Another IPAM driver would be a plugin, and there are none.
    if (req.ipamDriver && req.ipamDriver !== 'default' && req.ipamDriver !== 'null') throw notFound('plugin_not_found', `plugin "${req.ipamDriver}" not found`);
    const taken = await this.takenSubnets();
    let subnet: Subnet;
    if (req.subnet) {
      subnet = parseSubnet(req.subnet);
      if (taken.some((t) => overlaps(t, subnet))) throw new BerthError('Forbidden', 'pool_overlap', 'invalid pool request: Pool overlaps with other one on this address space');
    } else {
      subnet = chooseSubnet(defaultPools(), taken);
    }
    const gateway = req.gateway ? parseIpv4(req.gateway) : subnet.base + 1;
    if (!contains(subnet, gateway)) throw invalidArgument('gateway_outside_subnet', `no matching subnet for gateway ${req.gateway ?? formatIpv4(gateway)}`);
    // The subnet's own and broadcast addresses are held by dockerd's IPAM from the start.
    if (gateway === subnet.base || gateway === subnet.base + subnetSize(subnet) - 1) {
      throw new BerthError('Internal', 'gateway_in_use', `failed to allocate gateway (${req.gateway}): Address already in use`);
    }
    const id = randomBytes(32).toString('hex');
    const bridgeName = req.options?.[BRIDGE_NAME_OPTION] || `br-${id.slice(0, 12)}`;
    if (req.options?.[BRIDGE_NAME_OPTION]) await this.checkBridgeName(id, bridgeName);
    const config: UserNetworkConfig = {
      id,
      name: req.name,
      created: new Date().toISOString(),
      subnet: formatSubnet(subnet),
      explicitSubnet: Boolean(req.subnet),
      gateway: formatIpv4(gateway),
      explicitGateway: Boolean(req.gateway),
      ...(req.ipRange ? { ipRange: req.ipRange } : {}),
      ...(req.auxAddresses && Object.keys(req.auxAddresses).length > 0 ? { auxAddresses: req.auxAddresses } : {}),
      attachable: req.attachable === true,
      ipamOptions: req.ipamOptions ?? null,
      internal: req.internal === true,
      labels: req.labels ?? {},
      options: req.options ?? {},
      bridge: bridgeName,
    };
    const dir = join(this.opts.stateDir, id);
    await mkdir(dir, { recursive: true });
    // BridgeNetwork keeps its id in `bridge-id`: the network's id, so endpoints carry it.
    await writeFileAtomic(join(dir, 'bridge-id'), `${id}\n`);
    const bridge = this.bridgeFor(config);
    const dns = this.dnsFor(config);
    try {
      await bridge.describe();
      // A network without name resolution is still a network: port 53 may be held by a host resolver.
      await dns.listen(config.gateway).catch((e: unknown) => this.opts.log.warn(`network ${config.name}: no embedded DNS: ${errorMessage(e)}`));
      this.nets.set(id, { config, bridge, dns });
      await this.ensureIsolation();
      await writeFileAtomic(join(dir, 'config.json'), JSON.stringify(config));
    } catch (e) {
      dns.close();
      this.nets.delete(id);
      for (const rule of isolationRules(this.chains, config.bridge, config.internal)) await this.iptables.deleteRule(rule);
      await bridge.teardownIfUnused().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
    this.opts.log.info(`network ${config.name} created: ${config.bridge} ${config.subnet}`);
    this.opts.events.record({ type: 'network', action: 'create', actorId: id, attributes: { name: config.name, type: 'bridge' } });
    return config;
  }

  /**
   * A bridge name the user chose (`-o com.docker.network.bridge.name`): dockerd's errors for one
   * too long for the kernel or another network's; a link of that name already on the host is
   * refused, where dockerd would take it over, so that rm never deletes a bridge berth did not make.
   */
  private async checkBridgeName(id: string, name: string): Promise<void> {
    // IFNAMSIZ: 15 characters and the NUL; the kernel's ERANGE in dockerd's words.
    if (Buffer.byteLength(name) > 15) throw new BerthError('Internal', 'bridge_name', 'failed to check bridge interface existence: numerical result out of range');
    const other = this.list().find((n) => n.bridge === name);
    if (other) {
      throw new BerthError('Forbidden', 'bridge_name_taken', `cannot create network ${id} (${name}): conflicts with network ${other.id} (${other.bridge}): networks have same bridge name`);
    }
    if (name === this.opts.defaultBridge.bridgeName || (await this.links.exists(name))) {
      throw new BerthError('Forbidden', 'bridge_exists', `bridge ${name} exists on the host: berth makes a network's bridge itself and does not take one over`);
    }
  }

  /** Host routes (other engines' bridges, VPNs) and every network of this daemon. */
  private async takenSubnets(): Promise<Subnet[]> {
    const d = await this.opts.defaultBridge.describe();
    const routes = (await this.links.routes()).map((r) => parseSubnet(r.dst));
    return [...routes, parseSubnet(d.subnet), ...this.list().map((n) => parseSubnet(n.subnet))];
  }

  private dnsFor(config: UserNetworkConfig): EmbeddedDns {
    const upstreams = this.opts.upstreams;
    return new EmbeddedDns((name, from) => this.opts.lookup(config.name, name, from), this.opts.log, upstreams && ((from) => upstreams(config.name, from)));
  }

  private bridgeFor(config: UserNetworkConfig): BridgeNetwork {
    return new BridgeNetwork({
      netnsDir: this.opts.netnsDir,
      stateDir: join(this.opts.stateDir, config.id),
      bridge: config.bridge,
      // 10 characters keep `BERTH-<tag>-POSTROUTING` within iptables' 28.
      chainTag: config.id.slice(0, 10),
      bip: `${config.gateway}/${parseSubnet(config.subnet).prefix}`,
      ipRange: config.ipRange,
      reserved: Object.values(config.auxAddresses ?? {}),
      log: this.opts.log,
    });
  }

  /**
   * The isolation rules of every network, the default bridge included, and the jump to them first
   * in FORWARD: each bridge inserts its own jump at the head when it is set up, which would let its
   * ACCEPT rules pass traffic bound for another bridge, so the jump is moved back to the top.
   */
  private async ensureIsolation(): Promise<void> {
    const { stage1, stage2 } = this.chains;
    await this.iptables.ensureChain('filter', stage1);
    await this.iptables.ensureChain('filter', stage2);
    await this.opts.defaultBridge.describe();
    for (const rule of isolationRules(this.chains, this.opts.defaultBridge.bridgeName, false)) await this.iptables.ensureRule(rule);
    for (const n of this.list()) for (const rule of isolationRules(this.chains, n.bridge, n.internal)) await this.iptables.ensureRule(rule);
    const jump = { table: 'filter' as const, chain: 'FORWARD', args: ['-j', stage1] };
    await this.iptables.deleteRule(jump);
    await this.iptables.ensureRule(jump, true);
  }

  private async removeIsolation(): Promise<void> {
    await this.iptables.deleteRule({ table: 'filter', chain: 'FORWARD', args: ['-j', this.chains.stage1] });
    await this.iptables.deleteChain('filter', this.chains.stage1);
    await this.iptables.deleteChain('filter', this.chains.stage2);
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.lock.then(fn, fn);
    this.lock = next.catch(() => undefined);
    return next;
  }
}

import { isIP } from 'node:net';
import { BerthError, conflict, errorMessage, invalidArgument, notFound } from '../lib/errors.js';
import type { EventRecorder } from '../lib/event-bus.js';
import type { Logger } from '../lib/logger.js';
import type { BridgeEndpoint, BridgeNetwork } from '../network/bridge-network.js';
import type { DnsTarget } from '../network/dns-nat.js';
import type { PortRequest } from '../network/port-rules.js';
import { parseLink } from '../lib/link-spec.js';
import { isRunning, type ContainerRecord, type NetworkAttachment } from './container-model.js';

/** What a create request or `network connect` asks of one endpoint (EndpointSettings' request side). */
export interface EndpointRequest {
  aliases?: string[];
  ipv4?: string;
  /** IPAMConfig.IPv6Address: refused, as on dockerd's networks without an IPv6 subnet (berth has none). */
  ipv6?: string;
  /** Links: see NetworkAttachment.links. */
  links?: string[];
  /** IPAMConfig.LinkLocalIPs: see NetworkAttachment.linkLocalIps. */
  linkLocalIps?: string[];
  /** MacAddress: instead of the one derived from the address. */
  mac?: string;
  /** DriverOpts: kept and shown; the bridge driver acts on none of them. */
  driverOpts?: Record<string, string>;
}

/** User-defined networks as the engine needs them: resolved by name, id or unique id prefix. */
export interface UserNetworkDirectory {
  find(ref: string): { name: string; explicitSubnet?: boolean } | undefined;
  bridgeOf(ref: string): BridgeNetwork | undefined;
}

const HOST_CONFLICT = 'container cannot be disconnected from host network or connected to host network';
const NONE_CONFLICT = 'container cannot be connected to multiple networks with one of the networks in private (none) mode';
const SHARED_CONFLICT = 'container sharing network namespace with another container or host cannot be connected to any other network';

/** The network mode's own network name: `bridge` for `default`. */
export function modeNetwork(mode: string | undefined): string {
  return !mode || mode === 'default' ? 'bridge' : mode;
}

/** Endpoints that exist now: those of a running (or paused) container. */
export function liveAttachments(c: ContainerRecord): (NetworkAttachment & { endpoint: BridgeEndpoint })[] {
  if (!isRunning(c)) return [];
  return (c.networks ?? []).filter((a): a is NetworkAttachment & { endpoint: BridgeEndpoint } => a.endpoint !== undefined);
}

/**
 * The names the embedded DNS of `network` answers for a query sent from address `from`: the
 * container names, aliases, ids and hostnames of running containers on any user network the asker
 * shares with them (the queried network first), each with its address on that network.
 */
export function resolveName(all: readonly ContainerRecord[], network: string, name: string, from: string): string[] {
  const asker = askerOf(all, network, from);
  // The asker's own links on this network: an alias stands for the linked container's name.
  const ownLinks = asker?.networks?.find((a) => a.network === network)?.links ?? [];
  const q = (ownLinks.map(parseLink).find((l) => l.alias.toLowerCase() === name.toLowerCase())?.name ?? name).toLowerCase();
  const shared = asker ? withEndpoints(asker).map((a) => a.network) : [];
  // The default bridge has no name resolution in Docker.
  const nets = [network, ...shared.filter((n) => n !== network && n !== 'bridge')];
  for (const net of nets) {
    const hits = all.flatMap((c) =>
      liveAttachments(c)
        .filter((a) => a.network === net && [...dnsNames(c, a), c.id].some((n) => n.toLowerCase() === q))
        .map((a) => a.endpoint.address),
    );
    if (hits.length > 0) return hits;
  }
  return [];
}

/**
 * Where the embedded DNS of `network` forwards a name it does not own for the container at `from`:
 * the container's --dns, else the daemon's (empty = the host's resolvers).
 */
export function upstreamsFor(all: readonly ContainerRecord[], network: string, from: string, daemonServers: readonly string[]): readonly string[] {
  const own = (askerOf(all, network, from)?.hostConfig['Dns'] as string[] | null | undefined) ?? [];
  return own.length > 0 ? own : daemonServers;
}

const withEndpoints = (c: ContainerRecord) => (c.networks ?? []).filter((a) => a.endpoint);

/** The container whose endpoint on `network` has address `from`. */
function askerOf(all: readonly ContainerRecord[], network: string, from: string): ContainerRecord | undefined {
  const asks = (c: ContainerRecord) => withEndpoints(c).some((a) => a.network === network && a.endpoint?.address === from);
  // A container asks as soon as its process runs, which can be before its record says running.
  return all.find((c) => isRunning(c) && asks(c)) ?? all.find(asks);
}

/** Docker's DNSNames of an endpoint on a user network: name, aliases, short id, hostname. */
export function dnsNames(c: ContainerRecord, a: NetworkAttachment): string[] {
  return [...new Set([c.name, ...(a.aliases ?? []), c.id.slice(0, 12), ...(c.config.Hostname ? [c.config.Hostname] : [])])];
}

/**
 * What /etc/hosts and /etc/resolv.conf need from the endpoints: every address, and where queries
 * to 127.0.0.11 go: the first user network's DNS server, asked from the container's address there.
 * Read at start (before the state says running) and on connect/disconnect.
 */
export function etcNetwork(c: ContainerRecord): { addresses: string[]; dns?: DnsTarget } {
  const live = (c.networks ?? []).flatMap((a) => (a.endpoint ? [{ ...a, endpoint: a.endpoint }] : []));
  const user = live.find((a) => a.network !== 'bridge')?.endpoint;
  return { addresses: live.map((a) => a.endpoint.address), dns: user && { gateway: user.gateway, address: user.address } };
}

/**
 * A container's bridge-network endpoints: made for every network it is on at start (in the order
 * it joined them, the first holding the default route and the published ports), added and removed
 * by `network connect/disconnect`, recorded as network events. Callers hold the container's lock
 * and save the record afterwards.
 */
export class ContainerNetworks {
  constructor(
    private readonly deps: {
      defaultBridge: BridgeNetwork;
      userNetworks?: UserNetworkDirectory;
      events: EventRecorder;
      log: Logger;
    },
  ) {}

  /** The attachments of a new container from its network mode and NetworkingConfig.EndpointsConfig (keys: names or ids). */
  initialAttachments(mode: string, endpoints: Readonly<Record<string, EndpointRequest>>): NetworkAttachment[] | undefined {
    const refs = Object.keys(endpoints);
    const own = modeNetwork(mode);
    if (mode === 'host' || mode === 'none' || mode.startsWith('container:')) {
      // The CLIs name the mode itself as an endpoint (`container:<name>` while the mode holds the id).
      const extra = refs.filter((r) => r !== mode && !(mode.startsWith('container:') && r.startsWith('container:')));
      if (extra.length === 0) return undefined;
      throw invalidArgument('network_conflict', mode === 'host' ? HOST_CONFLICT : mode === 'none' ? NONE_CONFLICT : SHARED_CONFLICT);
    }
    const first: NetworkAttachment = { network: own };
    const out = [first];
    for (const ref of refs) {
      const net = this.find(ref);
      const name = net?.name;
      // The mode's own network, missing: the start says so (see ContainerService.create).
      if (!net && ref === mode) continue;
      if (!net || !name) {
        if (ref === 'host') throw invalidArgument('network_conflict', HOST_CONFLICT);
        if (ref === 'none') throw invalidArgument('network_conflict', NONE_CONFLICT);
        throw notFound('network_not_found', `network ${ref} not found`);
      }
      const req = endpoints[ref] ?? {};
      validateRequest(net, req);
      let a = out.find((x) => x.network === name);
      if (!a) out.push((a = { network: name }));
      if (req.aliases?.length) a.aliases = [...new Set([...(a.aliases ?? []), ...req.aliases])];
      Object.assign(a, requestFields(req));
    }
    return out;
  }

  /**
   * Start: the container's namespace and an endpoint on every network it is on. Resolves with the
   * namespace's path once it can be joined; `links` settles once every endpoint is complete (see
   * BridgeNetwork.attach) and must be awaited before the container's process runs. Undoes
   * everything on failure, also when `links` fails.
   */
  async attachAll(c: ContainerRecord, publish: readonly PortRequest[]): Promise<{ netnsPath: string; links: Promise<void> }> {
    const atts = c.networks ?? [];
    const pending: Promise<void>[] = [];
    try {
      const netnsPath = await this.deps.defaultBridge.createNamespace(c.id, { loopbackUp: atts.length === 0 });
      for (const [i, a] of atts.entries()) {
        const bridge = this.bridgeOf(a.network);
        if (!bridge) throw notFound('network_not_found', `network ${a.network} not found`);
        const attached = await bridge.attach(c.id, i === 0 ? publish : [], { name: c.name, ifIndex: i, loopbackUp: i === 0, defaultRoute: i === 0, address: a.ipv4, mac: a.mac, linkLocal: a.linkLocalIps });
        a.endpoint = attached.endpoint;
        pending.push(attached.links);
      }
      for (const a of atts) this.record('connect', c, a);
      const links = Promise.all(pending).then(
        () => undefined,
        async (e: unknown) => {
          await Promise.allSettled(pending);
          await this.detachAll(c);
          throw e;
        },
      );
      // The caller awaits it; this only keeps a caller that failed first from leaving it unhandled.
      links.catch(() => undefined);
      return { netnsPath, links };
    } catch (e) {
      await Promise.allSettled(pending);
      await this.detachAll(c);
      throw e;
    }
  }

  /** Stop: removes every endpoint and the namespace (announceDetachAll records the events). Tolerant of any being gone. */
  async detachAll(c: ContainerRecord): Promise<void> {
    // The namespace goes at the same time: whichever ends a veth pair first, both ends go.
    await Promise.all([
      ...(c.networks ?? []).map((a) =>
        this.bridgeOf(a.network)
          ?.detach(c.id, a.endpoint)
          .catch((e: unknown) => this.deps.log.warn(`network detach ${c.id} from ${a.network}: ${errorMessage(e)}`)),
      ),
      this.deps.defaultBridge.removeNamespace(c.id),
    ]);
  }

  /** The `disconnect` events of detachAll, recorded apart: an auto-removed container's come before its `destroy`, which comes before the work. */
  announceDetachAll(c: ContainerRecord): void {
    for (const a of c.networks ?? []) if (a.endpoint) this.record('disconnect', c, a);
  }

  /** After a daemon restart: takes back the addresses, ports and rules of a running container's endpoints. */
  async adoptAll(c: ContainerRecord): Promise<void> {
    for (const a of c.networks ?? []) if (a.endpoint) await this.bridgeOf(a.network)?.adopt(c.id, a.endpoint);
  }

  /**
   * `network connect`: a running container gets the endpoint now (`eth<lowest free N>`, the
   * default route if it has none); a stopped one has it recorded for its next start, and joining
   * a network it is already on is a no-op, as in Docker.
   */
  async connect(c: ContainerRecord, ref: string, req: EndpointRequest, publish: readonly PortRequest[]): Promise<void> {
    this.assertConnectable(c);
    const mode = c.hostConfig.NetworkMode ?? 'default';
    if (ref === 'host' || mode === 'host') throw invalidArgument('network_conflict', HOST_CONFLICT);
    if (ref === 'none' || mode === 'none') throw invalidArgument('network_conflict', NONE_CONFLICT);
    if (mode.startsWith('container:')) throw invalidArgument('network_conflict', SHARED_CONFLICT);
    const net = this.find(ref);
    if (!net) throw notFound('network_not_found', `network ${ref} not found`);
    validateRequest(net, req);
    const atts = (c.networks ??= []);
    const existing = atts.find((a) => a.network === net.name);
    const attachment: NetworkAttachment = {
      network: net.name,
      ...(req.aliases?.length ? { aliases: [...new Set(req.aliases)] } : {}),
      ...requestFields(req),
    };
    if (!isRunning(c)) {
      if (!existing) atts.push(attachment);
      return;
    }
    if (existing?.endpoint) throw new BerthError('Forbidden', 'endpoint_exists', `endpoint with name ${c.name} already exists in network ${net.name}`);
    const live = liveAttachments(c);
    const used = new Set(live.map((a) => a.endpoint.ifIndex ?? 0));
    let ifIndex = 0;
    while (used.has(ifIndex)) ifIndex++;
    // The endpoint that gets the default route publishes the ports too.
    const route = live.length === 0;
    const attached = await net.bridge.attach(c.id, route ? publish : [], { name: c.name, ifIndex, loopbackUp: false, defaultRoute: route, address: req.ipv4, mac: req.mac, linkLocal: req.linkLocalIps });
    await attached.links;
    attachment.endpoint = attached.endpoint;
    if (existing) atts.splice(atts.indexOf(existing), 1, attachment);
    else atts.push(attachment);
    this.record('connect', c, attachment);
  }

  /** `network disconnect`: removes the endpoint of a running container (moving the default route if it held it), or the record of a stopped one. */
  async disconnect(c: ContainerRecord, ref: string, force: boolean): Promise<void> {
    this.assertConnectable(c);
    const mode = c.hostConfig.NetworkMode ?? 'default';
    if (ref === 'host' && mode === 'host') throw invalidArgument('network_conflict', HOST_CONFLICT);
    const found = this.find(ref);
    const running = isRunning(c);
    if (!found && running && !force) throw notFound('network_not_found', `network ${ref} not found`);
    const name = found?.name ?? ref;
    const atts = c.networks ?? [];
    const a = atts.find((x) => x.network === name);
    // Docker's two wordings: the record of a stopped container, the endpoint of a running one.
    if (!running || !found) {
      if (!a) throw new BerthError('Internal', 'not_connected', `container ${c.id} is not connected to the network ${name}`);
      atts.splice(atts.indexOf(a), 1);
      return;
    }
    if (!a?.endpoint) throw new BerthError('Internal', 'not_connected', `container ${c.id} is not connected to network ${name}`);
    const heldRoute = liveAttachments(c)[0] === a;
    await found.bridge.detach(c.id, a.endpoint);
    atts.splice(atts.indexOf(a), 1);
    const next = liveAttachments(c)[0];
    if (heldRoute && next) {
      // As dockerd moves external connectivity to the next gateway endpoint: the route and the same host ports.
      const ports: PortRequest[] = a.endpoint.ports.map((p) => ({ proto: p.proto, containerPort: p.containerPort, hostIp: p.hostIp, hostPort: [p.hostPort, p.hostPort] }));
      const bridge = this.bridgeOf(next.network);
      await Promise.all([bridge?.routeVia(next.endpoint), bridge?.publish(c.id, next.endpoint, ports, c.name)]).catch((e: unknown) =>
        this.deps.log.warn(`container ${c.id.slice(0, 12)}: default route and ports via ${next.network}: ${errorMessage(e)}`),
      );
    }
    this.record('disconnect', c, a);
  }

  /** The default bridge (`bridge`, `default`) or a user network, by name, id or unique id prefix. */
  find(ref: string): ResolvedNetwork | undefined {
    if (ref === 'bridge' || ref === 'default') return { name: 'bridge', bridge: this.deps.defaultBridge, fixedAddresses: false };
    const user = this.deps.userNetworks?.find(ref);
    const bridge = user ? this.deps.userNetworks?.bridgeOf(user.name) : undefined;
    return user && bridge ? { name: user.name, bridge, fixedAddresses: user.explicitSubnet !== false } : undefined;
  }

  private bridgeOf(network: string): BridgeNetwork | undefined {
    return this.find(network)?.bridge;
  }

  private assertConnectable(c: ContainerRecord): void {
    if (c.state.status === 'removing' || c.state.status === 'dead') {
      throw conflict('removing', `Container ${c.id} is marked for removal and cannot be connected or disconnected to the network`);
    }
  }

  private record(action: 'connect' | 'disconnect', c: ContainerRecord, a: NetworkAttachment): void {
    this.deps.events.record({
      type: 'network',
      action,
      actorId: a.endpoint?.networkId ?? '',
      attributes: { container: c.id, name: a.network, type: 'bridge' },
    });
  }
}

interface ResolvedNetwork {
  name: string;
  bridge: BridgeNetwork;
  /** Containers may ask for an address: a user network whose subnet the user chose. */
  fixedAddresses: boolean;
}

/**
 * Docker's checks of an endpoint request, its errors one a line in dockerd's order: fixed addresses
 * and aliases only on user networks, addresses well-formed, a fixed address only in a subnet the user
 * chose (no network here has an IPv6 one).
 */
function validateRequest(net: ResolvedNetwork, req: EndpointRequest): void {
  const errs: string[] = [];
  if (net.name === 'bridge') {
    if (req.ipv4 || req.ipv6) errs.push('user specified IP address is supported on user defined networks only');
    if (req.aliases?.length) errs.push('network-scoped alias is supported only for containers in user defined networks');
  }
  if (req.ipv6 && (isIP(req.ipv6) !== 6 || isUnspecified(req.ipv6) || /^::ffff:[\d.]+$/i.test(req.ipv6))) errs.push(`invalid IPv6 address: ${req.ipv6}`);
  for (const link of req.links ?? []) parseLink(link);
  for (const ip of req.linkLocalIps ?? []) if (isIP(ip) === 0 || isUnspecified(ip)) errs.push(`invalid link-local IP address: ${ip}`);
  if (net.name !== 'bridge') {
    const noSubnet = 'user specified IP address is supported only when connecting to networks with user configured subnets';
    if (req.ipv4 && !net.fixedAddresses) errs.push(noSubnet);
    if (req.ipv6) errs.push(noSubnet);
  }
  if (req.mac !== undefined && !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(req.mac)) throw invalidArgument('invalid_mac', `invalid MAC address: ${req.mac}`);
  if (errs.length > 0) throw invalidArgument('invalid_endpoint', `invalid endpoint settings:\n${errs.join('\n')}`);
}

/** `0.0.0.0` or `::` in any spelling. */
function isUnspecified(ip: string): boolean {
  return isIP(ip) === 4 ? ip.split('.').every((n) => Number(n) === 0) : /^[0:]+$/.test(ip);
}

/** The per-endpoint settings a request records besides its aliases. */
function requestFields(req: EndpointRequest): Pick<NetworkAttachment, 'ipv4' | 'linkLocalIps' | 'links' | 'mac' | 'driverOpts'> {
  return {
    ...(req.links?.length ? { links: req.links } : {}),
    ...(req.ipv4 ? { ipv4: req.ipv4 } : {}),
    ...(req.linkLocalIps?.length ? { linkLocalIps: req.linkLocalIps } : {}),
    ...(req.mac ? { mac: req.mac.toLowerCase() } : {}),
    ...(req.driverOpts && Object.keys(req.driverOpts).length > 0 ? { driverOpts: req.driverOpts } : {}),
  };
}

import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError, notFound } from '../lib/errors.js';
import { findNetworkRef } from '../network/network-ref.js';
import { writeFileAtomic } from '../lib/atomic-file.js';
import type { BridgeNetwork } from '../network/bridge-network.js';
import type { CreateNetworkRequest, UserNetworkConfig, UserNetworks } from '../network/user-networks.js';
import type { ContainerService } from './container-service.js';
import { isRunning, type ContainerRecord } from './container-model.js';
import { liveAttachments, type EndpointRequest } from './container-networks.js';

/** One of Docker's predefined networks as the engine describes it; the API edge maps it to the wire. */
export interface NetworkView {
  name: string;
  id: string;
  created: string;
  driver: 'bridge' | 'host' | 'null';
  subnet?: string;
  gateway?: string;
  bridgeName?: string;
  /** Set for user-defined networks only. */
  user?: {
    internal: boolean;
    attachable: boolean;
    ipRange?: string;
    auxAddresses?: Record<string, string>;
    ipamOptions: Record<string, string> | null;
    labels: Record<string, string>;
    options: Record<string, string>;
  };
  containers: { id: string; name: string; endpointId: string; mac: string; address: string }[];
}

const PREDEFINED = [
  { name: 'bridge', driver: 'bridge' },
  { name: 'host', driver: 'host' },
  { name: 'none', driver: 'null' },
] as const;

/**
 * Networks as the API shows them: the predefined `bridge`, `host` and `none` (ids made once and
 * persisted, as dockerd's are) and the user-defined bridge networks, which can be made and removed.
 */
export class NetworkService {
  constructor(
    private readonly containers: ContainerService,
    private readonly bridge: BridgeNetwork,
    private readonly stateDir: string,
    private readonly users: UserNetworks,
  ) {}

  async list(): Promise<NetworkView[]> {
    const predefined = await Promise.all(PREDEFINED.map((p) => this.view(p.name)));
    return [...predefined, ...this.users.list().map((n) => this.userView(n))];
  }

  async create(req: CreateNetworkRequest): Promise<string> {
    return (await this.users.create(req)).id;
  }

  async remove(ref: string): Promise<void> {
    const hit = await this.inspect(ref);
    if (!hit.user) throw new BerthError('Forbidden', 'predefined_network', `${hit.name} is a pre-defined network and cannot be removed`);
    // dockerd names the endpoints (the container's name, the endpoint's short id) that keep it.
    await this.users.remove(hit.id, (n) => this.endpoints(n.name).map((e) => ({ id: e.endpointId, name: e.name })));
  }

  /** Removes unused user-defined networks matching `matches`; returns their names. */
  async prune(matches: (n: NetworkView) => boolean): Promise<string[]> {
    // Docker prunes networks no container refers to, running or not.
    const referenced = new Set(this.containers.list().flatMap((c) => [c.hostConfig.NetworkMode, ...(c.networks ?? []).map((a) => a.network)]));
    return this.users.prune((n) => referenced.has(n.name), (n) => matches(this.userView(n)));
  }

  /** `network connect`: the container joins the network now if it runs, at its next start otherwise. */
  async connect(ref: string, container: string, req: EndpointRequest): Promise<void> {
    this.containers.get(container);
    await this.containers.connectNetwork(container, (await this.inspect(ref)).name, req);
  }

  async disconnect(ref: string, container: string, force: boolean): Promise<void> {
    this.containers.get(container);
    // A network removed since (or never known) can still be dropped from a container's record with force.
    const name = await this.inspect(ref).then(
      (n) => n.name,
      (e: unknown) => {
        if (force) return ref;
        throw e;
      },
    );
    await this.containers.disconnectNetwork(container, name, force);
  }

  /** Running containers with an endpoint on the network. */
  private members(network: string): ContainerRecord[] {
    return this.containers.list().filter((c) => liveAttachments(c).some((a) => a.network === network));
  }

  private endpoints(network: string): NetworkView['containers'] {
    return this.members(network).flatMap((c) =>
      liveAttachments(c)
        .filter((a) => a.network === network)
        .map(({ endpoint: ep }) => ({ id: c.id, name: c.name, endpointId: ep.endpointId, mac: ep.mac, address: `${ep.address}/${ep.prefixLen}` })),
    );
  }

  private userView(n: UserNetworkConfig): NetworkView {
    return {
      name: n.name,
      id: n.id,
      created: n.created,
      driver: 'bridge',
      subnet: n.subnet,
      // dockerd shows the IPAM config the user gave: a subnet without a gateway has none.
      gateway: n.explicitSubnet === true && n.explicitGateway === false ? undefined : n.gateway,
      bridgeName: n.bridge,
      user: {
        internal: n.internal,
        attachable: n.attachable === true,
        ipRange: n.ipRange,
        auxAddresses: n.auxAddresses,
        // Older configs did not record it; the docker CLI, which made most of them, sends {}.
        ipamOptions: n.ipamOptions === undefined ? {} : n.ipamOptions,
        labels: n.labels,
        options: n.options,
      },
      containers: this.endpoints(n.name),
    };
  }

  /** By full id, name or unique id prefix, as Docker resolves network references. */
  async inspect(ref: string): Promise<NetworkView> {
    const all = await this.list();
    const hit = findNetworkRef(all, ref);
    if (!hit) throw notFound('network_not_found', `network ${ref} not found`);
    return hit;
  }

  private async view(name: (typeof PREDEFINED)[number]['name']): Promise<NetworkView> {
    const driver = PREDEFINED.find((p) => p.name === name)?.driver ?? 'null';
    if (name === 'bridge') {
      const d = await this.bridge.describe();
      return {
        name,
        driver,
        id: d.id,
        created: await this.created(join(this.stateDir, 'bridge-id')),
        subnet: d.subnet,
        gateway: d.gateway,
        bridgeName: this.bridge.bridgeName,
        containers: this.endpoints('bridge'),
      };
    }
    const path = join(this.stateDir, `${name}-id`);
    return {
      name,
      driver,
      id: await this.persistedId(path),
      created: await this.created(path),
      containers: this.containers
        .list()
        .filter((c) => isRunning(c) && c.hostConfig.NetworkMode === name)
        .map((c) => ({ id: c.id, name: c.name, endpointId: '', mac: '', address: '' })),
    };
  }

  private async persistedId(path: string): Promise<string> {
    const existing = (await readFile(path, 'utf8').catch(() => '')).trim();
    if (/^[0-9a-f]{64}$/.test(existing)) return existing;
    const id = randomBytes(32).toString('hex');
    await writeFileAtomic(path, `${id}\n`);
    return id;
  }

  private async created(path: string): Promise<string> {
    return (await stat(path).catch(() => undefined))?.mtime.toISOString() ?? new Date().toISOString();
  }
}

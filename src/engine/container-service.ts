import { closeSync, constants, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';
import { BerthError, conflict, errorMessage, internal, invalidArgument, notFound } from '../lib/errors.js';
import { HOST_GATEWAY, parseExtraHost, type ExtraHost } from '../lib/extra-host.js';
import { parseLink } from '../lib/link-spec.js';
import { runProgram } from '../lib/exec-file.js';
import { KeyedMutex } from '../lib/keyed-mutex.js';
import type { EventRecorder } from '../lib/event-bus.js';
import type { Logger } from '../lib/logger.js';
import type { ImageId } from '../oci/digest.js';
import { newContainerId, shortId, type ContainerId } from '../oci/ids.js';
import type { Image, ImageService } from '../image/image-service.js';
import { prepareMonitor, resize as resizeTty, readExitFile, type LaunchedContainer, type PreparedMonitor } from '../runtime/monitor/conmon.js';
import { SeccompPrograms } from '../runtime/monitor/seccomp-programs.js';
import { attach as attachMonitor } from '../runtime/monitor/attach.js';
import { signalNumber, type OciRuntime } from '../runtime/monitor/oci-runtime.js';
import { LogRotation } from '../runtime/monitor/log-rotation.js';
import { readLogs } from '../runtime/monitor/logs.js';
import type { CgroupMoveWarmer } from '../runtime/cgroup-move-warmer.js';
import { listHostDevices } from '../runtime/host-devices.js';
import { isMountPoint } from '../lib/mount-table.js';
import { mountOverlay, unmount } from '../runtime/rootfs.js';
import { cpusToQuota, generateSpec, memoryResources, type SeccompInput } from '../runtime/spec/generate.js';
import { specToJson } from '../runtime/spec/json.js';
import { parseCapabilities } from '../runtime/spec/capabilities.js';
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS, DEFAULT_SHM_SIZE } from '../runtime/spec/defaults.js';
import { onlineCpuset } from '../runtime/cgroup-stats.js';
import { cgroupSupport } from '../runtime/cgroup-support.js';
import { blockIOResources } from '../runtime/block-io.js';
import { giveCpuRtToParents, type CpuRtBudget } from '../runtime/cpu-rt-parents.js';
import { removeCgroupDirs } from '../runtime/cgroup-cleanup.js';
import { checkCpuset, checkOomScoreAdj, checkSwappiness, checkSysctls, namespaceSharing } from '../runtime/spec/settings-check.js';
import type { HostRlimits } from '../runtime/spec/rlimits.js';
import { withDefaultEnv } from '../runtime/spec/user.js';
import type { LinuxDevice, LinuxDeviceCgroup, Mount, RuntimeSpec } from '../runtime/spec/types.js';
import { checkDeviceMapping, parseDeviceCgroupRule } from '../lib/device-spec.js';
import { mappedDevices } from '../runtime/device-mapping.js';
import type { NetworkNamespace } from '../runtime/spec/generate.js';
import type { BridgeNetwork } from '../network/bridge-network.js';
import { EMBEDDED_DNS_ADDRESS, redirectEmbeddedDns } from '../network/dns-nat.js';
import { portRequests, type PortRequest } from '../network/port-rules.js';
import { ContainerNetworks, etcNetwork, modeNetwork, type EndpointRequest, type UserNetworkDirectory } from './container-networks.js';
import type { SnapshotManager } from '../store/snapshot/snapshot-manager.js';
import { AttachSession } from './attach-session.js';
import { commandOf, mergeEnv, mergeImageConfig } from './container-config.js';
import { linkEnv, renameInLink } from './container-links.js';
import { writeEtcFiles, type DnsOverrides, type EtcFiles } from './container-files.js';
import { logMaxFiles, logSizeMax, normalizeLogConfig, type LogConfigSpec } from './log-config.js';
import { ContainerFs } from './container-fs.js';
import { adaptCgroupSettings, cgroupPath } from './cgroup-settings.js';
import { ContainerIndex } from './container-index.js';
import {
  isRunning,
  transition,
  validateName,
  ZERO_TIME,
  type ContainerConfigSpec,
  type ContainerRecord,
  type HostConfigSpec,
} from './container-model.js';
import { generateName } from './names.js';
import type { HealthMonitor } from './health-monitor.js';
import { validateHealthcheck } from './health.js';
import { restartAfterExit, RestartScheduler, startOnDaemonStart, validateRestartPolicy } from './restart-policy.js';
import { copyUp } from '../volume/copy-up.js';
import { planMounts, tmpfsMountOptions, volumesFromContainer, volumesFromMounts, type MountInputs, type MountRecord } from '../volume/mount-plan.js';
import { formatPlatform, parsePlatform, platformMatches } from '../oci/platform.js';
import { VolumeMountError } from '../volume/local-mount.js';
import { checkVolumeDriver, volumeName, type VolumeStore } from '../volume/volume-store.js';

export interface EnginePaths {
  /** Persistent per-container files: etc files, logs. */
  containersDir: string;
  /** Per-container bundles on tmpfs: config.json, rootfs mount point, conmon's sockets. */
  bundlesDir: string;
  exitDir: string;
}

export interface SecurityDefaults {
  seccomp: SeccompInput;
  heldCapabilities: string[];
  hostRlimits: HostRlimits;
  initPath: string;
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

export interface CreateRequest {
  name?: string;
  config: ContainerConfigSpec;
  hostConfig: HostConfigSpec;
  /** NetworkingConfig.EndpointsConfig: network name or id → aliases and address asked for. */
  endpoints?: Record<string, EndpointRequest>;
  /** `--platform`: the image must be of it (`os[/arch[/variant]]`). */
  platform?: string;
}

export interface LogOptions {
  stdout: boolean;
  stderr: boolean;
  follow: boolean;
  since?: number;
  until?: number;
  tail?: number | 'all';
  signal?: AbortSignal;
}

interface Waiter {
  condition: WaitCondition;
  resolve: (code: number) => void;
}

const NETWORK_MODES = ['default', 'bridge', 'none', 'host'];

/**
 * Container use cases: create, start, stop, kill, pause, attach, wait, logs, rename, remove, and
 * the daemon-restart path that re-adopts running containers and records exits it missed.
 */
export class ContainerService {
  readonly index: ContainerIndex;
  private readonly locks = new KeyedMutex();
  private readonly logRotation = new LogRotation();
  private readonly waiters = new Map<ContainerId, Waiter[]>();
  private readonly pendingAttach = new Map<ContainerId, AttachSession[]>();
  private readonly seccompPrograms = new SeccompPrograms();
  private readonly exitWaits = new Map<ContainerId, (() => void)[]>();
  /** Clean-ups of --rm containers already reported removed. */
  private readonly removals = new Set<Promise<void>>();
  private readonly networks: ContainerNetworks;
  private readonly restarts = new RestartScheduler();
  /** While the daemon restores, exits are only recorded: `startByPolicy` restarts containers once all are restored. */
  private restoring = false;

  constructor(
    private readonly deps: {
      meta: ConstructorParameters<typeof ContainerIndex>[0];
      images: ImageService;
      snapshots: SnapshotManager;
      runtimes: ReadonlyMap<string, OciRuntime>;
      defaultRuntime: string;
      paths: EnginePaths;
      security: SecurityDefaults;
      network: BridgeNetwork;
      /** User-defined networks by name or id; absent in daemons without them. */
      userNetworks?: UserNetworkDirectory & { sweep(live: ReadonlySet<string>): Promise<void> };
      /** The daemon's --dns: nameservers of containers' resolv.conf instead of the host's. */
      dnsServers?: readonly string[];
      /** The daemon's --log-driver and --log-opt (json-file and none when absent). */
      logConfig?: LogConfigSpec;
      /** The daemon's --default-cgroupns-mode (private when absent). */
      defaultCgroupnsMode?: 'private' | 'host';
      /** The daemon's --cpu-rt-period/--cpu-rt-runtime, given to the containers' parent cgroups at each start. */
      cpuRtBudget?: CpuRtBudget;
      volumes: VolumeStore;
      health: Pick<HealthMonitor, 'start' | 'stop'>;
      /** Held while a start is on its way to the runtime's create, which moves the process into its cgroups. */
      cgroupMoves: Pick<CgroupMoveWarmer, 'hold'>;
      events: EventRecorder;
      log: Logger;
    },
  ) {
    this.index = new ContainerIndex(deps.meta);
    this.networks = new ContainerNetworks({ defaultBridge: deps.network, userNetworks: deps.userNetworks, events: deps.events, log: deps.log });
  }

  // ---------------------------------------------------------------- create

  async create(req: CreateRequest): Promise<{ id: ContainerId; warnings: string[] }> {
    const sw = this.stopwatch('create');
    const image = this.deps.images.resolve(req.config.Image ?? '');
    if (req.platform) {
      const want = parsePlatform(req.platform);
      const { os, architecture, variant } = image.config;
      const have = variant ? { os, architecture, variant } : { os, architecture };
      // A 404, as dockerd's: the docker CLI then pulls the image for that platform.
      if (!platformMatches(want, have)) {
        throw notFound('platform_mismatch', `image with reference ${req.config.Image ?? ''} was found but does not match the specified platform: wanted ${formatPlatform(want)}, actual: ${formatPlatform(have)}`);
      }
    }
    const hc = { ...req.hostConfig };
    hc.NetworkMode = hc.NetworkMode || 'default';
    if (hc.NetworkMode.startsWith('container:')) {
      const owner = this.containerNamedBy(hc.NetworkMode.slice('container:'.length));
      hc.NetworkMode = `container:${owner.id}`;
      // dockerd's checks, in its order: what the owner's namespace and files already decide.
      const conflict = (what: string) => invalidArgument('conflicting_options', `conflicting options: ${what}`);
      if (req.config.Hostname) throw conflict('hostname and the network mode');
      if (((hc['Dns'] as string[] | null | undefined) ?? []).length > 0) throw conflict('dns and the network mode');
      if ((hc.ExtraHosts ?? []).length > 0) throw conflict('custom host-to-IP mapping and the network mode');
      if (Object.values(req.endpoints ?? {}).some((e) => e.mac)) throw conflict('mac-address and the network mode');
      if (hc['PortBindings'] && Object.keys(hc['PortBindings'] as object).length > 0) {
        throw conflict('port publishing and the container type network mode');
      }
    } else if (!NETWORK_MODES.includes(hc.NetworkMode)) {
      // As dockerd: a network that does not exist fails the start, not the create (a 404 here would
      // make the docker CLI try to pull the image).
      const user = this.deps.userNetworks?.find(hc.NetworkMode);
      if (user) hc.NetworkMode = user.name;
    }
    const runtime = hc.Runtime || this.deps.defaultRuntime;
    if (!this.deps.runtimes.has(runtime)) throw invalidArgument('unknown_runtime', `unknown or invalid runtime name: ${runtime}`);
    hc.Runtime = runtime;
    // As dockerd, which records its default size: inspect shows what /dev/shm gets.
    if (!hc.ShmSize) hc.ShmSize = DEFAULT_SHM_SIZE;
    // dockerd records the IPC mode (its default-ipc-mode) and the paths it masks, so inspect shows them.
    if (!hc.IpcMode) hc.IpcMode = 'private';
    if (!hc.Privileged) {
      hc.MaskedPaths ??= [...DEFAULT_MASKED_PATHS];
      hc.ReadonlyPaths ??= [...DEFAULT_READONLY_PATHS];
    }
    this.validateHostConfig(hc);
    const warnings = adaptCgroupSettings(hc, cgroupSupport, this.deps.defaultCgroupnsMode ?? 'private');
    if (req.config.StopSignal) signalNumber(req.config.StopSignal);
    hc.LogConfig = normalizeLogConfig(hc.LogConfig, this.deps.logConfig);
    if (namespaceSharing('uts', hc.UTSMode) === 'host' && req.config.Hostname) throw invalidArgument('conflicting_options', 'conflicting options: hostname and the UTS mode');
    validateHealthcheck(req.config.Healthcheck);
    const networks = this.networks.initialAttachments(hc.NetworkMode, req.endpoints ?? {});
    if (hc.NetworkMode === 'host' && hc['PortBindings'] && Object.keys(hc['PortBindings'] as object).length > 0) {
      warnings.push('Published ports are discarded when using host network mode');
    }

    const id = newContainerId();
    const name = req.name ? validateName(req.name) : generateName((n) => this.index.nameTaken(n));
    this.index.assertNameFree(name);
    checkStorageOpts(hc.StorageOpt ?? {});
    this.resolveLinks(hc, name);
    // As dockerd: on the host's network the default name is the host's.
    const config = mergeImageConfig({ ...req.config }, image.config.config ?? {}, hc.NetworkMode === 'host' ? hostname() : shortId(id));
    const { path, args } = commandOf(config);
    const mounts = await this.createMounts(hc, config);
    const rec: ContainerRecord = {
      id,
      name,
      created: new Date().toISOString(),
      image: req.config.Image ?? image.id,
      imageId: image.id,
      config,
      hostConfig: hc,
      path,
      args,
      state: { status: 'created', pid: 0, exitCode: 0, error: '', startedAt: ZERO_TIME, finishedAt: ZERO_TIME, oomKilled: false },
      runtime,
      snapshotKey: id,
      restartCount: 0,
      conmonPid: 0,
      stoppedByUser: false,
      mounts,
      ...(networks ? { networks } : {}),
    };
    sw.lap('validate');
    try {
      await this.deps.images.ensureUnpacked(image);
      await this.deps.snapshots.prepare(id, this.deps.images.topChainId(image));
    } catch (e) {
      await this.removeAnonymousVolumes(rec);
      throw e;
    }
    sw.lap('snapshot');
    try {
      await mkdir(this.containerDir(id), { recursive: true });
      this.index.add(rec);
      this.recordEvent(rec, 'create');
    } catch (e) {
      await this.deps.snapshots.remove(id);
      await rm(this.containerDir(id), { recursive: true, force: true });
      await this.removeAnonymousVolumes(rec);
      throw e;
    }
    sw.lap('record');
    sw.done(id);
    return { id, warnings };
  }

  /**
   * Resolves the container's mounts as Docker does at create: named volumes are created on first
   * use, anonymous ones get a random name, a missing `-v` bind source becomes a directory.
   */
  private async createMounts(hc: HostConfigSpec, config: ContainerConfigSpec): Promise<MountRecord[]> {
    const from = ((hc['VolumesFrom'] as string[] | null | undefined) ?? []).flatMap((spec) => volumesFromMounts(spec, this.containerNamedBy(volumesFromContainer(spec)).mounts ?? []));
    const plan = planMounts({
      binds: (hc['Binds'] as string[] | null | undefined) ?? [],
      mounts: (hc['Mounts'] as MountInputs['mounts'] | null | undefined) ?? [],
      tmpfs: (hc['Tmpfs'] as Record<string, string> | null | undefined) ?? {},
      volumes: Object.keys(config.Volumes ?? {}),
      from,
      volumeDriver: hc.VolumeDriver,
    });
    // Every volume's driver before anything is created: only `local` exists.
    for (const m of plan) {
      if (m.Type === 'volume') checkVolumeDriver(m.Name || volumeName(undefined), m.Driver);
    }
    for (const m of plan) {
      if (m.Type !== 'bind') continue;
      const exists = await stat(m.Source).then(() => true, () => false);
      if (exists) continue;
      if (!m.createSource) {
        throw invalidArgument('invalid_mount', `invalid mount config for type "bind": bind source path does not exist: ${m.Source}`);
      }
      await mkdir(m.Source, { recursive: true });
    }
    const out: MountRecord[] = [];
    for (const { createSource: _, newVolume, ...m } of plan) {
      if (m.Type === 'volume') {
        const v = await this.deps.volumes.create({ name: m.Name, anonymous: m.anonymous === true && !m.Name, ...newVolume });
        m.Name = v.name;
        m.Source = v.mountpoint;
      }
      out.push(m);
    }
    return out;
  }

  /**
   * A container a create names (`--volumes-from`, `--network container:`); missing, a bad request
   * as dockerd answers it (a 404 would make the docker CLI pull the image).
   */
  private containerNamedBy(ref: string): ContainerRecord {
    try {
      return this.index.get(ref);
    } catch (e) {
      if (e instanceof BerthError && e.kind === 'NotFound') throw invalidArgument('volumes_from_not_found', e.message);
      throw e;
    }
  }

  /**
   * `--link` as dockerd's registerLinks checks it at create: the linked container exists (followed
   * through `--network container:`) and is not on the host's network. Kept as `/child:/parent/alias`,
   * the form dockerd's inspect shows. On a user network links are the endpoint's (see resolveName)
   * and dockerd's inspect shows no HostConfig.Links.
   */
  private resolveLinks(hc: HostConfigSpec, parent: string): void {
    const links = hc.Links ?? [];
    if (links.length === 0) return;
    const mode = hc.NetworkMode ?? 'default';
    const undefinedBehaviour = (what: string) => invalidArgument('conflicting_options', `conflicting options: ${what} can't be used with links. This would result in undefined behavior`);
    if (mode === 'host') throw undefinedBehaviour('host type networking');
    if (mode.startsWith('container:')) throw undefinedBehaviour('container type network');
    if (!NETWORK_MODES.includes(mode)) {
      hc.Links = null;
      return;
    }
    const target = (ref: string): ContainerRecord => {
      try {
        return this.index.get(ref);
      } catch (e) {
        // A bad request, as dockerd's: a 404 would make the docker CLI pull the image.
        if (e instanceof BerthError && e.kind === 'NotFound') throw invalidArgument('link_not_found', `could not get container for ${ref}: ${e.message}`);
        throw e;
      }
    };
    hc.Links = links.map((l) => {
      const { name, alias } = parseLink(l);
      let child = target(name);
      while (child.hostConfig.NetworkMode?.startsWith('container:')) child = target(child.hostConfig.NetworkMode.slice('container:'.length));
      if (child.hostConfig.NetworkMode === 'host') throw undefinedBehaviour('host type networking');
      return `/${child.name}:/${parent}/${alias}`;
    });
  }

  /**
   * At start on the default bridge, as dockerd's: each linked container, running there, gives a
   * /etc/hosts line (alias, hostname and name at its address) and its link variables (see linkEnv).
   * Not `strict` (a rewrite of a running container's hosts), a link that cannot be served is left out.
   */
  private linkedContainers(c: ContainerRecord, strict = true): { hosts: ExtraHost[]; env: string[] } {
    const out = { hosts: [] as ExtraHost[], env: [] as string[] };
    if (!c.networks?.some((a) => a.network === 'bridge')) return out;
    for (const link of c.hostConfig.Links ?? []) {
      const linkName = link.slice(link.indexOf(':') + 1);
      const { name, alias } = parseLink(link);
      const child = this.index.find(name);
      const bridged = child?.networks?.find((a) => a.network === 'bridge');
      const ip = bridged?.endpoint?.address;
      // A linked container removed since: dockerd forgets the link with it.
      if (!child || (!strict && (!isRunning(child) || !ip))) continue;
      if (!bridged) throw internal('link_not_bridged', `Cannot link to /${child.name}, as it does not belong to the default network`);
      if (!isRunning(child) || !ip) throw internal('link_not_running', `Cannot link to a non running container: /${child.name} AS ${linkName}`);
      out.hosts.push({ name: [alias, child.config.Hostname ?? shortId(child.id), ...(alias === child.name ? [] : [child.name])].join(' '), ip });
      out.env.push(...linkEnv(linkName, ip, child.config.Env ?? [], Object.keys(child.config.ExposedPorts ?? {})));
    }
    return out;
  }

  private async removeAnonymousVolumes(c: ContainerRecord): Promise<void> {
    for (const m of c.mounts ?? []) {
      if (m.Type !== 'volume' || !m.anonymous || !m.Name) continue;
      // Another container may have been given the same volume (--volumes-from); it stays then.
      await this.deps.volumes.remove(m.Name).catch((e: unknown) => this.deps.log.warn(`remove volume ${m.Name}: ${errorMessage(e)}`));
    }
  }

  /** Containers whose mounts use the named volume. */
  containersUsingVolume(name: string): string[] {
    return this.index
      .all()
      .filter((c) => c.mounts?.some((m) => m.Type === 'volume' && m.Name === name))
      .map((c) => c.id);
  }

  /** OCI mounts for the container's binds, volumes and tmpfs, after seeding empty volumes from the image. */
  private async userMounts(c: ContainerRecord, rootFs: ContainerFs): Promise<Mount[]> {
    const out: Mount[] = [];
    await this.holdVolumes(c);
    for (const m of c.mounts ?? []) {
      if (m.Type === 'tmpfs') {
        out.push({ destination: m.Destination, type: 'tmpfs', source: 'tmpfs', options: tmpfsMountOptions(m) });
        continue;
      }
      if (m.Type === 'volume' && !m.noCopy) await copyUp(rootFs.locate(rootFs.resolve(m.Destination)).abs, m.Source);
      if (m.Type === 'volume') {
        const attributes = { container: c.id, destination: m.Destination, driver: 'local', propagation: m.Propagation, 'read/write': String(m.RW) };
        this.deps.events.record({ type: 'volume', action: 'mount', actorId: m.Name ?? '', attributes });
      }
      out.push({ destination: m.Destination, type: 'bind', source: m.Source, options: ['rbind', m.Propagation || 'rprivate', m.RW ? 'rw' : 'ro'] });
    }
    return out;
  }

  private validateHostConfig(hc: HostConfigSpec): void {
    validateRestartPolicy(hc.RestartPolicy, hc.AutoRemove === true);
    if (hc.Memory) memoryResources(hc.Memory, hc.MemorySwap);
    const cpus = availableParallelism();
    if (hc.NanoCpus !== undefined && (hc.NanoCpus < 0 || hc.NanoCpus > cpus * 1e9)) {
      throw invalidArgument('invalid_cpus', `Range of CPUs is from 0.01 to ${cpus}.00, as there are only ${cpus} CPUs available`);
    }
    const reservation = (hc['MemoryReservation'] as number | undefined) ?? 0;
    if (hc.Memory && reservation > 0 && hc.Memory < reservation) {
      throw invalidArgument('invalid_memory', 'Minimum memory limit can not be less than memory reservation limit, see usage');
    }
    parseCapabilities([...(hc.CapAdd ?? []), ...(hc.CapDrop ?? [])]);
    if ((hc.ShmSize ?? 0) < 0) throw invalidArgument('invalid_shm_size', 'SHM size can not be less than 0');
    for (const entry of hc.ExtraHosts ?? []) parseExtraHost(entry);
    const own = { pid: namespaceSharing('pid', hc.PidMode), ipc: namespaceSharing('ipc', hc.IpcMode), uts: namespaceSharing('uts', hc.UTSMode) };
    checkSysctls(hc.Sysctls ?? {}, { network: hc.NetworkMode !== 'host', ipc: own.ipc === 'private', uts: own.uts === 'private' });
    if (hc.CpusetCpus) checkCpuset('cpus', hc.CpusetCpus, onlineCpuset().cpus);
    if (hc.CpusetMems) checkCpuset('mems', hc.CpusetMems, onlineCpuset().mems);
    if (hc.OomScoreAdj) checkOomScoreAdj(hc.OomScoreAdj);
    for (const d of hc.Devices ?? []) checkDeviceMapping(d);
    for (const rule of hc.DeviceCgroupRules ?? []) parseDeviceCgroupRule(rule);
    if (hc.MemorySwappiness !== undefined && hc.MemorySwappiness !== null) checkSwappiness(hc.MemorySwappiness);
    for (const opt of hc.SecurityOpt ?? []) {
      if (!/^(no-new-privileges(=(true|false))?|no-new-privileges:(true|false)|seccomp[=:]unconfined|label[=:].*|apparmor[=:].*)$/.test(opt)) {
        throw invalidArgument('invalid_security_opt', `Invalid --security-opt: "${opt}"`);
      }
    }
  }

  // ---------------------------------------------------------------- start

  async start(ref: string): Promise<void> {
    const c = this.index.get(ref);
    await this.locks.run(c.id, async () => {
      if (c.state.status === 'running' || c.state.status === 'restarting') throw new BerthError('NotModified', 'already_running', 'container already started');
      if (c.state.status === 'paused') throw conflict('paused', 'cannot start a paused container, try unpause instead');
      if (c.state.status === 'removing' || c.state.status === 'dead') {
        throw conflict('removing', `container is marked for removal and cannot be started`);
      }
      // A user's start begins a new series for the restart policy, as in Docker.
      this.restarts.reset(c.id);
      c.restartCount = 0;
      try {
        await this.launch(c);
        this.recordEvent(c, 'start');
      } catch (e) {
        await this.cleanupFailedLaunch(c);
        const msg = errorMessage(e);
        c.state.error = msg;
        c.state.exitCode = launchFailureExitCode(e, msg);
        this.index.save(c);
        for (const s of this.pendingAttach.get(c.id) ?? []) s.finish();
        this.pendingAttach.delete(c.id);
        if (c.hostConfig.AutoRemove) {
          await this.removeNow(c);
          await this.removeAnonymousVolumes(c);
        }
        if (e instanceof BerthError && e.kind !== 'Internal') throw e;
        if (c.state.exitCode !== 128) throw invalidArgument('start_failed', msg, e);
        throw e;
      }
    });
  }

  private async launch(c: ContainerRecord): Promise<void> {
    const release = this.deps.cgroupMoves.hold();
    try {
      await this.launchHeld(c, release);
    } finally {
      release();
    }
  }

  /** `launch` while the cgroup moves are kept warm: `release` ends that once the runtime has created the container. */
  private async launchHeld(c: ContainerRecord, release: () => void): Promise<void> {
    const sw = this.stopwatch('start');
    const runtime = this.runtimeOf(c);
    const bundle = this.bundleDir(c.id);
    const rootfs = join(bundle, 'rootfs');
    mkdirSync(bundle, { recursive: true });
    const owner = this.netnsOwner(c);
    if (owner && !isRunning(owner)) {
      throw conflict('owner_not_running', `cannot join network namespace of a non running container: container ${owner.id} is ${owner.state.status}`);
    }
    if (owner) {
      // As dockerd: a container in another's namespace takes its hostname and its hosts, hostname and resolv.conf files.
      c.config.Hostname = owner.config.Hostname ?? shortId(owner.id);
      c.config.Domainname = owner.config.Domainname ?? '';
    }
    const etc = this.etcFilesOf(c);
    const hostNetwork = (owner ?? c).hostConfig.NetworkMode === 'host';
    let netns: NetworkNamespace = hostNetwork ? 'host' : {};
    // The owner's bind-mounted namespace when it has one: it outlives the owner's process.
    if (owner && !hostNetwork) netns = { path: owner.networks ? this.deps.network.netnsPath(owner.id) : `/proc/${owner.state.pid}/ns/net` };
    // The network's work that overlaps the runtime's create (the endpoints' links, the DNS NAT):
    // settled to its error or undefined, awaited before the process starts and before any error
    // goes up, so the caller's clean-up never races it.
    let netFinish: Promise<unknown> = Promise.resolve();
    const stdin = c.config.OpenStdin === true;
    // Each spawn holds the event loop until its child has exec'd, so the order counts. The network
    // namespace goes first (its process is the longest chain before config.json), then conmon (its
    // start-up overlaps the rest until it waits on its start pipe), then the rootfs mount, the
    // shortest. All are settled before an error goes up, so the caller's clean-up never races a
    // mount still under way.
    const attached = c.networks ? this.networks.attachAll(c, publishRequests(c)) : undefined;
    const monitor = prepareMonitor({
      runtime,
      id: c.id,
      name: c.name,
      bundle,
      exitDir: this.deps.paths.exitDir,
      persistDir: join(bundle, 'persist'),
      logPath: this.keepsLog(c) ? this.logPath(c.id) : undefined,
      logSizeMax: c.hostConfig.LogConfig ? logSizeMax(c.hostConfig.LogConfig) : undefined,
      tty: c.config.Tty === true,
      stdin,
      leaveStdinOpen: stdin && c.config.StdinOnce !== true,
    });
    const mounted = mountOverlay(this.deps.snapshots.mounts(c.snapshotKey), rootfs);
    const [prepared, mount, net] = await Promise.allSettled([monitor, mounted, attached]);
    // Under way since the namespace was made, also when the start fails here.
    if (net.status === 'fulfilled' && net.value !== undefined) netFinish = net.value.links.then(() => undefined, (e: unknown) => e);
    const hc = c.hostConfig;
    const utsHost = namespaceSharing('uts', hc.UTSMode) === 'host';
    let waiting: PreparedMonitor;
    let spec: RuntimeSpec;
    // crun compiles the seccomp profile at each create unless given the program it made before.
    let compiledBefore = false;
    try {
      if (mount.status === 'rejected') throw mount.reason;
      if (net.status === 'rejected') throw net.reason;
      if (prepared.status === 'rejected') throw prepared.reason;
      waiting = prepared.value;
      sw.lap('mount-network');
      markDockerEnv(rootfs);
      if (net.value !== undefined) {
        netns = { path: net.value.netnsPath };
        // Like the links, the DNS NAT's process runs while the spec is made and the runtime creates the container.
        const links = netFinish;
        const dns = this.aimEmbeddedDns(c, false).then(() => undefined, (e: unknown) => e);
        netFinish = Promise.all([links, dns]).then(([a, b]) => a ?? b);
      }
      checkDeviceRequests(hc.DeviceRequests ?? []);
      const linked = this.linkedContainers(c);
      // The container's /etc files and the image's users: small files, at once (see writeEtcFiles).
      if (!owner) this.writeEtc(c, hostNetwork, [...((hc.ExtraHosts ?? []).length > 0 ? await this.extraHosts(c) : []), ...linked.hosts]);
      const rootFs = new ContainerFs(rootfs, [], false);
      const user = rootFs.resolveUser(c.config.User ?? '', (c.hostConfig['GroupAdd'] as string[] | null) ?? []);
      sw.lap('etc');
      const sec = hc.SecurityOpt ?? [];
      const cpus = hc.NanoCpus ? cpusToQuota(hc.NanoCpus / 1e9) : undefined;
      const cgroupsPath = cgroupPath(c.id, hc.CgroupParent);
      if (this.deps.cpuRtBudget) await giveCpuRtToParents(cgroupsPath, this.deps.cpuRtBudget);
      spec = generateSpec({
        rootfsPath: rootfs,
        readonlyRootfs: hc.ReadonlyRootfs === true,
        args: [c.path, ...c.args],
        env: withDefaultEnv(processEnv(c, hostNetwork, linked.env), user.home),
        cwd: c.config.WorkingDir || '/',
        user,
        terminal: c.config.Tty === true,
        // Docker keeps the UTS namespace private on the host's network: the name is -h's, else the host's.
        hostname: utsHost ? undefined : this.hostnameOf(c, hostNetwork),
        domainname: utsHost ? undefined : c.config.Domainname || undefined,
        privileged: hc.Privileged === true,
        capAdd: hc.CapAdd ?? [],
        capDrop: hc.CapDrop ?? [],
        capabilityHolder: this.deps.security.heldCapabilities,
        noNewPrivileges: sec.some((o) => /^no-new-privileges(?:[=:]true)?$/.test(o)),
        seccompProfile: sec.some((o) => /^seccomp[=:]unconfined$/.test(o)) ? 'unconfined' : this.deps.security.seccomp,
        shmSizeBytes: hc.ShmSize || undefined,
        maskedPaths: hc.MaskedPaths ?? undefined,
        readonlyPaths: hc.ReadonlyPaths ?? undefined,
        memoryBytes: hc.Memory || undefined,
        memorySwapBytes: hc.MemorySwap || undefined,
        memoryReservationBytes: (hc['MemoryReservation'] as number | undefined) || undefined,
        cpuQuota: cpus?.cpuQuota ?? (hc.CpuQuota || undefined),
        cpuPeriod: cpus?.cpuPeriod ?? (hc.CpuPeriod || undefined),
        cpuShares: hc.CpuShares || undefined,
        cpuRealtimePeriod: hc.CpuRealtimePeriod || undefined,
        cpuRealtimeRuntime: hc.CpuRealtimeRuntime || undefined,
        blockIO: await blockIOResources(hc),
        pidsLimit: hc.PidsLimit ?? undefined,
        ulimits: (hc.Ulimits ?? []).map((u) => ({ name: u.Name, soft: u.Soft, hard: u.Hard })),
        hostRlimits: this.deps.security.hostRlimits,
        namespaces: { network: netns, pid: namespaceSharing('pid', hc.PidMode), ipc: namespaceSharing('ipc', hc.IpcMode), uts: utsHost ? 'host' : 'private', cgroup: hc.CgroupnsMode === 'host' ? 'host' : 'private' },
        cpusetCpus: hc.CpusetCpus || undefined,
        cpusetMems: hc.CpusetMems || undefined,
        oomKillDisable: hc.OomKillDisable === true,
        memorySwappiness: hc.MemorySwappiness ?? undefined,
        oomScoreAdj: hc.OomScoreAdj || undefined,
        sysctl: hc.Sysctls ?? undefined,
        cgroupsPath,
        mounts: [...this.etcMounts(etc), ...(await this.userMounts(c, rootFs))],
        ...(await this.devicesOf(c)),
        init: hc.Init ? { path: this.deps.security.initPath } : undefined,
        annotations: hc.Annotations ?? undefined,
      });
      compiledBefore = this.seccompPrograms.annotate(spec, runtime);
      // At once, as the /etc files (see writeEtcFiles): the runtime's create waits for it.
      writeFileSync(join(bundle, 'config.json'), specToJson(spec));
      sw.lap('spec');
    } catch (e) {
      // Before its create, conmon has forked nothing: ending it leaves nothing behind.
      if (prepared.status === 'fulfilled') await prepared.value.abandon();
      await netFinish;
      throw e;
    }
    let launched: LaunchedContainer;
    let netError: unknown;
    try {
      launched = await waiting.create();
      release();
      sw.lap('conmon-create');
      await this.keepRotatedLogs(c);
      if (!compiledBefore) await this.seccompPrograms.learn(spec, runtime, c.id);
      const size = hc.ConsoleSize;
      if (c.config.Tty && size && size[0] && size[1]) await resizeTty(launched.paths.ctl, size[0], size[1]);
      const pending = this.pendingAttach.get(c.id) ?? [];
      this.pendingAttach.delete(c.id);
      for (const s of pending) {
        if (s.isEnded) continue;
        await s.bind(await attachMonitor(launched.paths.attachSocket, { stdin: s.wantsStdin }));
      }
      sw.lap('attach');
    } finally {
      netError = await netFinish;
    }
    if (netError) throw netError;
    await runtime.start(c.id);
    sw.lap('runtime-start');
    transition(c, 'running');
    c.state = { ...c.state, pid: launched.pid, exitCode: 0, error: '', startedAt: new Date().toISOString(), finishedAt: ZERO_TIME, oomKilled: false };
    c.conmonPid = launched.conmonPid;
    c.stoppedByUser = false;
    c.manuallyStopped = false;
    this.index.save(c);
    this.deps.health.start(c, true);
    await this.updateLinkingHosts(c);
    sw.lap('record');
    sw.done(c.id);
  }

  /** /etc/hostname, hosts and resolv.conf from the container's endpoints and its `extraHosts` (see extraHosts). */
  private writeEtc(c: ContainerRecord, hostNetwork: boolean, extraHosts: readonly ExtraHost[]): void {
    const net = etcNetwork(c);
    writeEtcFiles(this.etcFiles(c.id), {
      // In the host's UTS namespace the container's name is the host's.
      hostname: namespaceSharing('uts', c.hostConfig.UTSMode) === 'host' ? hostname() : this.hostnameOf(c, hostNetwork),
      domainname: c.config.Domainname ?? '',
      hostNetwork,
      addresses: net.addresses,
      extraHosts,
      nameserver: net.dns ? EMBEDDED_DNS_ADDRESS : undefined,
      dns: dnsOverrides(c, this.deps.dnsServers),
    });
  }

  /** A running container's /etc files again, after its endpoints or its linked containers' addresses changed. */
  private async rewriteEtc(c: ContainerRecord): Promise<void> {
    this.writeEtc(c, false, [...(await this.extraHosts(c)), ...this.linkedContainers(c, false).hosts]);
  }

  /**
   * As libnetwork's parent updates: the running containers that link to `c` get its address (new
   * at each start) in their /etc/hosts. Their trouble is not `c`'s start's.
   */
  private async updateLinkingHosts(c: ContainerRecord): Promise<void> {
    for (const parent of this.index.all()) {
      if (parent === c || !isRunning(parent) || !(parent.hostConfig.Links ?? []).some((l) => l.startsWith(`/${c.name}:`))) continue;
      await this.rewriteEtc(parent).catch((e: unknown) => this.deps.log.warn(`hosts of ${parent.id} for the link to ${c.id}: ${errorMessage(e)}`));
    }
  }

  /** The device nodes and cgroup rules of a start: the host's for a privileged container, `--device` and `--device-cgroup-rule`'s. */
  private async devicesOf(c: ContainerRecord): Promise<{ devices?: LinuxDevice[]; deviceRules?: LinuxDeviceCgroup[] }> {
    const hc = c.hostConfig;
    const host = hc.Privileged === true ? await listHostDevices() : [];
    if ((hc.Devices ?? []).length === 0 && (hc.DeviceCgroupRules ?? []).length === 0) return hc.Privileged === true ? { devices: host } : {};
    const mapped = await Promise.all((hc.Devices ?? []).map(mappedDevices));
    const own = mapped.flatMap((m) => m.nodes);
    return {
      devices: [...host.filter((h) => !own.some((d) => d.path === h.path)), ...own],
      deviceRules: [...mapped.flatMap((m) => m.rules), ...(hc.DeviceCgroupRules ?? []).map(parseDeviceCgroupRule)],
    };
  }

  /** The container's hostname: `-h`'s, else its short ID, or the host's on the host's network. */
  private hostnameOf(c: ContainerRecord, hostNetwork: boolean): string {
    return c.config.Hostname ?? (hostNetwork ? hostname() : shortId(c.id));
  }

  /** The container's `--add-host` entries, `host-gateway` as the default bridge's gateway (dockerd's default host-gateway-ip). */
  private async extraHosts(c: ContainerRecord): Promise<ExtraHost[]> {
    const hosts = (c.hostConfig.ExtraHosts ?? []).map(parseExtraHost);
    if (!hosts.some((h) => h.ip === HOST_GATEWAY)) return hosts;
    const { gateway } = await this.deps.network.describe();
    return hosts.map((h) => (h.ip === HOST_GATEWAY ? { ...h, ip: gateway } : h));
  }

  /**
   * The NAT in the container's own namespace that takes 127.0.0.11 to its user network's DNS (see
   * dns-nat.ts): set at start when it is on a user network, re-aimed or emptied (`always`) on
   * connect/disconnect.
   */
  private async aimEmbeddedDns(c: ContainerRecord, always: boolean): Promise<void> {
    const dns = etcNetwork(c).dns;
    if (c.networks && (dns || always)) await redirectEmbeddedDns(this.deps.network.netnsPath(c.id), dns);
  }

  // ---------------------------------------------------------------- network connect / disconnect

  /** `network connect`: see ContainerNetworks.connect; a running container's hosts and resolv.conf follow. */
  async connectNetwork(ref: string, network: string, req: EndpointRequest): Promise<void> {
    const c = this.index.get(ref);
    await this.locks.run(c.id, async () => {
      await this.networks.connect(c, network, req, publishRequests(c));
      this.index.save(c);
      if (isRunning(c)) {
        await this.aimEmbeddedDns(c, true);
        await this.rewriteEtc(c);
      }
    });
  }

  /** `network disconnect`: see ContainerNetworks.disconnect. */
  async disconnectNetwork(ref: string, network: string, force: boolean): Promise<void> {
    const c = this.index.get(ref);
    await this.locks.run(c.id, async () => {
      await this.networks.disconnect(c, network, force);
      this.index.save(c);
      if (isRunning(c)) {
        await this.aimEmbeddedDns(c, true);
        await this.rewriteEtc(c);
      }
    });
  }

  private etcMounts(etc: EtcFiles): Mount[] {
    const bind = (source: string, destination: string): Mount => ({
      destination,
      type: 'bind',
      source,
      options: ['rbind', 'rprivate'],
    });
    return [bind(etc.resolvConfPath, '/etc/resolv.conf'), bind(etc.hostnamePath, '/etc/hostname'), bind(etc.hostsPath, '/etc/hosts')];
  }

  // ---------------------------------------------------------------- exit

  /** Called when conmon wrote an exit file (also for exits that happened while the daemon was down). */
  async handleExit(id: string, exitCode: number): Promise<void> {
    const c = this.index.find(id);
    if (!c) {
      // A --rm container whose clean-up a crash interrupted: restore did the rest.
      await rm(join(this.deps.paths.exitDir, id), { force: true });
      return;
    }
    // Set once a --rm container is reported removed; its clean-up ends here, whatever happens.
    const removal: { end?: () => void } = {};
    try {
      await this.recordExit(c, exitCode, removal);
    } finally {
      removal.end?.();
    }
  }

  private async recordExit(c: ContainerRecord, exitCode: number, removal: { end?: () => void }): Promise<void> {
    const sw = this.stopwatch('exit');
    let restart = false;
    let autoRemove = false;
    let ranMs = 0;
    await this.locks.run(c.id, async () => {
      sw.lap('lock');
      if (c.state.status !== 'running' && c.state.status !== 'paused') {
        await rm(join(this.deps.paths.exitDir, c.id), { force: true });
        return;
      }
      this.deps.health.stop(c.id);
      const oom = await readFile(join(this.bundleDir(c.id), 'persist', 'oom')).then(() => true, () => false);
      ranMs = Date.now() - Date.parse(c.state.startedAt);
      restart = !this.restoring && restartAfterExit(c.hostConfig.RestartPolicy, { exitCode, restartCount: c.restartCount, stoppedByUser: c.stoppedByUser, manuallyStopped: c.manuallyStopped });
      // Docker counts the restart when it decides it, so inspect shows it during the back-off.
      if (restart) c.restartCount++;
      transition(c, restart ? 'restarting' : 'exited');
      c.state = { ...c.state, pid: 0, exitCode, oomKilled: oom, finishedAt: new Date().toISOString() };
      this.index.save(c);
      this.recordEvent(c, 'die', { exitCode: String(exitCode), execDuration: String(Math.max(0, Math.floor(ranMs / 1000))) });
      sw.lap('record');
      autoRemove = !restart && c.hostConfig.AutoRemove === true;
      if (autoRemove) {
        // With --rm the container is gone for the API once its exit is recorded: the client's wait
        // for its removal does not wait for the clean-up below, nor for its forks, which hold the
        // event loop (hence the turn of the loop, which sends the answer first). A crash meanwhile
        // leaves runtime state, mounts and network without a record: restore removes them.
        this.announceCleanup(c);
        // Its anonymous volumes go first, as dockerd's: a client that saw the removal finds none
        // left. Its processes are gone, so nothing has them mounted; the record goes first, else
        // they would count as in use.
        // Volumes mounted for it are unmounted too (a spawn only for those with mount options).
        await this.releaseVolumes(c);
        if (hasAnonymousVolumes(c)) {
          this.index.delete(c);
          await this.removeAnonymousVolumes(c);
        }
        this.forget(c);
        removal.end = this.trackRemoval();
        await new Promise((resolve) => setImmediate(resolve));
      }
      await this.cleanupRuntime(c, autoRemove);
      await rm(join(this.deps.paths.exitDir, c.id), { force: true });
      sw.lap('cleanup');
      sw.done(c.id, `sinceStart=${ranMs}`);
    });
    for (const w of this.exitWaits.get(c.id) ?? []) w();
    this.exitWaits.delete(c.id);
    this.wake(c.id, ['not-running', 'next-exit'], exitCode);
    if (restart) {
      const delay = this.restarts.schedule(c.id, ranMs, () => void this.restartByPolicy(c));
      this.deps.log.debug(`restart ${shortId(c.id)} in ${delay} ms (policy ${c.hostConfig.RestartPolicy?.Name}, count ${c.restartCount})`);
      return;
    }
    if (autoRemove) {
      const removeWatch = this.stopwatch('remove');
      await this.removeFiles(c, removeWatch).catch((e: unknown) => this.deps.log.warn(`auto-remove ${c.id}: ${errorMessage(e)}`));
      removeWatch.done(c.id);
    }
  }

  /** Marks a removal whose clean-up goes on after it was reported; the returned function ends it. */
  private trackRemoval(): () => void {
    let end = (): void => undefined;
    const settled = new Promise<void>((resolve) => (end = resolve));
    this.removals.add(settled);
    return () => {
      this.removals.delete(settled);
      end();
    };
  }

  /** Resolves once the clean-ups of containers already reported removed (--rm) are done. */
  async removalsSettled(): Promise<void> {
    await Promise.all(this.removals);
  }

  /** The back-off ended: start the container again unless a user's stop, kill or remove came first. */
  private async restartByPolicy(c: ContainerRecord): Promise<void> {
    await this.locks.run(c.id, async () => {
      if (c.state.status !== 'restarting' || !this.index.find(c.id)) return;
      // A stop that raced with the exit decided after the restart was scheduled.
      if (c.stoppedByUser) {
        transition(c, 'exited');
        this.index.save(c);
        return;
      }
      await this.launchOrRecordFailure(c);
    });
  }

  /** An automatic start; a failure leaves the container exited with the error, as Docker's restart manager does. */
  private async launchOrRecordFailure(c: ContainerRecord): Promise<void> {
    try {
      await this.launch(c);
      this.recordEvent(c, 'start');
    } catch (e) {
      await this.cleanupFailedLaunch(c);
      c.state.status = 'exited';
      c.state.error = errorMessage(e);
      this.index.save(c);
      this.deps.log.warn(`restart of ${c.id} failed: ${errorMessage(e)}`);
    }
  }

  /** The container whose network namespace `c` joins (`--network container:<id>`). */
  private netnsOwner(c: ContainerRecord): ContainerRecord | undefined {
    const mode = c.hostConfig.NetworkMode ?? '';
    return mode.startsWith('container:') ? this.index.find(mode.slice('container:'.length)) : undefined;
  }

  /**
   * Deletes the runtime's record, unmounts the rootfs and removes the network endpoint; tolerant of
   * any being gone. Its events come first, unless `announced` says they were recorded already.
   */
  private async cleanupRuntime(c: ContainerRecord, announced = false): Promise<void> {
    if (!announced) this.announceCleanup(c);
    // Independent: the rootfs mount lives in the host's namespace, the runtime's state does not use it.
    // The network goes first: deleting a veth takes longest (the kernel waits out RCU grace periods),
    // and each spawn holds the event loop for a fork.
    await Promise.all([
      c.networks ? this.networks.detachAll(c) : undefined,
      this.runtimeOf(c)
        .delete(c.id, { force: true })
        .catch((e: unknown) => this.deps.log.warn(`runtime delete ${c.id}: ${errorMessage(e)}`)),
      unmount(join(this.bundleDir(c.id), 'rootfs')),
    ]);
    await Promise.all([this.releaseVolumes(c), this.logRotation.untrack(c.id)]);
  }

  /** Keeps the log files conmon's rotation drops, as many as `max-file` asks (see LogRotation). */
  private async keepRotatedLogs(c: ContainerRecord): Promise<void> {
    const cfg = c.hostConfig.LogConfig;
    if (!cfg || !this.keepsLog(c) || logSizeMax(cfg) === undefined || logMaxFiles(cfg) < 2) return;
    await this.logRotation.track(c.id, this.logPath(c.id), logMaxFiles(cfg));
  }

  /** Takes the container's hold on its volumes' mounts (see VolumeStore.mount): those with a file system of their own get it mounted. */
  private async holdVolumes(c: ContainerRecord): Promise<void> {
    for (const m of c.mounts ?? []) if (m.Type === 'volume' && m.Name) await this.deps.volumes.mount(m.Name, c.id);
  }

  /** The container's hold on its volumes' mounts (see VolumeStore.mount); after its processes are gone. */
  private async releaseVolumes(c: ContainerRecord): Promise<void> {
    for (const m of c.mounts ?? []) {
      if (m.Type !== 'volume' || !m.Name) continue;
      await this.deps.volumes.release(m.Name, c.id).catch((e: unknown) => this.deps.log.warn(`release volume ${m.Name}: ${errorMessage(e)}`));
    }
  }

  /** cleanupRuntime after a launch failed, which alone can leave cgroup directories no runtime knows of (see removeCgroupDirs). */
  private async cleanupFailedLaunch(c: ContainerRecord): Promise<void> {
    await this.cleanupRuntime(c);
    await removeCgroupDirs(cgroupPath(c.id, c.hostConfig.CgroupParent));
  }

  /** The events of cleanupRuntime: volumes unmounted, networks disconnected. */
  private announceCleanup(c: ContainerRecord): void {
    for (const m of c.mounts ?? []) {
      if (m.Type === 'volume') this.deps.events.record({ type: 'volume', action: 'unmount', actorId: m.Name ?? '', attributes: { container: c.id, driver: 'local' } });
    }
    if (c.networks) this.networks.announceDetachAll(c);
  }

  // ---------------------------------------------------------------- stop / kill / pause

  async stop(ref: string, timeoutSeconds?: number, signal?: string): Promise<void> {
    const c = this.index.get(ref);
    if (c.state.status === 'restarting' && (await this.cancelRestart(c))) {
      this.recordEvent(c, 'stop');
      return;
    }
    if (!isRunning(c)) throw new BerthError('NotModified', 'not_running', 'container already stopped');
    const exited = this.nextExit(c.id);
    const timeout = timeoutSeconds ?? c.config.StopTimeout ?? 10;
    c.stoppedByUser = true;
    const sig = signal || c.config.StopSignal || 'SIGTERM';
    if (c.state.status === 'paused') await this.runtimeOf(c).resume(c.id).catch(() => undefined);
    if (timeout !== 0) {
      this.recordEvent(c, 'kill', { signal: signalAttribute(sig) });
      await this.runtimeOf(c).kill(c.id, sig).catch(() => undefined);
    }
    const done = timeout < 0 ? await exited.then(() => true) : await withTimeout(exited, timeout * 1000);
    if (!done) {
      this.recordEvent(c, 'kill', { signal: '9' });
      await this.runtimeOf(c).kill(c.id, 'SIGKILL', true).catch(() => undefined);
      await exited;
    }
    this.recordEvent(c, 'stop');
  }

  async kill(ref: string, signal = 'SIGKILL'): Promise<void> {
    const c = this.index.get(ref);
    if (c.state.status === 'restarting' && (await this.cancelRestart(c))) {
      this.recordEvent(c, 'kill', { signal: String(signalNumber(signal)) });
      return;
    }
    if (!isRunning(c)) throw conflict('not_running', `cannot kill container: ${ref}: container ${c.id} is not running`);
    const exited = this.nextExit(c.id);
    this.recordEvent(c, 'kill', { signal: String(signalNumber(signal)) });
    if (/^(SIG)?KILL$|^9$/i.test(signal)) {
      c.stoppedByUser = true;
      if (c.state.status === 'paused') await this.runtimeOf(c).resume(c.id).catch(() => undefined);
      await this.runtimeOf(c).kill(c.id, signal, true);
      await exited;
      return;
    }
    // As dockerd: the container's stop signal (any signal when it has none) is a user's stop: no
    // restart by policy after it, and a paused container is resumed to receive it. Any other
    // signal still counts as a stop for `unless-stopped`.
    const stopSignal = c.config.StopSignal;
    if (!stopSignal || signalNumber(stopSignal) === signalNumber(signal)) c.stoppedByUser = true;
    else c.manuallyStopped = true;
    this.index.save(c);
    await this.runtimeOf(c).kill(c.id, signal);
    if (c.stoppedByUser && c.state.status === 'paused') {
      await this.unpause(c.id).catch((e: unknown) => this.deps.log.warn(`container ${c.id.slice(0, 12)}: unpause after kill: ${errorMessage(e)}`));
    }
  }

  /**
   * A user's stop or kill during the back-off: the pending restart is dropped and the container
   * stays exited. False when the restart won the race: the container runs and is stopped as usual.
   */
  private async cancelRestart(c: ContainerRecord): Promise<boolean> {
    return this.locks.run(c.id, async () => {
      if (c.state.status !== 'restarting') return false;
      this.restarts.cancel(c.id);
      c.stoppedByUser = true;
      transition(c, 'exited');
      this.index.save(c);
      return true;
    });
  }

  async restart(ref: string, timeoutSeconds?: number, signal?: string): Promise<void> {
    const c = this.index.get(ref);
    if (isRunning(c) || c.state.status === 'restarting') await this.stop(c.id, timeoutSeconds, signal);
    await this.start(c.id);
    this.recordEvent(c, 'restart');
  }

  async pause(ref: string): Promise<void> {
    const c = this.index.get(ref);
    await this.locks.run(c.id, async () => {
      if (c.state.status === 'paused') throw conflict('already_paused', `Container ${c.id} is already paused`);
      if (c.state.status !== 'running') throw conflict('not_running', `Container ${c.id} is not running`);
      await this.runtimeOf(c).pause(c.id);
      this.deps.health.stop(c.id);
      transition(c, 'paused');
      this.index.save(c);
      this.recordEvent(c, 'pause');
    });
  }

  async unpause(ref: string): Promise<void> {
    const c = this.index.get(ref);
    await this.locks.run(c.id, async () => {
      if (c.state.status !== 'paused') throw conflict('not_paused', `Container ${c.id} is not paused`);
      await this.runtimeOf(c).resume(c.id);
      transition(c, 'running');
      this.index.save(c);
      this.recordEvent(c, 'unpause');
      this.deps.health.start(c, false);
    });
  }

  /**
   * Runs `work` with the container's root filesystem mounted at `rootfs` (a container that is not
   * running has it and its volumes mounted for the duration only), under the container's lock so it cannot start,
   * exit or be removed meanwhile. A running container is frozen during `work`, so that its
   * processes cannot swap a directory for a symlink between the check of a path and its use.
   */
  async withRootfs<T>(ref: string, work: (c: ContainerRecord, rootfs: string) => Promise<T>): Promise<T> {
    const c = this.index.get(ref);
    return this.locks.run(c.id, async () => {
      const rootfs = join(this.bundleDir(c.id), 'rootfs');
      if (c.state.status === 'paused') return work(c, rootfs);
      if (c.state.status === 'running') {
        const runtime = this.runtimeOf(c);
        await runtime.pause(c.id);
        try {
          return await work(c, rootfs);
        } finally {
          await runtime.resume(c.id).catch((e: unknown) => this.deps.log.warn(`resume ${c.id}: ${errorMessage(e)}`));
        }
      }
      await mountOverlay(this.deps.snapshots.mounts(c.snapshotKey), rootfs);
      try {
        // Volumes with a file system of their own show it, as to the container's processes.
        await this.holdVolumes(c);
        return await work(c, rootfs);
      } finally {
        await this.releaseVolumes(c);
        await unmount(rootfs);
      }
    });
  }

  private nextExit(id: ContainerId): Promise<void> {
    return new Promise((resolve) => {
      const list = this.exitWaits.get(id) ?? [];
      list.push(resolve);
      this.exitWaits.set(id, list);
    });
  }

  // ---------------------------------------------------------------- wait

  /** Registers the waiter synchronously with the state check, so an exit in between cannot be missed. */
  wait(ref: string, condition: WaitCondition): Promise<number> {
    const c = this.index.get(ref);
    if (condition === 'not-running' && !isRunning(c)) return Promise.resolve(c.state.exitCode);
    return new Promise((resolve) => {
      const list = this.waiters.get(c.id) ?? [];
      list.push({ condition, resolve });
      this.waiters.set(c.id, list);
    });
  }

  private wake(id: ContainerId, conditions: WaitCondition[], code: number): void {
    const list = this.waiters.get(id);
    if (!list) return;
    const keep = list.filter((w) => !conditions.includes(w.condition));
    for (const w of list) if (conditions.includes(w.condition)) w.resolve(code);
    if (keep.length) this.waiters.set(id, keep);
    else this.waiters.delete(id);
  }

  // ---------------------------------------------------------------- attach / resize / logs

  /**
   * Attaches to a container's stdio. Before start the session waits, bound when start launches
   * the monitor and before the process runs, so `docker run` sees all output.
   */
  async attach(ref: string, opts: { stdin: boolean; stdout: boolean; stderr: boolean }): Promise<AttachSession> {
    const c = this.index.get(ref);
    const session = new AttachSession(c.config.Tty === true, opts.stdin && c.config.OpenStdin === true, {
      stdout: opts.stdout,
      stderr: opts.stderr,
    });
    if (isRunning(c)) {
      await session.bind(await attachMonitor(join(this.bundleDir(c.id), 'attach'), { stdin: session.wantsStdin }));
    } else if (c.state.status === 'created' || c.state.status === 'exited') {
      const list = this.pendingAttach.get(c.id) ?? [];
      list.push(session);
      this.pendingAttach.set(c.id, list);
    } else {
      session.finish();
    }
    this.recordEvent(c, 'attach');
    return session;
  }

  async resize(ref: string, rows: number, cols: number): Promise<void> {
    const c = this.index.get(ref);
    if (!isRunning(c)) {
      c.hostConfig.ConsoleSize = [rows, cols];
      return;
    }
    await resizeTty(join(this.bundleDir(c.id), 'ctl'), rows, cols);
    this.recordEvent(c, 'resize', { height: String(rows), width: String(cols) });
  }

  logs(ref: string, opts: LogOptions) {
    const c = this.index.get(ref);
    if (!this.keepsLog(c)) throw new BerthError('NotImplemented', 'logs_not_kept', 'configured logging driver does not support reading');
    return {
      tty: c.config.Tty === true,
      entries: readLogs(this.logPath(c.id), {
        since: opts.since,
        until: opts.until,
        tail: opts.tail,
        follow: opts.follow,
        isRunning: () => isRunning(c),
        signal: opts.signal,
      }),
    };
  }

  async top(ref: string, psArgs: string): Promise<{ Titles: string[]; Processes: string[][] }> {
    const c = this.index.get(ref);
    if (!isRunning(c)) throw conflict('not_running', `container ${c.id} is not running`);
    const pids = await this.runtimeOf(c).ps(c.id);
    const args = psArgs.trim() === '' ? ['-ef'] : psArgs.trim().split(/\s+/);
    const r = await runProgram('ps', args);
    if (r.code !== 0) throw invalidArgument('top_failed', `Error running ps: ${r.stderr.trim()}`);
    const top = filterPsOutput(r.stdout, pids);
    this.recordEvent(c, 'top');
    return top;
  }

  // ---------------------------------------------------------------- rename / remove

  rename(ref: string, newName: string): void {
    const c = this.index.get(ref);
    const oldName = c.name;
    if (newName.replace(/^\//, '') === oldName) throw invalidArgument('same_name', 'Renaming a container with the same name as its current name');
    this.index.rename(c, validateName(newName));
    for (const o of this.index.all()) {
      const links = o.hostConfig.Links ?? [];
      const renamed = links.map((l) => renameInLink(l, oldName, c.name));
      if (renamed.every((l, i) => l === links[i])) continue;
      o.hostConfig.Links = renamed;
      this.index.save(o);
    }
    this.recordEvent(c, 'rename', { oldName: `/${oldName}` });
  }

  /**
   * `rm --link PARENT/ALIAS`, as dockerd's rmLink: the linking container forgets the link (its
   * /etc/hosts too, when it runs); both containers stay.
   */
  async removeLink(ref: string): Promise<void> {
    const full = ref.startsWith('/') ? ref : `/${ref}`;
    const slash = full.lastIndexOf('/');
    if (slash === 0) {
      this.index.get(ref);
      throw internal('default_link_name', 'Conflict, cannot remove the default link name of the container');
    }
    const parent = this.index.find(full.slice(1, slash));
    const links = parent?.hostConfig.Links ?? [];
    const kept = links.filter((l) => l.slice(l.indexOf(':') + 1) !== full);
    if (!parent || kept.length === links.length) throw notFound('container_not_found', `No such container: ${ref}`);
    await this.locks.run(parent.id, async () => {
      parent.hostConfig.Links = kept.length > 0 ? kept : null;
      this.index.save(parent);
      if (isRunning(parent) && parent.networks) await this.rewriteEtc(parent);
    });
  }

  async remove(ref: string, opts: { force: boolean; volumes?: boolean }): Promise<void> {
    const c = this.index.get(ref);
    const borrower = this.index.all().find((o) => isRunning(o) && o.hostConfig.NetworkMode === `container:${c.id}`);
    if (borrower && !opts.force) {
      throw conflict(
        'netns_in_use',
        `cannot remove container "/${c.name}": container ${borrower.name} (${shortId(borrower.id)}) uses its network namespace: stop it first or force remove`,
      );
    }
    if (isRunning(c) || c.state.status === 'restarting') {
      if (!opts.force) {
        throw conflict(
          'running',
          `cannot remove container "/${c.name}": container is ${c.state.status}: stop the container before removing or force remove`,
        );
      }
      // Also ends a pending restart.
      await this.kill(c.id, 'SIGKILL').catch((e: unknown) => {
        if (!(e instanceof BerthError && e.code === 'not_running')) throw e;
      });
    }
    await this.locks.run(c.id, () => this.removeNow(c));
    if (opts.volumes) await this.removeAnonymousVolumes(c);
  }

  /** Crash-safe removal: the `removing` mark is written first, so a restart finishes the job. */
  private async removeNow(c: ContainerRecord): Promise<void> {
    if (!this.index.find(c.id)) return;
    const sw = this.stopwatch('remove');
    this.restarts.reset(c.id);
    this.deps.health.stop(c.id);
    // Exited and never-started containers were cleaned up when they stopped (or by restore).
    const runtimeLive = c.state.status !== 'exited' && c.state.status !== 'created';
    if (c.state.status !== 'removing') {
      transition(c, 'removing');
      this.index.save(c);
    }
    sw.lap('mark');
    if (runtimeLive) await this.cleanupRuntime(c);
    sw.lap('cleanup');
    // The record goes before the files, so `wait --condition removed` and reuse of the name need
    // not wait for them; restore removes directories and snapshots left without a record.
    this.forget(c);
    sw.lap('record');
    await this.removeFiles(c, sw);
    sw.done(c.id);
  }

  /** Deletes the record (if still there): for the API the container is gone, its name free, its removal reported. */
  private forget(c: ContainerRecord): void {
    if (this.index.find(c.id)) this.index.delete(c);
    this.recordEvent(c, 'destroy');
    this.wake(c.id, ['not-running', 'next-exit', 'removed'], c.state.exitCode);
  }

  /** The snapshot and directories of a forgotten container; its rootfs is unmounted. */
  private async removeFiles(c: ContainerRecord, sw: { lap: (phase: string) => void }): Promise<void> {
    await this.deps.snapshots.remove(c.snapshotKey);
    sw.lap('snapshot');
    await Promise.all([
      rm(this.bundleDir(c.id), { recursive: true, force: true }),
      rm(this.containerDir(c.id), { recursive: true, force: true }),
    ]);
    sw.lap('dirs');
  }

  // ---------------------------------------------------------------- restore

  /**
   * Daemon start: re-adopt containers whose process still runs, record exits that happened while
   * the daemon was down, finish interrupted removals and undo half-done starts.
   */
  async restore(): Promise<void> {
    this.restoring = true;
    try {
      const records = this.index.load();
      // Before any exit is recorded: a release must see every other running holder of a volume.
      await this.deps.volumes.adoptMounts(volumeHolders(records.filter((c) => c.state.status === 'running' || c.state.status === 'paused')));
      for (const c of records) {
        try {
          migrateNetworks(c);
          await this.restoreOne(c);
        } catch (e) {
          this.deps.log.error(`restore ${c.id}: ${errorMessage(e)}`);
        }
      }
    } finally {
      this.restoring = false;
    }
    await this.removeOrphanRuntimeState();
    await this.removeOrphanDirs();
    // Every bridged container: namespaces of all networks share one directory the sweep clears.
    const live = this.index.all().filter((c) => isRunning(c) && c.networks);
    await this.deps.network.sweep(new Set(live.map((c) => c.id)));
    await this.deps.userNetworks?.sweep(new Set(live.map((c) => c.id)));
  }

  /** Runtime containers without a record: a --rm container's clean-up follows its record's deletion. */
  private async removeOrphanRuntimeState(): Promise<void> {
    for (const runtime of this.deps.runtimes.values()) {
      for (const id of await runtime.list()) {
        if (this.index.find(id)?.id === id) continue;
        await runtime.delete(id, { force: true }).catch((e: unknown) => this.deps.log.warn(`runtime delete ${id}: ${errorMessage(e)}`));
      }
    }
  }

  /** Container and bundle directories without a record: left by a crash in create before the record was written, or in a --rm container's clean-up. */
  private async removeOrphanDirs(): Promise<void> {
    const ids = new Set<string>(this.index.all().map((c) => c.id));
    for (const dir of [this.deps.paths.containersDir, this.deps.paths.bundlesDir]) {
      for (const name of await readdir(dir).catch(() => [])) {
        if (ids.has(name)) continue;
        // Unmount first: removing through a mounted rootfs would delete files of the layers below.
        await unmount(join(dir, name, 'rootfs'));
        await rm(join(dir, name), { recursive: true, force: true });
      }
    }
  }

  private async restoreOne(c: ContainerRecord): Promise<void> {
    if (c.state.status === 'removing' || c.state.status === 'dead') {
      await this.removeNow(c);
      return;
    }
    const exitCode = await readExitFile(join(this.deps.paths.exitDir, c.id));
    const state = await this.runtimeOf(c).state(c.id).catch(() => null);
    if (c.state.status === 'running' || c.state.status === 'paused') {
      // Recorded here rather than by the exit watcher, so the API never serves a dead container as running.
      if (exitCode !== null) {
        await this.handleExit(c.id, exitCode);
        return;
      }
      if (!state || state.status === 'stopped') {
        // conmon writes the exit file once the output is drained (the watcher reports it); without conmon the code is lost.
        if (!isAlive(c.conmonPid)) await this.handleExit(c.id, 255);
        return;
      }
      c.state.status = state.status === 'paused' ? 'paused' : 'running';
      c.state.pid = state.pid;
      this.index.save(c);
      await this.networks.adoptAll(c);
      await this.keepRotatedLogs(c);
      if (c.state.status === 'running') this.deps.health.start(c, false);
      return;
    }
    // The daemon stopped during a restart back-off: `startByPolicy` decides again.
    if (c.state.status === 'restarting') {
      transition(c, 'exited');
      this.index.save(c);
    }
    // Created or exited in our records but known to the runtime: a start that never finished.
    if (state) await this.cleanupRuntime(c);
    else if (await isMountPoint(join(this.bundleDir(c.id), 'rootfs'))) await unmount(join(this.bundleDir(c.id), 'rootfs'));
  }

  /**
   * After restore (the daemon's start, and so the host's boot): starts the stopped containers whose
   * restart policy asks for it, including those whose exit the daemon missed while it was down.
   */
  async startByPolicy(): Promise<void> {
    const due = this.index.all().filter(
      (c) =>
        c.state.status === 'exited' &&
        c.state.startedAt !== ZERO_TIME &&
        startOnDaemonStart(c.hostConfig.RestartPolicy, { exitCode: c.state.exitCode, restartCount: c.restartCount, stoppedByUser: c.stoppedByUser, manuallyStopped: c.manuallyStopped }),
    );
    await Promise.all(
      due.map((c) =>
        this.locks.run(c.id, async () => {
          if (c.state.status === 'exited') await this.launchOrRecordFailure(c);
        }),
      ),
    );
  }

  /** Active snapshots without a container: left by a crash between prepare and record. */
  orphanSnapshotKeys(): string[] {
    const ids = new Set<string>(this.index.all().map((c) => c.snapshotKey));
    return this.deps.meta.listSnapshots().filter((s) => s.kind === 'active' && !ids.has(s.key)).map((s) => s.key);
  }

  // ---------------------------------------------------------------- queries

  /** Records a container event with Docker's attributes: every label, the image as given, the name, then `extra`. */
  recordEvent(c: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
    this.deps.events.record({ type: 'container', action, actorId: c.id, attributes: { ...(c.config.Labels ?? {}), image: c.image, name: c.name, ...extra } });
  }

  list(): ContainerRecord[] {
    return this.index.all().sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
  }

  get(ref: string): ContainerRecord {
    return this.index.get(ref);
  }

  containersUsingImage(imageId: ImageId): { id: string; running: boolean }[] {
    return this.index
      .all()
      .filter((c) => c.imageId === imageId)
      .map((c) => ({ id: c.id, running: isRunning(c) }));
  }

  image(c: ContainerRecord): Image {
    return this.deps.images.get(c.imageId);
  }

  runtimeOf(c: ContainerRecord): OciRuntime {
    const rt = this.deps.runtimes.get(c.runtime);
    if (!rt) throw invalidArgument('unknown_runtime', `unknown or invalid runtime name: ${c.runtime}`);
    return rt;
  }

  /** Phase timings as one debug line, `timing <op> <id> <phase>=<ms>… total=<ms>` (read by bench/run.sh profile). */
  private stopwatch(op: string) {
    const t0 = performance.now();
    let last = t0;
    const laps: string[] = [];
    return {
      lap: (phase: string) => {
        const now = performance.now();
        laps.push(`${phase}=${(now - last).toFixed(2)}`);
        last = now;
      },
      done: (id: string, extra = '') => {
        this.deps.log.debug(`timing ${op} ${shortId(id)} ${laps.join(' ')} total=${(performance.now() - t0).toFixed(2)}${extra ? ` ${extra}` : ''}`);
      },
    };
  }

  containerDir(id: string): string {
    return join(this.deps.paths.containersDir, id);
  }

  bundleDir(id: string): string {
    return join(this.deps.paths.bundlesDir, id);
  }

  /** Whether conmon keeps the container's output in its log file: not with the `none` log driver. */
  keepsLog(c: ContainerRecord): boolean {
    return c.hostConfig.LogConfig?.Type !== 'none';
  }

  logPath(id: string): string {
    return join(this.containerDir(id), 'container.log');
  }

  /** The files bound on /etc/hosts, hostname and resolv.conf: the namespace owner's for `--network container:`, as dockerd shares them. */
  etcFilesOf(c: ContainerRecord): EtcFiles {
    return this.etcFiles((this.netnsOwner(c) ?? c).id);
  }

  private etcFiles(id: string): EtcFiles {
    const dir = this.containerDir(id);
    return { hostnamePath: join(dir, 'hostname'), hostsPath: join(dir, 'hosts'), resolvConfPath: join(dir, 'resolv.conf') };
  }
}

/** The container's --dns, --dns-search and --dns-option; the daemon's --dns when it has no servers of its own. */
/**
 * The empty /.dockerenv every Docker container has, by which tools tell they run in one. Made in
 * the writable layer without following a link (an image's link must not lead out of the root);
 * commit and diff leave it out, as Docker's init layer.
 */
function markDockerEnv(rootfs: string): void {
  try {
    closeSync(openSync(join(rootfs, '.dockerenv'), constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW, 0o755));
  } catch {
    // The image has something else there (a link, a directory): it stays.
  }
}

function hasAnonymousVolumes(c: ContainerRecord): boolean {
  return (c.mounts ?? []).some((m) => m.Type === 'volume' && m.anonymous === true && m.Name !== undefined);
}

function dnsOverrides(c: ContainerRecord, daemonServers: readonly string[] = []): DnsOverrides {
  const list = (key: string) => (c.hostConfig[key] as string[] | null | undefined) ?? [];
  return { servers: list('Dns').length > 0 ? list('Dns') : daemonServers, search: list('DnsSearch'), options: list('DnsOptions') };
}

/** The ports a container publishes, from its host config and image. */
function publishRequests(c: ContainerRecord): PortRequest[] {
  return portRequests(c.hostConfig['PortBindings'] as Parameters<typeof portRequests>[0], c.config.ExposedPorts, c.hostConfig['PublishAllPorts'] === true);
}

/**
 * `--storage-opt` as dockerd's overlay2 answers it at create (a 500, as there): `size` needs project
 * quotas, which berth's overlay layers never have; any other key is unknown.
 */
function checkStorageOpts(opts: Record<string, string>): void {
  const keys = Object.keys(opts);
  if (keys.length === 0) return;
  if (keys.some((k) => k.toLowerCase() === 'size')) throw internal('storage_opt', "--storage-opt is supported only for overlay over xfs with 'pquota' mount option");
  throw internal('storage_opt', `Unknown option ${keys[0]!.toLowerCase()}`);
}

/**
 * `--gpus` as dockerd without a device driver answers it at start (a 500, as there): none of its
 * drivers (nvidia, cdi) is set up here, so no request can be served.
 */
function checkDeviceRequests(requests: NonNullable<HostConfigSpec['DeviceRequests']>): void {
  const r = requests[0];
  if (!r) return;
  const caps = `[${(r.Capabilities ?? []).map((set) => `[${set.join(' ')}]`).join(' ')}]`;
  throw internal('device_request', `could not select device driver "${r.Driver ?? ''}" with capabilities: ${caps}`);
}

/** What Docker adds to the process environment (not to Config.Env): HOSTNAME, TERM with a TTY, the links' variables. */
function processEnv(c: ContainerRecord, hostNetwork: boolean, linkedEnv: readonly string[]): string[] {
  const daemonEnv = [`HOSTNAME=${hostNetwork ? hostname() : (c.config.Hostname ?? shortId(c.id))}`];
  if (c.config.Tty) daemonEnv.push('TERM=xterm');
  daemonEnv.push(...linkedEnv);
  return mergeEnv(daemonEnv, c.config.Env ?? []);
}

/** The `signal` attribute of a kill event: the number, as Docker reports it. */
function signalAttribute(signal: string): string {
  try {
    return String(signalNumber(signal));
  } catch {
    return signal;
  }
}

/** A record from before multi-network: its one endpoint and aliases become its first attachment. */
function migrateNetworks(c: ContainerRecord): void {
  const mode = c.hostConfig.NetworkMode ?? 'default';
  if (c.networks || mode === 'host' || mode === 'none' || mode.startsWith('container:')) return;
  c.networks = [{ network: modeNetwork(mode), ...(c.aliases?.length ? { aliases: c.aliases } : {}), ...(c.network ? { endpoint: c.network } : {}) }];
  delete c.network;
  delete c.aliases;
}

function isAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function withTimeout(p: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    void p.then(() => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/**
 * `docker top`: runs the host's `ps` with the user's options and keeps the rows of the container's
 * processes, as Docker does. Pure part: filtering `ps` output by PID column.
 */
export function filterPsOutput(output: string, pids: readonly number[]): { Titles: string[]; Processes: string[][] } {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  const header = lines.shift() ?? '';
  const titles = header.trim().split(/\s+/);
  const pidCol = titles.indexOf('PID');
  if (pidCol < 0) throw invalidArgument('top_no_pid', `Couldn't find PID field in ps output`);
  const wanted = new Set(pids);
  const processes: string[][] = [];
  for (const line of lines) {
    const fields = line.trim().split(/\s+/);
    const row = [...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(' ')];
    if (wanted.has(Number(fields[pidCol]))) processes.push(row);
  }
  return { Titles: titles, Processes: processes };
}

/** The exit code dockerd records for a start that failed: 127 for a missing command, 126 for one it cannot run, else 128. */
function launchFailureExitCode(e: unknown, msg: string): number {
  // A volume's mount fails before the runtime is asked, whatever its wording.
  if (e instanceof VolumeMountError) return 128;
  if (/executable file not found|no such file or directory|not a directory/i.test(msg)) return 127;
  if (/permission denied|cannot execute/i.test(msg)) return 126;
  return 128;
}

/** Per volume, the containers among `records` whose mounts use it. */
function volumeHolders(records: readonly ContainerRecord[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of records) {
    for (const m of c.mounts ?? []) {
      if (m.Type === 'volume' && m.Name) out.set(m.Name, [...(out.get(m.Name) ?? []), c.id]);
    }
  }
  return out;
}

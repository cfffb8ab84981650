import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import { errorMessage } from '../lib/errors.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { EventBus } from '../lib/event-bus.js';
import { ContentStore } from '../store/content/content-store.js';
import { MetaStore } from '../store/meta/meta-store.js';
import { SnapshotManager } from '../store/snapshot/snapshot-manager.js';
import { ImageService } from '../image/image-service.js';
import { ContainerService } from '../engine/container-service.js';
import { ExecService } from '../engine/exec-service.js';
import { HealthMonitor } from '../engine/health-monitor.js';
import { BridgeNetwork, bridgeIdentity } from '../network/bridge-network.js';
import { UserNetworks } from '../network/user-networks.js';
import { NetworkService } from '../engine/network-service.js';
import { resolveName, upstreamsFor } from '../engine/container-networks.js';
import { networkRoutes } from '../api/server/routes/networks.js';
import { Engine } from '../engine/engine.js';
import { ExitWatcher } from '../runtime/monitor/exit-file.js';
import { CgroupMoveWarmer } from '../runtime/cgroup-move-warmer.js';
import { readHeldCapabilities } from '../runtime/spec/capabilities.js';
import { DEFAULT_INIT_PATH } from '../runtime/spec/defaults.js';
import { parseProcLimits } from '../runtime/spec/rlimits.js';
import { loadSeccompProfile } from '../runtime/spec/seccomp.js';
import { createApiServer } from '../api/server/server.js';
import { Router } from '../api/server/router.js';
import { buildRoutes } from '../api/server/routes/build.js';
import { removeBuildScratch } from '../engine/build-scratch.js';
import { commitRoutes } from '../api/server/routes/commit.js';
import { containerRoutes } from '../api/server/routes/containers.js';
import { execRoutes } from '../api/server/routes/exec.js';
import { imageRoutes } from '../api/server/routes/images.js';
import { distributionRoutes, pullHandler } from '../api/server/routes/distribution.js';
import { archiveRoutes } from '../api/server/routes/archive.js';
import { containerArchiveRoutes } from '../api/server/routes/container-archive.js';
import { ContainerArchive } from '../engine/container-archive.js';
import type { ImageArchive } from '../image/image-archive.js';
import { exportContainer } from '../engine/container-export.js';
import { ImageTransfer } from '../engine/image-transfer.js';
import { eventRoutes } from '../api/server/routes/events.js';
import { systemRoutes } from '../api/server/routes/system.js';
import { volumeRoutes } from '../api/server/routes/volumes.js';
import { diskUsageRoutes } from '../api/server/routes/disk-usage.js';
import { pruneRoutes } from '../api/server/routes/prune.js';
import { swarmRoutes } from '../api/server/routes/swarm.js';
import { DiskUsage } from '../engine/disk-usage.js';
import { PruneService } from '../engine/prune-service.js';
import { VolumeStore } from '../volume/volume-store.js';
import { VolumeService } from '../engine/volume-service.js';
import { StatsService } from '../engine/container-stats.js';
import { ContainerUpdater } from '../engine/container-update.js';
import { statsRoutes } from '../api/server/routes/stats.js';
import { onlineCpuset } from '../runtime/cgroup-stats.js';
import { cgroupSupport } from '../runtime/cgroup-support.js';
import { DEFAULTS, parseDaemonArgs, type DaemonConfig } from './config.js';
import { setUpRuntimes, type RuntimeSetup } from './runtimes.js';
import { IdleCollector } from './idle-gc.js';
import { CLIENT_WARM_MS, mayLeadToStart } from './start-hints.js';

function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function runDaemon(argv: string[]): Promise<void> {
  const cfg = parseDaemonArgs(argv);
  if (!cfg) return;
  const log = createLogger((line) => process.stderr.write(line), cfg.logLevel);
  if (process.getuid?.() !== 0) throw new Error('berthd must run as root');
  if (await socketAnswers(cfg.socketPath)) throw new Error(`another berthd is already listening on ${cfg.socketPath}`);
  if ((cfg.cpuRtPeriod || cfg.cpuRtRuntime) && !cgroupSupport().cpuRealtime) {
    throw new Error('daemon-scoped cpu-rt-period and cpu-rt-runtime are not supported by the kernel');
  }

  for (const d of [cfg.dataRoot, cfg.runRoot]) await mkdir(d, { recursive: true, mode: 0o711 });
  const meta = new MetaStore(join(cfg.dataRoot, 'berth.db'));
  const content = new ContentStore(join(cfg.dataRoot, 'content'));
  await content.init();
  await content.cleanIngest();
  const snapshots = new SnapshotManager(join(cfg.dataRoot, 'snapshots'), meta);
  await snapshots.init();

  const runtimeSetup = await setUpRuntimes(cfg, log);
  try {
    await serve(cfg, log, { meta, content, snapshots }, runtimeSetup);
  } catch (e) {
    // A daemon that does not come up (a bad flag found late, a clashing bridge) leaves no mount behind.
    await runtimeSetup.release().catch(() => undefined);
    throw e;
  }
}

/** Builds the engine on the opened stores and runtimes, restores, and listens until a signal. */
async function serve(
  cfg: DaemonConfig,
  log: Logger,
  { meta, content, snapshots }: { meta: MetaStore; content: ContentStore; snapshots: SnapshotManager },
  { runtimes, defaultRuntime, probe, versions, warnings: runtimeWarnings, release: releaseRuntimes }: RuntimeSetup,
): Promise<void> {
  const heldCapabilities = readHeldCapabilities(await readFile('/proc/self/status', 'utf8'));
  const hostRlimits = parseProcLimits(await readFile('/proc/self/limits', 'utf8'));
  const profile = await loadSeccompProfile();

  // Daemons on other exec roots (tests) get a bridge and chains of their own, so they never share addresses.
  const identity = bridgeIdentity(cfg.runRoot, DEFAULTS.runRoot, (s) => createHash('sha256').update(s).digest('hex'));
  const network = new BridgeNetwork({
    netnsDir: join(cfg.runRoot, 'netns'),
    stateDir: join(cfg.dataRoot, 'network'),
    ...identity,
    bip: cfg.bip,
    log,
  });
  const events = new EventBus();
  const userNetworks = new UserNetworks({
    stateDir: join(cfg.dataRoot, 'network', 'user'),
    netnsDir: join(cfg.runRoot, 'netns'),
    chainTag: identity.chainTag,
    defaultBridge: network,
    lookup: (net, name, from) => resolveName(containers?.list() ?? [], net, name, from),
    events,
    log,
    upstreams: (net, from) => upstreamsFor(containers?.list() ?? [], net, from, cfg.dns),
  });

  let containers: ContainerService | undefined;
  const images = new ImageService(content, meta, snapshots, {
    containersUsing: (id) => containers?.containersUsingImage(id) ?? [],
    snapshotsInUse: () => new Set(containers?.index.all().map((c) => c.snapshotKey) ?? []),
    removalsSettled: () => containers?.removalsSettled() ?? Promise.resolve(),
  }, events);
  const volumes = new VolumeStore(join(cfg.dataRoot, 'volumes'), meta, (name) => containers?.containersUsingVolume(name) ?? [], events);
  await volumes.init();
  // Probes are execs; the exec service needs the container service, made below.
  let execs: ExecService | undefined;
  const health = new HealthMonitor({
    probe: (id, argv, timeoutMs) => {
      if (!execs) throw new Error('exec service not ready');
      return execs.probe(id, argv, timeoutMs);
    },
    save: (c) => containers?.index.save(c),
    recordEvent: (c, action) => containers?.recordEvent(c, action),
    log,
  });
  const cgroupMoves = new CgroupMoveWarmer();
  containers = new ContainerService({
    meta,
    images,
    snapshots,
    runtimes,
    defaultRuntime,
    paths: {
      containersDir: join(cfg.dataRoot, 'containers'),
      bundlesDir: join(cfg.runRoot, 'containers'),
      exitDir: join(cfg.runRoot, 'exits'),
    },
    security: {
      seccomp: { profile, arch: process.arch === 'x64' ? 'x86_64' : process.arch },
      heldCapabilities,
      hostRlimits,
      initPath: DEFAULT_INIT_PATH,
    },
    network,
    userNetworks,
    dnsServers: cfg.dns,
    logConfig: cfg.logConfig,
    defaultCgroupnsMode: cfg.defaultCgroupnsMode,
    ...(cfg.cpuRtPeriod || cfg.cpuRtRuntime ? { cpuRtBudget: { period: cfg.cpuRtPeriod, runtime: cfg.cpuRtRuntime } } : {}),
    volumes,
    health,
    cgroupMoves,
    events,
    log,
  });
  execs = new ExecService(containers, heldCapabilities, cgroupMoves, log);
  const engine = new Engine(containers, execs, images, snapshots, runtimes, {
    dataRoot: cfg.dataRoot,
    defaultRuntime,
    runtimeProbe: probe,
    runtimeVersions: versions,
    loggingDriver: cfg.logConfig.Type,
    heldCapabilities,
    initPath: DEFAULT_INIT_PATH,
    // dockerd makes its bridge at start, so its info always knows the subnet: describe() makes ours.
    warnings: () =>
      network.describe().then(
        (d) => [...runtimeWarnings, ...(d.notice ? [d.notice] : [])],
        (e: unknown) => [...runtimeWarnings, `WARNING: the default bridge network is not available: ${errorMessage(e)}`],
      ),
  }, events, log);

  // Before containers are restored: their endpoints are re-adopted by their networks.
  await userNetworks.load();
  await containers.restore();
  await removeBuildScratch(engine);
  // An explicit --bip is checked against the host's routes now, not at the first container's start.
  if (cfg.bip) await network.describe();
  for (const key of containers.orphanSnapshotKeys()) await snapshots.remove(key);
  const orphans = await snapshots.removeOrphans();
  if (orphans.length) log.info(`removed ${orphans.length} orphaned snapshot directories`);
  // Layers and blobs of an import, commit or rmi that a crash interrupted.
  await images.collectGarbage();
  const service = containers;
  const exits = new ExitWatcher(join(cfg.runRoot, 'exits'), (id, code) => {
    service.handleExit(id, code).catch((e: unknown) => log.error(`recording exit of ${id}: ${errorMessage(e)}`));
  });
  await exits.start();
  // Containers the restart policy brings back (also at boot); their exits are watched from here on.
  await service.startByPolicy();

  const router = new Router();
  systemRoutes(router, engine);
  eventRoutes(router, events);
  const networkService = new NetworkService(service, network, join(cfg.dataRoot, 'network'), userNetworks);
  containerRoutes(router, engine, networkService);
  networkRoutes(router, networkService);
  execRoutes(router, engine);
  statsRoutes(
    router,
    new StatsService({ containers: service, hostMemory: totalmem() }),
    new ContainerUpdater({ containers: service, host: () => {
        const online = onlineCpuset();
        return { blkioWeight: cgroupSupport().blkioWeight, cpus: availableParallelism(), onlineCpus: online.cpus, onlineMems: online.mems };
      },
    }),
  );
  const volumeService = new VolumeService(volumes);
  volumeRoutes(router, volumeService);
  const diskUsage = new DiskUsage(engine, volumeService);
  diskUsageRoutes(router, diskUsage);
  pruneRoutes(router, new PruneService(engine, networkService, () => diskUsage.layersSize()));
  swarmRoutes(router);
  const transfer = new ImageTransfer(images, content, {
    maxConcurrentDownloads: cfg.maxConcurrentDownloads,
    maxConcurrentUploads: cfg.maxConcurrentUploads,
    uploadChunkSize: cfg.uploadChunkSize,
    insecureRegistries: cfg.insecureRegistries,
    certsDir: cfg.certsDir,
  });
  imageRoutes(router, engine, pullHandler(transfer));
  distributionRoutes(router, transfer);
  // save and load (with tar-stream) load at their first use: an idle daemon does not need them.
  let archive: Promise<ImageArchive> | undefined;
  const imageArchive = (): Promise<ImageArchive> => (archive ??= import('../image/image-archive.js').then((m) => new m.ImageArchive(images, content)));
  archiveRoutes(router, imageArchive, (ref) => exportContainer(service, snapshots, join(cfg.dataRoot, 'tmp'), ref));
  containerArchiveRoutes(router, new ContainerArchive(service));
  commitRoutes(router, engine);
  buildRoutes(router, engine, transfer);
  const server = createApiServer(router, log);
  const idle = new IdleCollector();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    idle.touch();
    if (mayLeadToStart(req.method, req.url)) cgroupMoves.warmFor(CLIENT_WARM_MS);
    res.once('close', () => idle.touch());
  });
  await rm(cfg.socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.socketPath, resolve);
  });
  await chmod(cfg.socketPath, 0o660);
  await writeFile(join(cfg.runRoot, 'berthd.pid'), `${process.pid}\n`);
  log.info(`berthd listening on unix://${cfg.socketPath} (data ${cfg.dataRoot})`);

  const shutdown = (signal: string) => {
    log.info(`${signal}: shutting down; containers keep running`);
    exits.close();
    server.close();
    meta.close();
    void Promise.all([
      network.teardownIfUnused().catch((e: unknown) => log.warn(`network teardown: ${errorMessage(e)}`)),
      releaseRuntimes().catch((e: unknown) => log.warn(`runtime binary unmount: ${errorMessage(e)}`)),
    ])
      .then(() => Promise.all([rm(cfg.socketPath, { force: true }), rm(join(cfg.runRoot, 'berthd.pid'), { force: true })]))
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

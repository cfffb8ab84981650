import { cpus, hostname, release, totalmem } from 'node:os';
import type { Engine } from '../../../engine/engine.js';
import { hostArchitecture } from '../../../oci/image.js';
import type { SystemInfo, SystemVersion } from '../../types/index.js';
import { API_VERSION, ENGINE_VERSION, MIN_API_VERSION } from '../headers.js';
import type { Router } from '../router.js';
import { sendJson } from '../server.js';

export const BERTH_VERSION = '0.1.0';

export function systemRoutes(router: Router, engine: Engine): void {
  router.add('GET', '/_ping', async (ctx) => {
    const res = ctx.res;
    if (!res) return;
    const headers = {
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-cache, no-store, must-revalidate',
      Pragma: 'no-cache',
      'Builder-Version': '1',
      Swarm: 'inactive',
    };
    if (ctx.req.method === 'HEAD') res.writeHead(200, { ...headers, 'Content-Length': 0 }).end();
    else res.writeHead(200, headers).end('OK');
  });

  router.add('GET', '/version', async (ctx) => {
    const common = {
      ApiVersion: API_VERSION,
      MinAPIVersion: MIN_API_VERSION,
      GitCommit: 'berth',
      GoVersion: `node${process.versions.node}`,
      Os: 'linux',
      Arch: hostArchitecture(),
      KernelVersion: release(),
      BuildTime: '',
    };
    const body: SystemVersion = {
      Platform: { Name: `berth ${BERTH_VERSION}` },
      Components: [
        // Details is map[string]string in Go: every value a string, "false" included.
        { Name: 'Engine', Version: ENGINE_VERSION, Details: { ...common, Experimental: 'false' } },
        ...[...engine.runtimes.values()].map((r) => ({
          Name: r.name,
          Version: engine.info.runtimeVersions[r.name] ?? '',
          Details: { Path: r.path, Status: engine.info.runtimeProbe[r.name] ?? 'not probed' },
        })),
      ],
      Version: ENGINE_VERSION,
      ...common,
    };
    sendJson(ctx, 200, body);
  });

  router.add('GET', '/info', async (ctx) => {
    const list = engine.containers.list();
    const count = (s: string[]) => list.filter((c) => s.includes(c.state.status)).length;
    const commit = { ID: '', Expected: '' };
    const body: SystemInfo = {
      ID: 'berth',
      Containers: list.length,
      ContainersRunning: count(['running']),
      ContainersPaused: count(['paused']),
      ContainersStopped: count(['exited', 'created', 'dead']),
      Images: engine.images.list().length,
      Driver: 'overlay2',
      DriverStatus: [['Backing Filesystem', 'extfs'], ['Supports d_type', 'true']],
      DockerRootDir: engine.info.dataRoot,
      Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'null'], Authorization: null, Log: ['json-file', 'local', 'none'] },
      MemoryLimit: true,
      SwapLimit: true,
      CpuCfsPeriod: true,
      CpuCfsQuota: true,
      CPUShares: true,
      CPUSet: true,
      PidsLimit: true,
      OomKillDisable: true,
      IPv4Forwarding: true,
      Debug: false,
      NFd: 0,
      NGoroutines: 0,
      SystemTime: new Date().toISOString(),
      LoggingDriver: engine.info.loggingDriver,
      CgroupDriver: 'cgroupfs',
      CgroupVersion: '1',
      NEventsListener: engine.events.listenerCount,
      KernelVersion: release(),
      OperatingSystem: 'Debian GNU/Linux',
      OSVersion: '',
      OSType: 'linux',
      Architecture: process.arch === 'x64' ? 'x86_64' : process.arch,
      NCPU: cpus().length,
      MemTotal: totalmem(),
      IndexServerAddress: 'https://index.docker.io/v1/',
      RegistryConfig: { InsecureRegistryCIDRs: ['127.0.0.0/8'], IndexConfigs: {}, Mirrors: [] },
      HttpProxy: '',
      HttpsProxy: '',
      NoProxy: '',
      Name: hostname(),
      Labels: [],
      ExperimentalBuild: false,
      ServerVersion: ENGINE_VERSION,
      Runtimes: Object.fromEntries(
        [...engine.runtimes.values()].map((r) => [r.name, { path: r.path, status: { probe: engine.info.runtimeProbe[r.name] ?? '' } }]),
      ),
      DefaultRuntime: engine.info.defaultRuntime,
      Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
      LiveRestoreEnabled: true,
      Isolation: '',
      InitBinary: engine.info.initPath,
      ContainerdCommit: commit,
      RuncCommit: commit,
      InitCommit: commit,
      SecurityOptions: ['name=seccomp,profile=builtin'],
      Warnings: await engine.info.warnings(),
    } as SystemInfo;
    sendJson(ctx, 200, body);
  });
}

import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../lib/logger.js';
import { isHybridRefusal, nestedCgroup2Mounts, writeHiddenUnifiedWrapper } from '../runtime/monitor/hybrid-cgroup.js';
import { OciRuntime, probeRuntime, type ProbeResult, type RuntimeName } from '../runtime/monitor/oci-runtime.js';
import type { DaemonConfig } from './config.js';

const RUNTIME_PATHS: Record<RuntimeName, string[]> = {
  crun: ['/usr/bin/crun', '/usr/local/bin/crun'],
  runc: ['/usr/sbin/runc', '/usr/bin/runc', '/usr/local/sbin/runc', '/usr/local/bin/runc'],
};

const UNSHARE_PATHS = ['/usr/bin/unshare', '/bin/unshare'];
const BUSYBOX = '/bin/busybox';

export interface RuntimeSetup {
  runtimes: Map<string, OciRuntime>;
  defaultRuntime: string;
  /** Per runtime: `ok`, `ok (how it is adapted to this host)`, or why it does not work here. */
  probe: Record<string, string>;
  versions: Record<string, string>;
  /** Host quirks worth a line in `info`'s warnings. */
  warnings: string[];
}

/**
 * Finds the installed runtimes, checks each one runs a container here, and picks the default:
 * the configured one, else crun if it works, else runc. crun refusing a hybrid cgroup host is
 * retried through a wrapper that hides the cgroup2 mount (hybrid-cgroup.ts).
 */
export async function setUpRuntimes(cfg: DaemonConfig, log: Logger): Promise<RuntimeSetup> {
  const runtimes = new Map<string, OciRuntime>();
  const probe: Record<string, string> = {};
  const versions: Record<string, string> = {};
  const warnings: string[] = [];
  const probeDir = join(cfg.runRoot, 'probe');
  await mkdir(probeDir, { recursive: true });
  for (const name of ['crun', 'runc'] as RuntimeName[]) {
    const path = RUNTIME_PATHS[name].find((p) => existsSync(p));
    if (!path) continue;
    let rt = new OciRuntime({ name, path, root: join(cfg.runRoot, 'runtime', name) });
    runtimes.set(name, rt);
    versions[name] = (await rt.version().catch(() => ({ version: 'unknown' }))).version;
    let r: ProbeResult = await probeRuntime(rt, probeDir);
    if (!r.ok && isHybridRefusal(r.reason)) {
      const adapted = await hiddenUnified(cfg, rt);
      if (adapted) {
        const second = await probeRuntime(adapted.runtime, probeDir);
        if (second.ok) {
          rt = adapted.runtime;
          runtimes.set(name, rt);
          probe[name] = `ok (${adapted.note})`;
          warnings.push(`WARNING: ${adapted.note}`);
          log.info(`runtime ${name}: ${adapted.note}`);
          continue;
        }
        r = { ok: false, reason: `${r.reason}; with ${adapted.mounts.join(', ')} hidden: ${second.reason}` };
      }
    }
    probe[name] = r.ok ? 'ok' : `unusable here: ${r.reason}`;
    if (!r.ok) log.warn(`runtime ${name} does not work on this host: ${r.reason}`);
  }
  await rm(probeDir, { recursive: true, force: true });
  if (runtimes.size === 0) throw new Error('no OCI runtime found: install crun or runc (apt-get install crun runc)');
  let chosen = cfg.defaultRuntime;
  if (chosen !== undefined && !runtimes.has(chosen)) throw new Error(`default runtime ${chosen} is not installed`);
  chosen ??= [...runtimes.keys()].find((n) => probe[n]?.startsWith('ok'));
  if (chosen === undefined) throw new Error(`no OCI runtime works on this host: ${JSON.stringify(probe)}`);
  log.info(`default runtime: ${chosen}`);
  return { runtimes, defaultRuntime: chosen, probe, versions, warnings };
}

/** The runtime creating containers through the hiding wrapper, or null when it cannot be written here. */
async function hiddenUnified(cfg: DaemonConfig, rt: OciRuntime): Promise<{ runtime: OciRuntime; mounts: string[]; note: string } | null> {
  const mounts = nestedCgroup2Mounts(await readFile('/proc/self/mountinfo', 'utf8'));
  const unshare = UNSHARE_PATHS.find((p) => existsSync(p));
  if (!unshare || !existsSync(BUSYBOX)) return null;
  const wrapper = join(cfg.runRoot, `${rt.name}-hybrid-cgroup`);
  if (!(await writeHiddenUnifiedWrapper(wrapper, { runtime: rt.path, unshare, busybox: BUSYBOX }, mounts))) return null;
  const unused = (await Promise.all(mounts.map((m) => readFile(join(m, 'cgroup.controllers'), 'utf8').catch(() => ''))))
    .join(' ')
    .trim();
  const note =
    `cgroup v1/v2 hybrid host: ${rt.name} creates containers with the cgroup2 mount ${mounts.join(', ')} detached in a ` +
    `private mount namespace; they get the v1 controllers, not the cgroup2 ones (${unused || 'none'})`;
  return { runtime: new OciRuntime({ name: rt.name, path: rt.path, root: rt.root, createPath: wrapper }), mounts, note };
}

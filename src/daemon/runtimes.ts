import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { isHybridRefusal, nestedCgroup2Mounts, writeHiddenUnifiedWrapper } from '../runtime/monitor/hybrid-cgroup.js';
import { OciRuntime, probeRuntime, type RuntimeName } from '../runtime/monitor/oci-runtime.js';
import { CLONED_BINARY_ENV, mountReadOnlyBinary, unmountReadOnlyBinary } from '../runtime/monitor/read-only-binary.js';
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
  /** Undoes what the set-up mounted (the runtimes' read-only copies); for the daemon's shutdown. */
  release(): Promise<void>;
}

/** One installed runtime as set up here: adapted to the host where needed, with its probe's verdict. */
interface RuntimeFound {
  runtime: OciRuntime;
  version: string;
  /** Why it does not work here; undefined when it does. */
  failure?: string;
  /** How it is adapted to this host, worth a line in `info`'s warnings. */
  note?: string;
}

/** Checks that `rt` runs a container here; crun refusing a hybrid cgroup host is retried through the hiding wrapper. */
async function setUpRuntime(cfg: DaemonConfig, rt: OciRuntime, probeDir: string): Promise<RuntimeFound> {
  const [version, r] = await Promise.all([rt.version().then((v) => v.version, () => 'unknown'), probeRuntime(rt, probeDir)]);
  if (r.ok) return { runtime: rt, version };
  let reason = r.reason;
  if (isHybridRefusal(reason)) {
    const adapted = await hiddenUnified(cfg, rt);
    if (adapted) {
      const second = await probeRuntime(adapted.runtime, probeDir);
      if (second.ok) return { runtime: adapted.runtime, version, note: adapted.note };
      reason = `${reason}; with ${adapted.mounts.join(', ')} hidden: ${second.reason}`;
    }
  }
  return { runtime: rt, version, failure: reason };
}

/**
 * Finds the installed runtimes, checks each one runs a container here (all at once: each probe
 * is a container run, paid at every daemon start), and picks the default: the configured one,
 * else crun if it works, else runc. Failing, it leaves none of the read-only runtime mounts it made.
 */
export async function setUpRuntimes(cfg: DaemonConfig, log: Logger): Promise<RuntimeSetup> {
  const probeDir = join(cfg.runRoot, 'probe');
  await mkdir(probeDir, { recursive: true });
  const installed = await Promise.all(
    (['crun', 'runc'] as RuntimeName[]).flatMap((name) => {
      const path = RUNTIME_PATHS[name].find((p) => existsSync(p));
      return path ? [readOnlyRuntime(cfg, name, path, log)] : [];
    }),
  );
  const release = async (): Promise<void> => void (await Promise.all(installed.map((rt) => unmountReadOnlyBinary(readOnlyCopyPath(cfg, rt.name)))));
  try {
    return { ...(await probeAndChoose(cfg, log, installed, probeDir)), release };
  } catch (e) {
    await release().catch(() => undefined);
    throw e;
  }
}

/** Probes the installed runtimes and picks the default; throws when none will do. */
async function probeAndChoose(cfg: DaemonConfig, log: Logger, installed: OciRuntime[], probeDir: string): Promise<Omit<RuntimeSetup, 'release'>> {
  const found = await Promise.all(installed.map((rt) => setUpRuntime(cfg, rt, probeDir)));
  await rm(probeDir, { recursive: true, force: true });
  const runtimes = new Map<string, OciRuntime>();
  const probe: Record<string, string> = {};
  const versions: Record<string, string> = {};
  const warnings: string[] = [];
  for (const f of found) {
    const name = f.runtime.name;
    runtimes.set(name, f.runtime);
    versions[name] = f.version;
    probe[name] = f.failure !== undefined ? `unusable here: ${f.failure}` : f.note ? `ok (${f.note})` : 'ok';
    if (f.note) {
      warnings.push(`WARNING: ${f.note}`);
      log.info(`runtime ${name}: ${f.note}`);
    }
    if (f.failure !== undefined) log.warn(`runtime ${name} does not work on this host: ${f.failure}`);
  }
  if (runtimes.size === 0) throw new Error('no OCI runtime found: install crun or runc (apt-get install crun runc)');
  let chosen = cfg.defaultRuntime;
  if (chosen !== undefined && !runtimes.has(chosen)) throw new Error(`default runtime ${chosen} is not installed`);
  chosen ??= [...runtimes.keys()].find((n) => probe[n]?.startsWith('ok'));
  if (chosen === undefined) throw new Error(`no OCI runtime works on this host: ${JSON.stringify(probe)}`);
  log.info(`default runtime: ${chosen}`);
  return { runtimes, defaultRuntime: chosen, probe, versions, warnings };
}

const readOnlyCopyPath = (cfg: DaemonConfig, name: RuntimeName): string => join(cfg.runRoot, 'bin', name);

/**
 * The runtime run from a read-only bind mount of its binary under the exec root, which spares each
 * invocation its re-exec (read-only-binary.ts); the binary as installed when the mount fails.
 */
async function readOnlyRuntime(cfg: DaemonConfig, name: RuntimeName, path: string, log: Logger): Promise<OciRuntime> {
  const root = join(cfg.runRoot, 'runtime', name);
  const copy = readOnlyCopyPath(cfg, name);
  try {
    await mountReadOnlyBinary(path, copy);
    return new OciRuntime({ name, path: copy, root, env: CLONED_BINARY_ENV });
  } catch (e) {
    log.warn(`runtime ${name}: runs from ${path}, re-executing itself at every call (no read-only mount of it: ${errorMessage(e)})`);
    return new OciRuntime({ name, path, root });
  }
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
  return { runtime: new OciRuntime({ name: rt.name, path: rt.path, root: rt.root, createPath: wrapper, env: rt.env }), mounts, note };
}

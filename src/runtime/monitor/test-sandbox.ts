import { execFileSync } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newRandomId } from '../../oci/ids.js';
import { DEFAULT_CONMON_PATH } from './conmon.js';
import { minimalSpec, type MinimalSpecOptions } from './minimal-spec.js';
import { OciRuntime } from './oci-runtime.js';

/**
 * Test support for the integration tests of this module: a temp directory holding a private
 * runtime root, exit dir and one busybox bundle per container, and a cleanup that removes every
 * trace (runtime records, conmon processes, files) even when a test failed.
 */

export const BUSYBOX = '/bin/busybox';
export const RUNC = '/usr/sbin/runc';

/** Why the integration tests cannot run here, or undefined when they can. */
export function integrationSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  for (const bin of [DEFAULT_CONMON_PATH, RUNC, BUSYBOX]) {
    try {
      accessSync(bin, fsConstants.X_OK);
    } catch {
      return `${bin} is missing`;
    }
  }
  return undefined;
}

export interface TestContainer {
  id: string;
  name: string;
  bundle: string;
  persistDir: string;
  logPath: string;
}

export class Sandbox {
  readonly runtime: OciRuntime;
  readonly exitDir: string;
  private readonly ids: string[] = [];
  private n = 0;

  private constructor(readonly dir: string) {
    this.runtime = new OciRuntime({ name: 'runc', path: RUNC, root: join(dir, 'runtime') });
    this.exitDir = join(dir, 'exits');
  }

  static async create(): Promise<Sandbox> {
    return new Sandbox(await mkdtemp(join(tmpdir(), 'berth-mon-')));
  }

  /** A bundle whose rootfs is busybox with its applets as relative symlinks in /bin. */
  async container(spec: MinimalSpecOptions): Promise<TestContainer> {
    const id = newRandomId();
    this.ids.push(id);
    const base = join(this.dir, `c${this.n++}`);
    const bundle = join(base, 'bundle');
    const bin = join(bundle, 'rootfs', 'bin');
    await mkdir(bin, { recursive: true });
    await mkdir(join(bundle, 'rootfs', 'tmp'));
    await cp(BUSYBOX, join(bin, 'busybox'));
    const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a && a !== 'busybox');
    await Promise.all(applets.map((a) => symlink('busybox', join(bin, a))));
    await writeFile(join(bundle, 'config.json'), JSON.stringify(minimalSpec({ hostname: 'berth-test', ...spec })));
    return { id, name: `test-${this.n}`, bundle, persistDir: join(base, 'persist'), logPath: join(base, 'ctr.log') };
  }

  /** Pids of live conmon processes working for this sandbox (their argv mentions its directory). */
  async conmonPids(): Promise<number[]> {
    const pids: number[] = [];
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
        if (argv[0]?.endsWith('conmon') && argv.some((a) => a.includes(this.dir))) pids.push(Number(entry));
      } catch {
        // exited meanwhile
      }
    }
    return pids;
  }

  async cleanup(): Promise<void> {
    for (const id of this.ids) await this.runtime.delete(id, { force: true }).catch(() => undefined);
    for (const pid of await this.conmonPids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Polls `fn` until it returns a value other than undefined, or fails after `ms`. */
export async function eventually<T>(fn: () => Promise<T | undefined> | T | undefined, ms = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

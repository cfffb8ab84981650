import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseProcCgroup } from './cgroup-stats.js';

/*
 * Why: a write to `cgroup.procs` takes the kernel's global threadgroup rwsem for writing, and
 * unless the hierarchy was mounted with `favordynmods` the writer first waits a whole RCU grace
 * period (rcu_sync) to switch forks and exits to the rwsem's slow path. The fast path returns one
 * grace period after the last writer; writers within that window do not wait. So the runtime's
 * move of a new container's (or exec's) process into its cgroups, on the critical path of every
 * start and exec, costs about 8-19 ms on an otherwise quiet host. Moving berthd into the cgroup
 * it already is in is a no-op for the cgroups but opens that window: started with a container's
 * start, or with the client request that comes before, and repeated faster than a grace period,
 * it lets the runtime's move through at once.
 */

/** Shorter than a grace period (several ms here), so the window never closes in between. */
const INTERVAL_MS = 4;

/**
 * `cgroup.procs` of the cgroup `/proc/self/cgroup` text places the process in: a v1 hierarchy's
 * where there is one (the runtimes move processes there on v1 and hybrid hosts), else the
 * unified one's. Null when the text names none.
 */
export function ownProcsFile(procSelfCgroup: string, root = '/sys/fs/cgroup'): string | null {
  const cgroups = parseProcCgroup(procSelfCgroup);
  const v1 = cgroups.get('pids') ?? [...cgroups.entries()].find(([key]) => key !== '')?.[1];
  if (v1) return join(root, v1.dir, v1.path, 'cgroup.procs');
  const v2 = cgroups.get('');
  return v2 ? join(root, v2.path, 'cgroup.procs') : null;
}

/**
 * Keeps the kernel's cgroup migrations fast while a start or exec holds it, or for a while after a
 * client's request (see above); every failure is ignored.
 */
export class CgroupMoveWarmer {
  private holders = 0;
  /** `performance.now()` until which `warmFor` keeps it warm without a holder. */
  private warmUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private moving = false;
  /** The `cgroup.procs` berthd is in, read once a burst: the ticks of one start all write the same. */
  private procsFile: Promise<string | null> = Promise.resolve(null);

  constructor(private readonly procDir = '/proc', private readonly cgroupRoot = '/sys/fs/cgroup') {}

  /** Warm from now until the returned release has been called (once per hold). */
  hold(): () => void {
    this.holders++;
    this.begin();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holders--;
    };
  }

  /**
   * Warm for the next `ms` at least. The first move of a burst waits out a grace period itself:
   * begun at a client's first request, it is over by the time the runtime moves the process
   * (the docker CLI's exec starts ~7 ms after its ping, the runtime's move ~5 ms after that).
   */
  warmFor(ms: number): void {
    this.warmUntil = Math.max(this.warmUntil, performance.now() + ms);
    this.begin();
  }

  private begin(): void {
    if (this.timer !== undefined) return;
    // Read afresh for each burst, so berthd stays wherever it was put meanwhile.
    this.procsFile = readFile(join(this.procDir, 'self', 'cgroup'), 'utf8').then(
      (text) => ownProcsFile(text, this.cgroupRoot),
      () => null,
    );
    this.tick();
  }

  private tick(): void {
    if (this.holders === 0 && performance.now() >= this.warmUntil) {
      this.timer = undefined;
      return;
    }
    // The first move of a burst waits out the grace period; the ticks meanwhile have nothing to add.
    if (!this.moving) {
      this.moving = true;
      void this.moveSelf().finally(() => (this.moving = false));
    }
    this.timer = setTimeout(() => this.tick(), INTERVAL_MS);
    this.timer.unref();
  }

  /** Into the cgroup berthd is in. */
  private async moveSelf(): Promise<void> {
    try {
      const file = await this.procsFile;
      if (file) await writeFile(file, String(process.pid));
    } catch {
      // Only a lost speed-up: the runtime's own move waits for the grace period as it would anyway.
    }
  }
}

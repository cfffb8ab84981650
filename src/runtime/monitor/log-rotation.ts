import { watch, type FSWatcher } from 'node:fs';
import { link, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Keeps the log files conmon's rotation drops, up to `--log-opt max-file` in all. At
 * `--log-size-max` conmon starts its log afresh by renaming a new file over it, so the full one is
 * gone. A hard link to the live file (`<log>.keep`) keeps it: once the log's path names another
 * file, the kept one becomes `<log>.1`, older ones move up a number, one past `max-file - 1` is
 * deleted, and the new file is kept in turn. The link made at each track also saves the one
 * rotation that can happen while berthd is down; two rotations between looks lose the first.
 */
export class LogRotation {
  private readonly tracked = new Map<string, { watcher: FSWatcher | undefined; settle: () => Promise<void> }>();

  /** Starts keeping `path`'s rotated files for `key` (a container), `maxFiles` (at least 2) in all counting the live one. */
  async track(key: string, path: string, maxFiles: number): Promise<void> {
    await this.untrack(key);
    let settled = Promise.resolve();
    const settle = (): Promise<void> => (settled = settled.then(() => keepRotated(path, maxFiles)).catch(() => undefined));
    let watcher: FSWatcher | undefined;
    try {
      // conmon's new file is renamed over the log: writes to the log ('change') need no look. Each
      // still wakes the watcher (~1 µs of berthd's CPU a log record), the price of missing no rotation.
      watcher = watch(dirname(path), (event, file) => {
        if (event === 'rename' && (file === null || file === basename(path))) void settle();
      });
      watcher.on('error', () => watcher?.close());
    } catch {
      // No watch: the looks at track and untrack still keep one rotated file each.
    }
    this.tracked.set(key, { watcher, settle });
    await settle();
  }

  /** Stops watching `key`'s log after a last look (the container's exit). */
  async untrack(key: string): Promise<void> {
    const entry = this.tracked.get(key);
    if (!entry) return;
    this.tracked.delete(key);
    entry.watcher?.close();
    await entry.settle();
  }
}

/** One look at `path`: a rotation since the last makes the kept file `<path>.1`; the live one is then kept. */
export async function keepRotated(path: string, maxFiles: number): Promise<void> {
  const keep = `${path}.keep`;
  const [live, kept] = await Promise.all([stat(path).catch(() => null), stat(keep).catch(() => null)]);
  if (!live || (kept && kept.ino === live.ino)) return;
  if (kept) {
    await rm(`${path}.${maxFiles - 1}`, { force: true });
    for (let n = maxFiles - 2; n >= 1; n--) await rename(`${path}.${n}`, `${path}.${n + 1}`).catch(ignoreMissing);
    await rename(keep, `${path}.1`);
  }
  await link(path, keep).catch(ignoreMissing);
}

function ignoreMissing(e: unknown): void {
  if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
}

/** The rotated files of the log at `path` (`<path>.1`, `.2`, …), oldest first. */
export async function rotatedLogFiles(path: string): Promise<string[]> {
  const prefix = `${basename(path)}.`;
  const numbers = (await readdir(dirname(path)).catch(() => []))
    .filter((f) => f.startsWith(prefix) && /^[1-9]\d*$/.test(f.slice(prefix.length)))
    .map((f) => Number(f.slice(prefix.length)))
    .sort((a, b) => b - a);
  return numbers.map((n) => join(dirname(path), `${prefix}${n}`));
}

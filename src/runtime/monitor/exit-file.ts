import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Reads an exit file conmon wrote: the process's exit status as decimal text (128+N when killed by
 * signal N, -1 when conmon could not tell). Null when the file doesn't exist (yet) or is not a number.
 * conmon writes these files atomically (temp file + rename), so a file that exists is complete.
 */
export async function readExitFile(path: string): Promise<number | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const t = text.trim();
  return /^-?\d+$/.test(t) ? Number(t) : null;
}

/** conmon's temp files are `<id>.XXXXXX`; real exit files are named by the bare container id. */
const EXIT_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** How often the directory is rescanned in case an inotify event was missed. */
const RESCAN_MS = 5_000;

/**
 * Watches conmon's shared exit directory (`--exit-dir`) and calls `onExit(id, exitCode)` once for
 * each exit file that appears, including files already there when `start()` runs (containers that
 * exited while the daemon was down). A file is reported again only if it is replaced (new inode or
 * mtime), e.g. after the daemon deleted it and the container ran again; the daemon is expected to
 * remove an exit file once it has recorded the exit (launchContainer also removes a stale one).
 * Callback errors are the caller's business: they are not caught here.
 */
export class ExitWatcher {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly seen = new Map<string, string>();
  private closed = false;

  constructor(
    private readonly exitDir: string,
    private readonly onExit: (id: string, exitCode: number) => void,
  ) {}

  async start(): Promise<void> {
    await mkdir(this.exitDir, { recursive: true });
    // Watch before scanning, so a file written in between is seen by one or the other.
    this.watcher = watch(this.exitDir, (_event, name) => {
      if (typeof name === 'string') void this.check(name);
      else void this.scan();
    });
    this.watcher.on('error', () => void this.scan());
    this.timer = setInterval(() => void this.scan(), RESCAN_MS);
    this.timer.unref();
    await this.scan();
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
  }

  private async scan(): Promise<void> {
    if (this.closed) return;
    let names: string[];
    try {
      names = await readdir(this.exitDir);
    } catch {
      return;
    }
    await Promise.all(names.map((n) => this.check(n)));
  }

  private async check(name: string): Promise<void> {
    if (this.closed || !EXIT_NAME_RE.test(name)) return;
    const path = join(this.exitDir, name);
    let key: string;
    try {
      const st = await stat(path);
      key = `${st.ino}:${st.mtimeMs}`;
    } catch {
      this.seen.delete(name);
      return;
    }
    if (this.seen.get(name) === key) return;
    this.seen.set(name, key);
    const code = await readExitFile(path).catch(() => null);
    if (code === null) {
      this.seen.delete(name);
      return;
    }
    if (!this.closed) this.onExit(name, code);
  }
}

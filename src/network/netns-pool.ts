import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';

/** How many spare namespaces are kept: a start takes one, parallel starts beyond this make their own. */
const SPARES = 2;
const SPARE_PREFIX = 'spare-';

/**
 * Empty network namespaces (lo up) made ahead of the starts that take them: the kernel's making of
 * one, with its process, is the longest step a start otherwise waits for before the runtime can
 * create the container. Spares live in the namespace directory as `spare-<hex>`; a container's own
 * path links to the one it took (see BridgeNetwork.createNamespace). The pool is refilled after a
 * start, off its path, and emptied when the daemon stops; spares a killed daemon left are swept.
 */
export class NetnsPool {
  private readonly ready: string[] = [];
  private filling: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly opts: {
      dir: string;
      /** Makes an empty namespace (lo up) bind-mounted on the path. */
      create: (path: string) => Promise<void>;
      /** Unmounts and removes a namespace's path; never throws. */
      remove: (path: string) => Promise<void>;
      log: Logger;
    },
  ) {}

  /** A spare's path (now the caller's), or undefined when none is ready. */
  take(): string | undefined {
    return this.ready.shift();
  }

  /** Whether `path` is a spare the pool still holds. */
  holds(path: string): boolean {
    return this.ready.includes(path);
  }

  /** Makes spares up to the pool's size, one at a time, unless that is under way already. */
  refill(): Promise<void> {
    this.filling ??= this.fill().finally(() => (this.filling = undefined));
    return this.filling;
  }

  private async fill(): Promise<void> {
    while (!this.closed && this.ready.length < SPARES) {
      const path = join(this.opts.dir, `${SPARE_PREFIX}${randomBytes(6).toString('hex')}`);
      try {
        await this.opts.create(path);
      } catch (e) {
        // Starts make their own namespace meanwhile; the next refill tries again.
        this.opts.log.warn(`spare network namespace: ${errorMessage(e)}`);
        await this.opts.remove(path);
        return;
      }
      if (this.closed) {
        await this.opts.remove(path);
        return;
      }
      this.ready.push(path);
    }
  }

  /** Removes the spares and makes no more (daemon shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    await this.filling;
    await Promise.all(this.ready.splice(0).map((p) => this.opts.remove(p)));
  }
}

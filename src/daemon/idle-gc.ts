import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * An idle daemon allocates nothing, so V8 never collects what its last burst of work left
 * behind (an import's layer buffers: several MB of RSS). One full collection once the API has
 * been quiet for `quietMs` after activity gives that back; busy periods never pay for it.
 */
export class IdleCollector {
  private readonly timer: NodeJS.Timeout;
  private readonly gc: (() => void) | undefined;

  constructor(quietMs = 1000) {
    // Node exposes V8's collector only behind --expose-gc; a context made after setting it has `gc`.
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
    this.gc = typeof gc === 'function' ? (gc as () => void) : undefined;
    this.timer = setTimeout(() => this.gc?.(), quietMs);
    this.timer.unref();
  }

  /** Some work happened: collect once the daemon has been quiet again for the interval. */
  touch(): void {
    this.timer.refresh();
  }
}

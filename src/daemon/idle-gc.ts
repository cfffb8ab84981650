import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** V8's growth of the heap limit after a collection, in percent of what survived it. */
const HEAP_GROWING_PERCENT = 300;

/**
 * An idle daemon allocates nothing, so V8 never collects what its last burst of work left
 * behind (an import's layer buffers: several MB of RSS). One full collection once the API has
 * been quiet for `quietMs` after activity gives that back; busy periods never pay for it.
 *
 * Busy periods also collect less often: V8 sizes its next collection from the small live heap,
 * so a stream of layer buffers (a pull allocates three times its bytes) started a full marking
 * every ~15 MB, about a third of a pull's CPU. A heap allowed to grow 4x between collections
 * marks a quarter as often; what that leaves uncollected goes at the idle collection.
 */
export class IdleCollector {
  private readonly timer: NodeJS.Timeout;
  private readonly gc: (() => void) | undefined;

  constructor(quietMs = 1000) {
    // Node exposes V8's collector only behind --expose-gc; a context made after setting it has `gc`.
    setFlagsFromString('--expose-gc');
    setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
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

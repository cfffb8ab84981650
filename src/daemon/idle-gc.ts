import { v8Collector } from '../lib/v8-collector.js';

/**
 * An idle daemon allocates nothing, so V8 never collects what its last burst of work left
 * behind (an import's layer buffers: several MB of RSS). One full collection once the API has
 * been quiet for `quietMs` after activity gives that back; busy periods never pay for it.
 */
export class IdleCollector {
  private readonly timer: NodeJS.Timeout;

  constructor(quietMs = 1000) {
    const gc = v8Collector();
    this.timer = setTimeout(() => gc?.(), quietMs);
    this.timer.unref();
  }

  /** Some work happened: collect once the daemon has been quiet again for the interval. */
  touch(): void {
    this.timer.refresh();
  }
}

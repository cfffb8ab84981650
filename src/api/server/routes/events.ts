import { invalidArgument } from '../../../lib/errors.js';
import type { EngineEvent, EventBus } from '../../../lib/event-bus.js';
import { eventMatches, validateEventFilters } from '../../../engine/event-filter.js';
import type { Router } from '../router.js';
import { filtersParam, timestampParam } from '../query.js';
import { eventMessage } from '../wire/events.js';

/**
 * `GET /events`: the remembered events from `since` (or all when only `until` is given), then live
 * ones, one JSON object per line; the stream ends at `until`, at once when `until` has passed.
 */
export function eventRoutes(router: Router, events: EventBus): void {
  router.add('GET', '/events', async (ctx) => {
    const res = ctx.res;
    if (!res) throw invalidArgument('upgrade_not_supported', 'events does not upgrade');
    const since = timestampParam(ctx.query, 'since');
    const until = timestampParam(ctx.query, 'until');
    if (since !== undefined && until !== undefined && until < since) {
      throw invalidArgument('invalid_time_range', '`since` time cannot be after `until` time');
    }
    const filters = filtersParam(ctx.query);
    validateEventFilters(filters);
    // Clients wait for the headers before doing what produces the events they watch for.
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    const send = (e: EngineEvent) => {
      if (until !== undefined && e.timeNano > until) return;
      if (eventMatches(e, filters)) res.write(`${JSON.stringify(eventMessage(e))}\n`);
    };
    await new Promise<void>((resolve) => {
      const sub = events.subscribe(since ?? (until !== undefined ? 0 : undefined), send);
      let timer: NodeJS.Timeout | undefined;
      const finish = () => {
        sub.unsubscribe();
        if (timer) clearTimeout(timer);
        resolve();
      };
      res.on('close', finish);
      for (const e of sub.backlog) send(e);
      const wait = until === undefined ? undefined : Math.max(0, until / 1e6 - Date.now());
      // Beyond setTimeout's range (~24 days) the stream simply stays open.
      if (wait !== undefined && wait < 2 ** 31) timer = setTimeout(finish, wait);
    });
    res.end();
  });
}

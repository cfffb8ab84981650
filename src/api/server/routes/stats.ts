import type { StatsService } from '../../../engine/container-stats.js';
import type { ContainerUpdater } from '../../../engine/container-update.js';
import { invalidArgument } from '../../../lib/errors.js';
import type { ContainerUpdateRequest } from '../../types/index.js';
import type { Router } from '../router.js';
import { sendJson } from '../server.js';
import { boolParam } from '../query.js';
import { statsResponse } from '../wire/stats.js';
import { jsonBody } from './containers.js';

/** `GET /containers/{id}/stats` and `POST /containers/{id}/update`. */
export function statsRoutes(router: Router, stats: StatsService, updater: ContainerUpdater): void {
  router.add('GET', '/containers/{id}/stats', async (ctx) => {
    const res = ctx.res;
    if (!res) throw invalidArgument('upgrade_not_supported', 'stats does not upgrade');
    const abort = new AbortController();
    const stream = boolParam(ctx.query, 'stream', true);
    const reports = stats.open(ctx.params['id'] ?? '', { stream, oneShot: boolParam(ctx.query, 'one-shot'), signal: abort.signal });
    // Headers at once and a chunked body: docker-py reads a stream only when it is chunked.
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    res.on('close', () => abort.abort());
    for await (const r of reports) {
      if (abort.signal.aborted) break;
      res.write(`${JSON.stringify(statsResponse(r))}\n`);
    }
    res.end();
  });

  router.add('POST', '/containers/{id}/update', async (ctx) => {
    const body = (await jsonBody<ContainerUpdateRequest>(ctx)) ?? {};
    const { warnings } = await updater.update(ctx.params['id'] ?? '', body);
    sendJson(ctx, 200, { Warnings: warnings });
  });
}

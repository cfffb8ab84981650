import type { PruneService } from '../../../engine/prune-service.js';
import type { ContainerPruneResponse, ImagePruneResponse } from '../../types/index.js';
import { filtersParam } from '../query.js';
import type { Router } from '../router.js';
import { sendJson } from '../server.js';

/** The prune endpoints of containers, images, networks and the build cache (volumes prune with the volume routes). */
export function pruneRoutes(router: Router, prune: PruneService): void {
  router.add('POST', '/containers/prune', async (ctx) => {
    const r = await prune.containers(filtersParam(ctx.query));
    const body: ContainerPruneResponse = { ContainersDeleted: r.deleted, SpaceReclaimed: r.reclaimed };
    sendJson(ctx, 200, body);
  });
  router.add('POST', '/images/prune', async (ctx) => {
    const r = await prune.images(filtersParam(ctx.query));
    const body: ImagePruneResponse = { ImagesDeleted: r.deleted, SpaceReclaimed: r.reclaimed };
    sendJson(ctx, 200, body);
  });
  router.add('POST', '/networks/prune', async (ctx) => {
    sendJson(ctx, 200, { NetworksDeleted: await prune.networks(filtersParam(ctx.query)) });
  });
  // The classic builder's cache is the images themselves (`image prune` frees it), but for RUN's cache mounts.
  router.add('POST', '/build/prune', async (ctx) => {
    const r = await prune.buildCache();
    sendJson(ctx, 200, { CachesDeleted: r.deleted, SpaceReclaimed: r.reclaimed });
  });
}

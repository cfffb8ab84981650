import type { Volume, VolumeService } from '../../../engine/volume-service.js';
import type { Router } from '../router.js';
import { sendEmpty, sendJson } from '../server.js';
import { compareVersions } from '../headers.js';
import { boolParam, filtersParam } from '../query.js';
import { jsonBody } from './containers.js';

/** Docker's wire form of a volume (`Volume` in swagger). */
export function volumeResource(v: Volume) {
  return {
    CreatedAt: v.created,
    Driver: 'local',
    Labels: Object.keys(v.labels).length > 0 ? v.labels : null,
    Mountpoint: v.mountpoint,
    Name: v.name,
    Options: Object.keys(v.options).length > 0 ? v.options : null,
    Scope: 'local',
  };
}

interface VolumeCreateBody {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

export function volumeRoutes(router: Router, volumes: VolumeService): void {
  router.add('GET', '/volumes', async (ctx) => {
    sendJson(ctx, 200, { Volumes: volumes.list(filtersParam(ctx.query)).map(volumeResource), Warnings: null });
  });
  router.add('POST', '/volumes/create', async (ctx) => {
    const body = (await jsonBody<VolumeCreateBody>(ctx)) ?? {};
    const v = await volumes.create({ name: body.Name, driver: body.Driver, labels: body.Labels ?? {}, options: body.DriverOpts ?? {} });
    sendJson(ctx, 201, volumeResource(v));
  });
  router.add('POST', '/volumes/prune', async (ctx) => {
    const filters = filtersParam(ctx.query);
    // Before API 1.42 prune removed named volumes too; clients of that age expect it.
    if (compareVersions(ctx.version, '1.42') < 0 && !filters.has('all')) filters.set('all', ['true']);
    const r = await volumes.prune(filters);
    sendJson(ctx, 200, { VolumesDeleted: r.deleted, SpaceReclaimed: r.reclaimed });
  });
  router.add('GET', '/volumes/{name}', async (ctx) => {
    sendJson(ctx, 200, volumeResource(volumes.get(ctx.params['name'] ?? '')));
  });
  router.add('DELETE', '/volumes/{name}', async (ctx) => {
    await volumes.remove(ctx.params['name'] ?? '', { force: boolParam(ctx.query, 'force') });
    sendEmpty(ctx, 204);
  });
}

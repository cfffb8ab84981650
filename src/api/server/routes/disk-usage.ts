import { DISK_USAGE_TYPES, type DiskUsage, type DiskUsageType } from '../../../engine/disk-usage.js';
import { invalidArgument } from '../../../lib/errors.js';
import { compareVersions } from '../headers.js';
import type { Router } from '../router.js';
import { sendJson } from '../server.js';
import { containerSummary } from '../wire/containers.js';
import { imageSummary } from '../wire/images.js';
import { volumeResource } from './volumes.js';

/** `GET /system/df[?type=container&type=image…]`: types not asked for are null (API 1.42+). */
export function diskUsageRoutes(router: Router, usage: DiskUsage): void {
  router.add('GET', '/system/df', async (ctx) => {
    const asked = compareVersions(ctx.version, '1.42') >= 0 ? ctx.query.getAll('type') : [];
    for (const t of asked) if (!DISK_USAGE_TYPES.includes(t as DiskUsageType)) throw invalidArgument('invalid_type', `unknown object type: ${t}`);
    const r = await usage.report(new Set(asked.length > 0 ? (asked as DiskUsageType[]) : DISK_USAGE_TYPES));
    sendJson(ctx, 200, {
      LayersSize: r.layersSize ?? 0,
      Images: r.images?.map((i) => ({ ...imageSummary(i.image, i.containers), SharedSize: i.sharedSize })) ?? null,
      Containers: r.containers?.map((c) => ({ ...containerSummary(c.container), SizeRw: c.sizeRw, SizeRootFs: c.sizeRootFs })) ?? null,
      Volumes: r.volumes?.map((v) => ({ ...volumeResource(v.volume), UsageData: { Size: v.size, RefCount: v.refCount } })) ?? null,
      BuildCache: r.buildCache ?? null,
    });
  });
}

import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalidArgument } from '../../../lib/errors.js';
import type { ImageArchive } from '../../../engine/image-transfer.js';
import type { RequestContext, Router } from '../router.js';

async function sendArchive(ctx: RequestContext, archive: ImageArchive, names: string[]): Promise<void> {
  const res = ctx.res;
  if (!res) throw invalidArgument('upgrade_not_supported', 'this endpoint does not upgrade');
  ctx.req.resume();
  // Every name resolves before the first byte, so a missing image is a plain error response.
  const tar = archive.save(names);
  res.writeHead(200, { 'Content-Type': 'application/x-tar' });
  await pipeline(tar, res).catch(() => res.destroy());
}

/**
 * `save`, `load` and `export`: `GET /images/get`, `GET /images/{name}/get`, `POST /images/load`,
 * `GET /containers/{id}/export`.
 */
export function archiveRoutes(router: Router, archive: () => Promise<ImageArchive>, exportContainer: (ref: string) => Promise<Readable>): void {
  router.add('GET', '/containers/{id}/export', async (ctx) => {
    const res = ctx.res;
    if (!res) throw invalidArgument('upgrade_not_supported', 'this endpoint does not upgrade');
    ctx.req.resume();
    const tar = await exportContainer(ctx.params['id'] ?? '');
    res.writeHead(200, { 'Content-Type': 'application/x-tar' });
    await pipeline(tar, res).catch(() => {
      tar.destroy();
      res.destroy();
    });
  });

  router.add('GET', '/images/get', async (ctx) => {
    const names = ctx.query.getAll('names');
    if (names.length === 0) throw invalidArgument('missing_names', 'no images named to save');
    await sendArchive(ctx, await archive(), names);
  });

  router.add('GET', '/images/{name*}/get', async (ctx) => {
    await sendArchive(ctx, await archive(), [ctx.params['name'] ?? '']);
  });

  router.add('POST', '/images/load', async (ctx) => {
    const res = ctx.res;
    if (!res) throw invalidArgument('upgrade_not_supported', 'this endpoint does not upgrade');
    // As dockerd, nothing is written before the load ends: a refused archive is a plain error response.
    const loaded = await (await archive()).load(ctx.req);
    const lines = loaded.tags.length > 0 ? loaded.tags.map((t) => `Loaded image: ${t}\n`) : loaded.ids.map((id) => `Loaded image ID: ${id}\n`);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    // `quiet` only silences progress bars, which a load does not draw: the result lines stay.
    res.end(lines.map((stream) => `${JSON.stringify({ stream })}\r\n`).join(''));
  });
}

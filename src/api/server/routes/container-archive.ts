import { pipeline } from 'node:stream/promises';
import { invalidArgument } from '../../../lib/errors.js';
import type { ContainerArchive, PathInfo } from '../../../engine/container-archive.js';
import { encodePathStat, goFileMode, goTime, PATH_STAT_HEADER } from '../../types/path-stat.js';
import type { RequestContext, Router } from '../router.js';
import { boolParam } from '../query.js';

const statHeader = (s: PathInfo): string =>
  encodePathStat({ name: s.name, size: s.size, mode: goFileMode(s.mode), mtime: goTime(s.mtimeNs), linkTarget: s.linkTarget });

/** Docker's ArchiveFormValues, including its missing space. */
function pathParam(ctx: RequestContext): string {
  const path = ctx.query.get('path') ?? '';
  if (path === '') throw invalidArgument('bad_parameter', 'bad parameter: pathcannot be empty');
  return path;
}

/** `docker cp`: HEAD, GET and PUT `/containers/{id}/archive?path=`. */
export function containerArchiveRoutes(router: Router, archive: ContainerArchive): void {
  router.add('GET', '/containers/{id}/archive', async (ctx) => {
    const res = ctx.res;
    if (!res) throw invalidArgument('upgrade_not_supported', 'this endpoint does not upgrade');
    ctx.req.resume();
    const id = ctx.params['id'] ?? '';
    if (ctx.req.method === 'HEAD') {
      const stat = await archive.stat(id, pathParam(ctx));
      res.writeHead(200, { [PATH_STAT_HEADER]: statHeader(stat), 'Content-Type': 'application/json' }).end();
      return;
    }
    const { stat, tar } = await archive.get(id, pathParam(ctx));
    res.writeHead(200, { [PATH_STAT_HEADER]: statHeader(stat), 'Content-Type': 'application/x-tar' });
    await pipeline(tar, res).catch(() => {
      tar.destroy();
      res.destroy();
    });
  });

  router.add('PUT', '/containers/{id}/archive', async (ctx) => {
    const res = ctx.res;
    if (!res) throw invalidArgument('upgrade_not_supported', 'this endpoint does not upgrade');
    try {
      await archive.put(ctx.params['id'] ?? '', pathParam(ctx), ctx.req, {
        noOverwriteDirNonDir: boolParam(ctx.query, 'noOverwriteDirNonDir'),
        copyUIDGID: boolParam(ctx.query, 'copyUIDGID'),
      });
    } catch (e) {
      // Drain the upload so the error response reaches the client.
      ctx.req.resume();
      throw e;
    }
    res.writeHead(200).end();
  });
}

import { invalidArgument } from '../../../lib/errors.js';
import type { Engine } from '../../../engine/engine.js';
import { parseImageId } from '../../../oci/digest.js';
import type { Handler, Router } from '../router.js';
import { sendJson } from '../server.js';
import { boolParam, filtersParam } from '../query.js';
import { imageHistory, imageInspect, imageSummary } from '../wire/images.js';

/** `pull` serves `POST /images/create?fromImage=` (the distribution routes make it). */
export function imageRoutes(router: Router, engine: Engine, pull: Handler): void {
  const images = engine.images;

  router.add('GET', '/images/json', async (ctx) => {
    const filters = filtersParam(ctx.query);
    const list = engine.listImages({ all: boolParam(ctx.query, 'all'), filters });
    sendJson(ctx, 200, list.map((i) => imageSummary(i, -1)));
  });

  router.add('POST', '/images/create', async (ctx) => {
    const q = ctx.query;
    const fromSrc = q.get('fromSrc');
    if (fromSrc === null) return pull(ctx);
    if (fromSrc !== '-') throw invalidArgument('import_url', 'importing from a URL is not supported; pass the file on standard input');
    const repo = q.get('repo') ?? '';
    const tag = q.get('tag') ?? '';
    const ref = repo ? (tag ? `${repo}:${tag}` : repo) : undefined;
    const res = ctx.res;
    if (!res) throw invalidArgument('upgrade_not_supported', 'import does not upgrade');
    // Nothing is written before the import ends, as dockerd: a refused import is a plain error
    // response with its status, which both CLIs print as "Error response from daemon: …".
    const image = await images.importRootfs(ctx.req, {
      ref,
      changes: q.getAll('changes'),
      message: q.get('message') ?? '',
      created: new Date().toISOString(),
    });
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(`${JSON.stringify({ status: image.id })}\r\n`);
  });

  router.add('GET', '/images/{name*}/json', async (ctx) => {
    const img = images.resolve(ctx.params['name'] ?? '');
    // GraphDriver names every layer's directory, as Docker's: a commit's layer gets its own now.
    await images.ensureUnpacked(img);
    sendJson(ctx, 200, imageInspect(img, { lower: engine.imageLayerDirs(img) }, ctx.version));
  });

  router.add('GET', '/images/{name*}/history', async (ctx) => {
    const img = images.resolve(ctx.params['name'] ?? '');
    const parentOf = (id: string) => (images.exists(parseImageId(id)) ? images.get(parseImageId(id)) : undefined);
    sendJson(ctx, 200, imageHistory(img, images.layerSizes(img), parentOf));
  });

  router.add('POST', '/images/{name*}/tag', async (ctx) => {
    const img = images.resolve(ctx.params['name'] ?? '');
    const repo = ctx.query.get('repo') ?? '';
    if (!repo) throw invalidArgument('missing_repo', 'repository name must have at least one component');
    const tag = ctx.query.get('tag');
    images.tag(img.id, tag ? `${repo}:${tag}` : repo);
    ctx.res?.writeHead(201).end();
  });

  router.add('DELETE', '/images/{name*}', async (ctx) => {
    sendJson(ctx, 200, await images.remove(ctx.params['name'] ?? '', { force: boolParam(ctx.query, 'force') }));
  });
}

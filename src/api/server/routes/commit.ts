import type { Engine } from '../../../engine/engine.js';
import { commitContainer, containerChanges } from '../../../engine/commit.js';
import type { ContainerConfigSpec } from '../../../engine/container-model.js';
import type { FilesystemChange } from '../../types/index.js';
import type { Router } from '../router.js';
import { sendJson } from '../server.js';
import { boolParam } from '../query.js';
import { jsonBody } from './containers.js';

const KIND: Record<'C' | 'A' | 'D', FilesystemChange['Kind']> = { C: 0, A: 1, D: 2 };

/** `POST /commit` and `GET /containers/{id}/changes`: a container's writable layer as an image or a change list. */
export function commitRoutes(router: Router, engine: Engine): void {
  router.add('POST', '/commit', async (ctx) => {
    const q = ctx.query;
    const config = await jsonBody<ContainerConfigSpec | null>(ctx);
    const repo = q.get('repo') ?? '';
    const tag = q.get('tag') ?? '';
    const image = await commitContainer(engine, {
      container: q.get('container') ?? '',
      ref: repo ? (tag ? `${repo}:${tag}` : repo) : undefined,
      author: q.get('author') ?? undefined,
      comment: q.get('comment') ?? undefined,
      changes: q.getAll('changes'),
      config: config ?? undefined,
      // An empty value means the default, as in Docker.
      pause: (q.get('pause') ?? '') === '' || boolParam(q, 'pause'),
    });
    sendJson(ctx, 201, { Id: image.id });
  });

  router.add('GET', '/containers/{id}/changes', async (ctx) => {
    const changes = await containerChanges(engine, ctx.params['id'] ?? '');
    sendJson(ctx, 200, changes.map((c): FilesystemChange => ({ Path: c.path, Kind: KIND[c.kind] })));
  });
}

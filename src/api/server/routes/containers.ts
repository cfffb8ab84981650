import { invalidArgument } from '../../../lib/errors.js';
import type { Engine } from '../../../engine/engine.js';
import type { NetworkService } from '../../../engine/network-service.js';
import type { AttachSession } from '../../../engine/attach-session.js';
import type { WaitCondition } from '../../../engine/container-service.js';
import type { HostConfigSpec } from '../../../engine/container-model.js';
import { filterContainers } from '../../../engine/container-filter.js';
import type { ContainerCreateRequest, ExecCreateRequest } from '../../types/index.js';
import { frame, MULTIPLEXED, openClientStream, RAW_STREAM, readBody, type ClientStream } from '../hijack.js';
import type { RequestContext, Router } from '../router.js';
import { sendEmpty, sendJson } from '../server.js';
import { boolParam, filtersParam, intParam } from '../query.js';
import { compareVersions } from '../headers.js';
import { containerInspect, containerSummary, endpointRequest } from '../wire/containers.js';

export async function jsonBody<T>(ctx: RequestContext): Promise<T | undefined> {
  const { body } = await readBody(ctx);
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch (e) {
    throw invalidArgument('invalid_json', `invalid JSON: ${(e as Error).message}`);
  }
}

/** Pipes an attach session to a client stream: multiplexed frames without a TTY, raw bytes with one. */
export function pumpSession(session: AttachSession, client: ClientStream, opts: { closeStdinOnEof: boolean; done?: Promise<unknown> }): void {
  session.onOutput((stream, chunk) => {
    client.write(session.tty ? chunk : frame(stream, chunk));
  });
  session.onEnd(() => {
    void (opts.done ?? Promise.resolve()).then(() => client.end());
  });
  if (client.stdin && session.wantsStdin) {
    const stdin = client.stdin;
    stdin.on('data', (chunk: Buffer) => {
      stdin.pause();
      void session.writeStdin(chunk).finally(() => stdin.resume());
    });
    stdin.on('end', () => {
      if (opts.closeStdinOnEof) session.closeStdin();
    });
  }
  void client.closed.then(() => {
    if (!session.isEnded) session.finish();
  });
}

export function containerRoutes(router: Router, engine: Engine, networks: Pick<NetworkService, 'list'>): void {
  const containers = engine.containers;

  router.add('POST', '/containers/create', async (ctx) => {
    const body = (await jsonBody<ContainerCreateRequest>(ctx)) ?? {};
    const { HostConfig, NetworkingConfig: networking, ...config } = body;
    const name = ctx.query.get('name') ?? undefined;
    const endpoints = Object.fromEntries(
      Object.entries(networking?.EndpointsConfig ?? {}).map(([net, e]) => [net, endpointRequest(e)]),
    );
    const hostConfig = { ...HostConfig } as HostConfigSpec;
    // As dockerd: Annotations came with API 1.43; an older client's are not its own.
    if (compareVersions(ctx.version, '1.43') < 0) delete hostConfig.Annotations;
    const platform = ctx.query.get('platform') || undefined;
    const { id, warnings } = await containers.create({ name: name || undefined, config, hostConfig, endpoints, ...(platform ? { platform } : {}) });
    sendJson(ctx, 201, { Id: id, Warnings: warnings });
  });

  router.add('GET', '/containers/json', async (ctx) => {
    const filters = filtersParam(ctx.query);
    const limit = intParam(ctx.query, 'limit') ?? -1;
    const all = boolParam(ctx.query, 'all') || limit > 0;
    let list = containers.list();
    if (!all && !filters.has('status')) list = list.filter((c) => ['running', 'paused', 'restarting'].includes(c.state.status));
    // Network ids only for a network filter, which may name one by id.
    const networkIds = filters.has('network') ? new Map((await networks.list()).map((n) => [n.name, n.id])) : undefined;
    list = filterContainers(list, filters, {
      resolve: (ref) => containers.get(ref),
      imageMatches: (c, ref) => engine.imageMatches(c.imageId, ref),
      networkId: (name) => networkIds?.get(name),
    });
    if (limit > 0) list = list.slice(0, limit);
    const withSize = boolParam(ctx.query, 'size');
    // As dockerd: the list shows Annotations from API 1.46.
    const annotations = compareVersions(ctx.version, '1.46') >= 0;
    sendJson(
      ctx,
      200,
      await Promise.all(
        list.map(async (c) => {
          const summary = containerSummary(c);
          if (!annotations) delete summary.HostConfig.Annotations;
          return { ...summary, ...(withSize ? await engine.containerSizes(c.id) : {}) };
        }),
      ),
    );
  });

  router.add('GET', '/containers/{id}/json', async (ctx) => {
    const id = ctx.params['id'] ?? '';
    const body = engine.inspectContainer(id, containerInspect);
    sendJson(ctx, 200, boolParam(ctx.query, 'size') ? { ...body, ...(await engine.containerSizes(id)) } : body);
  });

  router.add('POST', '/containers/{id}/start', async (ctx) => {
    await containers.start(ctx.params['id'] ?? '');
    sendEmpty(ctx, 204);
  });

  router.add('POST', '/containers/{id}/stop', async (ctx) => {
    await containers.stop(ctx.params['id'] ?? '', intParam(ctx.query, 't'), ctx.query.get('signal') ?? undefined);
    sendEmpty(ctx, 204);
  });

  router.add('POST', '/containers/{id}/restart', async (ctx) => {
    await containers.restart(ctx.params['id'] ?? '', intParam(ctx.query, 't'), ctx.query.get('signal') ?? undefined);
    sendEmpty(ctx, 204);
  });

  router.add('POST', '/containers/{id}/kill', async (ctx) => {
    await containers.kill(ctx.params['id'] ?? '', ctx.query.get('signal') || 'SIGKILL');
    sendEmpty(ctx, 204);
  });

  router.add('POST', '/containers/{id}/pause', async (ctx) => {
    await containers.pause(ctx.params['id'] ?? '');
    sendEmpty(ctx, 204);
  });

  router.add('POST', '/containers/{id}/unpause', async (ctx) => {
    await containers.unpause(ctx.params['id'] ?? '');
    sendEmpty(ctx, 204);
  });

  router.add('POST', '/containers/{id}/rename', async (ctx) => {
    const name = ctx.query.get('name');
    if (!name) throw invalidArgument('missing_name', 'Neither old nor new names may be empty');
    containers.rename(ctx.params['id'] ?? '', name);
    sendEmpty(ctx, 204);
  });

  // A link's name has a slash (`PARENT/ALIAS`), which the docker CLI sends unescaped.
  router.add('DELETE', '/containers/{id*}', async (ctx) => {
    if (boolParam(ctx.query, 'link')) {
      await containers.removeLink(ctx.params['id'] ?? '');
      sendEmpty(ctx, 204);
      return;
    }
    await engine.removeContainer(ctx.params['id'] ?? '', { force: boolParam(ctx.query, 'force'), volumes: boolParam(ctx.query, 'v') });
    sendEmpty(ctx, 204);
  });

  router.add('POST', '/containers/{id}/wait', async (ctx) => {
    const condition = (ctx.query.get('condition') || 'not-running') as WaitCondition;
    if (!['not-running', 'next-exit', 'removed'].includes(condition)) {
      throw invalidArgument('invalid_condition', `invalid condition: "${condition}"`);
    }
    const done = containers.wait(ctx.params['id'] ?? '', condition);
    // The docker CLI waits for these headers before it starts the container.
    const res = ctx.res;
    if (!res) throw invalidArgument('upgrade_not_supported', 'wait does not upgrade');
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    const code = await done;
    res.end(`${JSON.stringify({ Error: null, StatusCode: code })}\n`);
  });

  router.add('POST', '/containers/{id}/attach', async (ctx) => {
    const id = ctx.params['id'] ?? '';
    const c = containers.get(id);
    const wantsAll = !ctx.query.has('stdout') && !ctx.query.has('stderr');
    const stdout = wantsAll || boolParam(ctx.query, 'stdout');
    const stderr = wantsAll || boolParam(ctx.query, 'stderr');
    const tty = c.config.Tty === true;
    // As dockerd: `logs` replays what the container wrote so far, then `stream` attaches to what
    // comes; without `stream` the answer ends after the logs (or at once).
    const stream = boolParam(ctx.query, 'stream');
    // Asked for before the answer starts, so a container that keeps no log gets a plain error.
    const replay = boolParam(ctx.query, 'logs') ? containers.logs(id, { stdout, stderr, follow: false, tail: 'all' }).entries : undefined;
    const session = stream ? await containers.attach(id, { stdin: boolParam(ctx.query, 'stdin'), stdout, stderr }) : undefined;
    const client = openClientStream(ctx, tty ? RAW_STREAM : MULTIPLEXED, Buffer.alloc(0));
    if (replay) {
      for await (const e of replay) {
        if ((e.stream === 'stdout' && !stdout) || (e.stream === 'stderr' && !stderr)) continue;
        if (!client.write(tty ? e.line : frame(e.stream === 'stdout' ? 1 : 2, e.line))) await client.waitDrain();
      }
    }
    if (session) pumpSession(session, client, { closeStdinOnEof: true });
    else client.end();
  });

  router.add('POST', '/containers/{id}/resize', async (ctx) => {
    const h = intParam(ctx.query, 'h');
    const w = intParam(ctx.query, 'w');
    if (h === undefined || w === undefined || h < 0 || w < 0) throw invalidArgument('invalid_size', 'invalid resize parameters: h and w must be non-negative integers');
    await containers.resize(ctx.params['id'] ?? '', h, w);
    sendEmpty(ctx, 200);
  });

  router.add('GET', '/containers/{id}/logs', async (ctx) => {
    const q = ctx.query;
    const stdout = boolParam(q, 'stdout');
    const stderr = boolParam(q, 'stderr');
    if (!stdout && !stderr) throw invalidArgument('no_streams', 'Bad parameters: you must choose at least one stream');
    const tailRaw = q.get('tail');
    const tail = tailRaw === null || tailRaw === '' || tailRaw === 'all' ? 'all' : Number(tailRaw) < 0 ? 'all' : Number(tailRaw);
    const abort = new AbortController();
    const { tty, entries } = containers.logs(ctx.params['id'] ?? '', {
      stdout,
      stderr,
      follow: boolParam(q, 'follow'),
      since: q.get('since') ? Number(q.get('since')) || undefined : undefined,
      until: q.get('until') ? Number(q.get('until')) || undefined : undefined,
      tail,
      signal: abort.signal,
    });
    const res = ctx.res;
    if (!res) throw invalidArgument('upgrade_not_supported', 'logs does not upgrade');
    res.writeHead(200, { 'Content-Type': tty ? RAW_STREAM : MULTIPLEXED });
    res.flushHeaders();
    res.on('close', () => abort.abort());
    const timestamps = boolParam(q, 'timestamps');
    // As dockerd: `details` puts the log's attributes (none here: no log-opt labels or env) and a space before each line.
    const details = boolParam(q, 'details') ? ' ' : '';
    try {
      for await (const e of entries) {
        if ((e.stream === 'stdout' && !stdout) || (e.stream === 'stderr' && !stderr)) continue;
        const prefix = `${timestamps ? `${e.time} ` : ''}${details}`;
        const data = prefix ? Buffer.concat([Buffer.from(prefix), e.line]) : e.line;
        const ok = res.write(tty ? data : frame(e.stream === 'stdout' ? 1 : 2, data));
        if (!ok) await new Promise((r) => res.once('drain', r));
      }
    } catch (e) {
      if (!abort.signal.aborted) throw e;
    }
    res.end();
  });

  router.add('GET', '/containers/{id}/top', async (ctx) => {
    sendJson(ctx, 200, await containers.top(ctx.params['id'] ?? '', ctx.query.get('ps_args') ?? ''));
  });

  router.add('POST', '/containers/{id}/exec', async (ctx) => {
    const body = (await jsonBody<ExecCreateRequest>(ctx)) ?? ({ Cmd: [] } as ExecCreateRequest);
    const id = engine.execs.create(ctx.params['id'] ?? '', body);
    sendJson(ctx, 201, { Id: id });
  });
}

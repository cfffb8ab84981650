import type { Engine } from '../../../engine/engine.js';
import type { BuildRequest } from '../../../engine/build.js';
import type { ImageTransfer } from '../../../engine/image-transfer.js';
import { invalidArgument } from '../../../lib/errors.js';
import { parseExtraHost } from '../../../lib/extra-host.js';
import { parseReference } from '../../../oci/reference.js';
import type { JsonMessage } from '../../types/stream.js';
import type { Router } from '../router.js';
import { boolParam, intParam } from '../query.js';
import { registryConfig } from './distribution.js';

function jsonParam<T>(q: URLSearchParams, name: string, fallback: T): T {
  const raw = q.get(name);
  if (raw === null || raw === '') return fallback;
  try {
    return JSON.parse(raw) as T;
  } catch {
    throw invalidArgument('bad_parameter', `invalid ${name} parameter: ${raw}`);
  }
}

type RunResources = BuildRequest['resources'];

/** dockerd's build parameters for the RUN containers' limits; 0 and empty leave a limit unset. */
function runResources(q: URLSearchParams): RunResources {
  const r: RunResources = {};
  const numbers = [['memory', 'Memory'], ['memswap', 'MemorySwap'], ['cpushares', 'CpuShares'], ['cpuperiod', 'CpuPeriod'], ['cpuquota', 'CpuQuota'], ['shmsize', 'ShmSize']] as const;
  for (const [param, field] of numbers) {
    const v = intParam(q, param);
    if (v) r[field] = v;
  }
  for (const [param, field] of [['cpusetcpus', 'CpusetCpus'], ['cpusetmems', 'CpusetMems'], ['cgroupparent', 'CgroupParent']] as const) {
    const v = q.get(param);
    if (v) r[field] = v;
  }
  const ulimits = jsonParam<RunResources['Ulimits'] | null>(q, 'ulimits', null);
  if (ulimits && ulimits.length > 0) r.Ulimits = ulimits;
  return r;
}

/**
 * `POST /build`: the classic builder. The context is the request body (a tar); progress goes out as
 * `{"stream"}` messages, the image ID as `{"aux":{"ID"}}`. An error before any output is a plain
 * error response; after, an `errorDetail` message. A dropped connection cancels the build.
 */
export function buildRoutes(router: Router, engine: Engine, transfer: ImageTransfer): void {
  router.add('POST', '/build', async (ctx) => {
    const q = ctx.query;
    const res = ctx.res;
    if (!res) throw invalidArgument('upgrade_not_supported', 'build does not upgrade');
    const tags = q.getAll('t').filter((t) => t !== '');
    const extraHosts = q.getAll('extrahosts');
    let resources: RunResources;
    try {
      for (const t of tags) parseReference(t);
      for (const h of extraHosts) parseExtraHost(h);
      resources = runResources(q);
    } catch (e) {
      ctx.req.resume();
      throw e;
    }
    const buildArgs = new Map(Object.entries(jsonParam<Record<string, string | null>>(q, 'buildargs', {})));
    const quiet = boolParam(q, 'q');
    const credentialsFor = registryConfig(ctx.req.headers['x-registry-config']);
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const send = (msg: JsonMessage): void => {
      if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(`${JSON.stringify(msg)}\r\n`);
    };
    // With q the output is held back, and sent only if the build fails (dockerd's notVerboseBuffer).
    const held: string[] = [];
    // The builder loads at the first build: an idle daemon does not need it.
    const { BuildStepError, buildImage } = await import('../../../engine/build.js');
    try {
      const id = await buildImage(
        engine,
        {
          tags,
          dockerfile: q.get('dockerfile') ?? '',
          buildArgs,
          target: q.get('target') ?? undefined,
          noCache: boolParam(q, 'nocache'),
          explainCache: boolParam(q, 'explaincache'),
          labels: jsonParam<Record<string, string>>(q, 'labels', {}),
          // --rm is on unless the client says rm=0.
          rm: (q.get('rm') ?? '') === '' || boolParam(q, 'rm'),
          forceRm: boolParam(q, 'forcerm'),
          network: q.get('networkmode') || 'default',
          extraHosts,
          resources,
          pull: boolParam(q, 'pull'),
          cacheFrom: jsonParam<string[] | null>(q, 'cachefrom', null) ?? [],
          pullImage: (ref, emit) => transfer.pull(ref, credentialsFor(parseReference(ref).domain), undefined, emit),
        },
        ctx.req,
        {
          out: (text) => {
            if (quiet) held.push(text);
            else send({ stream: text });
          },
          aux: (id) => send({ aux: { ID: id } }),
          signal: abort.signal,
        },
      );
      // As dockerd: with q, the output is just the image ID.
      if (quiet) send({ stream: `${id}\n` });
    } catch (e) {
      for (const text of held) send({ stream: text });
      if (!res.headersSent) {
        ctx.req.resume();
        throw e;
      }
      const message = e instanceof Error ? e.message : String(e);
      send({ errorDetail: { code: e instanceof BuildStepError ? e.exitCode : undefined, message }, error: message } as JsonMessage);
    }
    res.end();
  });
}

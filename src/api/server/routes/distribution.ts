import type { ServerResponse } from 'node:http';
import type { JsonMessage } from '../../types/stream.js';
import { invalidArgument } from '../../../lib/errors.js';
import { parseManifestFormat } from '../../../oci/manifest-format.js';
import { parseReference } from '../../../oci/reference.js';
import { registryHost, type ImageTransfer, type ProgressEvent, type RegistryCredentials } from '../../../engine/image-transfer.js';
import type { Handler, RequestContext, Router } from '../router.js';
import { sendJson } from '../server.js';
import { messageOf } from '../error-status.js';

/** Decodes `X-Registry-Auth` (base64url JSON); absent or unreadable means anonymous. */
export function registryAuth(header: string | string[] | undefined): RegistryCredentials | undefined {
  if (typeof header !== 'string' || header === '') return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as RegistryCredentials | null;
    return parsed !== null && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Decodes `X-Registry-Config` (base64url JSON: credentials by registry, what the docker CLI sends
 * with a build) into a lookup by registry host; absent or unreadable means anonymous everywhere.
 */
export function registryConfig(header: string | string[] | undefined): (host: string) => RegistryCredentials | undefined {
  const byHost = new Map<string, RegistryCredentials>();
  if (typeof header === 'string' && header !== '') {
    try {
      const parsed = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as Record<string, RegistryCredentials> | null;
      for (const [server, creds] of Object.entries(parsed ?? {})) {
        if (creds !== null && typeof creds === 'object') byHost.set(registryHost(server), creds);
      }
    } catch {
      // Unreadable: anonymous, as an unreadable X-Registry-Auth.
    }
  }
  return (host) => byHost.get(host);
}

/** Docker's JSON progress message for one event: state changes carry an empty progressDetail. */
export function progressMessage(e: ProgressEvent): JsonMessage {
  const msg: JsonMessage = {};
  if (e.status !== '' || e.aux === undefined) msg.status = e.status;
  msg.progressDetail = e.current !== undefined && e.total !== undefined ? { current: e.current, total: e.total } : {};
  if (e.id !== undefined) msg.id = e.id;
  if (e.aux !== undefined) msg.aux = e.aux;
  return msg;
}

/**
 * A progress stream that answers 200 only with its first message: an error before that is a plain
 * error response (as dockerd answers a pull of a missing manifest), after it an in-band error line.
 */
class ProgressWriter {
  private started = false;
  constructor(private readonly res: ServerResponse) {}

  emit = (e: ProgressEvent): void => {
    this.start();
    this.res.write(`${JSON.stringify(progressMessage(e))}\r\n`);
  };

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.res.writeHead(200, { 'Content-Type': 'application/json' });
  }

  /** Ends the stream; rethrows `error` when nothing was sent yet, so the router answers with its status. */
  finish(error?: unknown): void {
    if (error !== undefined && !this.started) throw error;
    this.start();
    if (error !== undefined) {
      const message = messageOf(error);
      this.res.write(`${JSON.stringify({ errorDetail: { message }, error: message })}\r\n`);
    }
    this.res.end();
  }
}

async function streamed(ctx: RequestContext, work: (emit: (e: ProgressEvent) => void) => Promise<void>): Promise<void> {
  const res = ctx.res;
  if (!res) throw invalidArgument('upgrade_not_supported', 'this endpoint does not upgrade');
  const out = new ProgressWriter(res);
  try {
    await work(out.emit);
  } catch (e) {
    out.finish(e);
    return;
  }
  out.finish();
}

/** `POST /images/create?fromImage=&tag=&platform=`: the pull half of the create endpoint (import is the other). */
export function pullHandler(transfer: ImageTransfer): Handler {
  return async (ctx) => {
    ctx.req.resume();
    const q = ctx.query;
    const from = q.get('fromImage') ?? '';
    const tag = q.get('tag') ?? '';
    if (from === '') throw invalidArgument('missing_image', 'invalid reference format');
    let ref = from;
    if (tag !== '' && !from.includes('@')) ref = tag.startsWith('sha256:') ? `${from}@${tag}` : `${from}:${tag}`;
    const credentials = registryAuth(ctx.req.headers['x-registry-auth']);
    const platform = q.get('platform') || undefined;
    // Without a tag anywhere, the API pulls every tag (what `pull -a` sends).
    const parsed = parseReference(ref);
    const all = parsed.tag === undefined && parsed.digest === undefined;
    await streamed(ctx, async (emit) => {
      if (all) await transfer.pullAllTags(ref, credentials, platform, emit);
      else await transfer.pull(ref, credentials, platform, emit);
    });
  };
}

export function distributionRoutes(router: Router, transfer: ImageTransfer): void {
  router.add('POST', '/images/{name*}/push', async (ctx) => {
    ctx.req.resume();
    const credentials = registryAuth(ctx.req.headers['x-registry-auth']);
    // `format` is berth's own: the manifest format to push (`oci`, `v2s2`).
    const format = ctx.query.get('format');
    const opts = format ? { format: parseManifestFormat(format) } : {};
    await streamed(ctx, (emit) => transfer.push(ctx.params['name'] ?? '', ctx.query.get('tag') ?? '', credentials, emit, opts));
  });

  router.add('POST', '/auth', async (ctx) => {
    const chunks: Buffer[] = [];
    for await (const c of ctx.req) chunks.push(c as Buffer);
    let body: RegistryCredentials & { serveraddress?: string };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as typeof body;
    } catch (e) {
      throw invalidArgument('invalid_json', `invalid JSON: ${messageOf(e)}`);
    }
    await transfer.login(body);
    sendJson(ctx, 200, { Status: 'Login Succeeded', IdentityToken: '' });
  });
}

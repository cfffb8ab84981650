import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { BerthError, invalidArgument } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { messageOf, statusOf } from './error-status.js';
import { API_VERSION, commonHeaders, compareVersions, MIN_API_VERSION } from './headers.js';
import type { Handler, RequestContext, Router } from './router.js';

/** Sends Docker's error envelope: `{"message"}` with Content-Type exactly `application/json`. */
export function sendError(res: ServerResponse, e: unknown): void {
  const status = statusOf(e);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (status === 304) {
    res.writeHead(304).end();
    return;
  }
  const body = JSON.stringify({ message: messageOf(e) });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
}

function sendErrorOnSocket(socket: Duplex, e: unknown): void {
  const status = statusOf(e);
  const body = JSON.stringify({ message: messageOf(e) });
  const headers = { ...commonHeaders(), 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close' };
  socket.end(
    `HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Error'}\r\n${Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')}\r\n${body}`,
  );
}

/** Strips and checks the `/v1.xx` prefix; unversioned paths are served as the newest version. */
function splitVersion(path: string): { version: string; path: string } {
  const m = /^\/v([0-9][0-9.]*)(\/.*)$/.exec(path);
  if (!m) return { version: API_VERSION, path };
  const version = m[1] ?? API_VERSION;
  if (compareVersions(version, API_VERSION) > 0) {
    throw invalidArgument('version_too_new', `client version ${version} is too new. Maximum supported API version is ${API_VERSION}`);
  }
  if (compareVersions(version, MIN_API_VERSION) < 0) {
    throw invalidArgument(
      'version_too_old',
      `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`,
    );
  }
  return { version, path: m[2] ?? '/' };
}

class PageNotFound extends Error {}

/** The request target as a URL: a path, or an absolute URL as Go's server accepts; anything else (`*`) has no route. */
function requestUrl(target: string): URL {
  const absolute = /^https?:\/\//i.test(target);
  if (!absolute && !target.startsWith('/')) throw new PageNotFound('page not found');
  try {
    // Prefixing keeps `//x` a path instead of a protocol-relative URL.
    return new URL(absolute ? target : `http://berth${target}`);
  } catch {
    throw new PageNotFound('page not found');
  }
}

function route(router: Router, req: IncomingMessage): Omit<RequestContext, 'res' | 'upgrade'> & { handler: Handler } {
  const url = requestUrl(req.url ?? '/');
  const { version, path } = splitVersion(url.pathname);
  let found;
  try {
    found = router.match(req.method ?? 'GET', path);
  } catch (e) {
    if (e instanceof URIError) throw invalidArgument('malformed_path', `invalid URL escape in ${path}`);
    throw e;
  }
  if (!found) throw new PageNotFound('page not found');
  return { req, params: found.params, query: url.searchParams, version, handler: found.handler };
}

export function createApiServer(router: Router, log: Logger): Server {
  const server = createServer((req, res) => {
    for (const [k, v] of Object.entries(commonHeaders())) res.setHeader(k, v);
    let ctx;
    try {
      ctx = route(router, req);
    } catch (e) {
      req.resume();
      if (e instanceof PageNotFound) {
        const body = JSON.stringify({ message: 'page not found' });
        res.writeHead(404, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
      } else sendError(res, e);
      return;
    }
    const { handler, ...rest } = ctx;
    handler({ ...rest, res }).catch((e: unknown) => {
      if (statusOf(e) >= 500) log.error(`${req.method} ${req.url}: ${messageOf(e)}`);
      sendError(res, e);
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    let ctx;
    try {
      ctx = route(router, req);
    } catch (e) {
      sendErrorOnSocket(socket, e instanceof PageNotFound ? new BerthError('NotFound', 'page_not_found', 'page not found') : e);
      return;
    }
    const { handler, ...rest } = ctx;
    handler({ ...rest, upgrade: { socket, head } }).catch((e: unknown) => {
      if (statusOf(e) >= 500) log.error(`${req.method} ${req.url}: ${messageOf(e)}`);
      if (!socket.destroyed) sendErrorOnSocket(socket, e);
    });
  });
  // Builds and imports upload for as long as they take; Node's default 300 s would cut them off.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.keepAliveTimeout = 5000;
  return server;
}

/** Writes a JSON body with the status Docker uses for it. */
export function sendJson(ctx: RequestContext, status: number, value: unknown): void {
  const res = ctx.res;
  const body = JSON.stringify(value);
  if (res) {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
    return;
  }
  const socket = ctx.upgrade?.socket;
  if (!socket) return;
  const headers = { ...commonHeaders(), 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) };
  socket.end(`HTTP/1.1 ${status} OK\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`);
}

export function sendEmpty(ctx: RequestContext, status: number): void {
  if (ctx.res) {
    ctx.res.writeHead(status).end();
    return;
  }
  ctx.upgrade?.socket.end(`HTTP/1.1 ${status} OK\r\nContent-Length: 0\r\n\r\n`);
}

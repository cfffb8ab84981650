import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** What a handler gets: decoded path parameters and query, the raw request, and how to answer. */
export interface RequestContext {
  req: IncomingMessage;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Negotiated API version of this request (`1.50` when the path had no prefix). */
  version: string;
  /** Present for plain requests. */
  res?: ServerResponse;
  /** Present when the client asked to upgrade (attach, exec start): the raw socket and bytes read past the headers. */
  upgrade?: { socket: Duplex; head: Buffer };
}

export type Handler = (ctx: RequestContext) => Promise<void>;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

/**
 * A route table. Patterns use `{name}` for one path segment and `{name*}` for a greedy match,
 * which image names need (`/images/localhost:5000/app/json`).
 */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, path: string, handler: Handler): this {
    const keys: string[] = [];
    const source = path.replace(/[.]/g, '\\.').replace(/\{(\w+)(\*)?\}/g, (_m, key: string, greedy?: string) => {
      keys.push(key);
      return greedy ? '(.+)' : '([^/]+)';
    });
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), keys, handler });
    return this;
  }

  /** Finds the handler for a request; `undefined` when no route has the path, `null` when only the method is wrong. */
  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | null | undefined {
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== method && !(method === 'HEAD' && r.method === 'GET')) continue;
      const params: Record<string, string> = {};
      r.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1] ?? '')));
      return { handler: r.handler, params };
    }
    return pathMatched ? null : undefined;
  }
}

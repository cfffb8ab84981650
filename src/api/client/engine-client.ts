import type * as http from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { BerthError } from '../../lib/errors.js';
import type {
  ContainerCreateRequest,
  ContainerCreateResponse,
  ContainerInspect,
  ContainerSummary,
  ContainerTopResponse,
  ContainerWaitResponse,
  WaitCondition,
} from '../types/container.js';
import type { ContainerUpdateRequest, ContainerUpdateResponse } from '../types/host-config.js';
import type { ExecCreateRequest, ExecCreateResponse, ExecInspect, ExecStartRequest } from '../types/exec.js';
import type { HistoryItem, ImageDeleteResponseItem, ImageInspect, ImageSummary } from '../types/image.js';
import type { SystemInfo, SystemVersion } from '../types/system.js';
import { exchange, streamingExchange, upgrade, type Exchange, type ExchangeRequest } from './http-exchange.js';
import { errorFromResponse } from './status-error.js';

export const DEFAULT_SOCKET_PATH = '/run/berth/berth.sock';
export const API_VERSION = '1.50';

export type QueryValue = string | number | boolean | readonly string[] | undefined | null;
/** Query parameters: `true` → `1`, false/undefined/null omitted, arrays repeat the key. */
export type Query = Record<string, QueryValue>;
/** `filters` as the Go client sends them: key → set of values. */
export type Filters = Record<string, readonly string[]>;

export interface EngineClientOptions {
  socketPath?: string;
  apiVersion?: string;
  userAgent?: string;
  /**
   * Called at most once, when the socket does not answer (ENOENT/ECONNREFUSED); the failed request is
   * retried after it resolves. The CLI uses it to start berthd on demand.
   */
  onUnavailable?: () => Promise<void>;
}

export interface RequestOptions {
  query?: Query;
  /** JSON-encoded as the request body. */
  json?: unknown;
  /** A raw body (tar upload); streamed, so it can't be replayed after a connection failure. */
  body?: Readable | Buffer;
  headers?: Record<string, string>;
  /** Path without the `/v1.50` prefix (only `/_ping`). */
  unversioned?: boolean;
}

/** A request whose body, if any, is in memory: its answer is read whole (see http-exchange.ts). */
export type BufferedRequestOptions = Omit<RequestOptions, 'body'> & { body?: Buffer };

export interface PingResult {
  apiVersion: string;
  osType: string;
}

export interface WaitHandle {
  /** The wait's body: settles when the condition is met. */
  result: Promise<ContainerWaitResponse>;
}

export interface AttachOptions {
  stream?: boolean;
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  logs?: boolean;
  detachKeys?: string;
}

export interface LogsOptions {
  follow?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  since?: string;
  until?: string;
  timestamps?: boolean;
  tail?: string;
  details?: boolean;
}

export function encodeQuery(query: Query | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === false) continue;
    if (value === true) params.append(key, '1');
    else if (Array.isArray(value)) for (const v of value as readonly string[]) params.append(key, v);
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** Encodes filters in the Go client's map-of-sets dialect, or undefined when there are none. */
export function encodeFilters(filters: Filters | undefined): string | undefined {
  if (filters === undefined) return undefined;
  const out: Record<string, Record<string, boolean>> = {};
  for (const [key, values] of Object.entries(filters)) {
    if (values.length === 0) continue;
    const set: Record<string, boolean> = {};
    for (const v of values) set[v] = true;
    out[key] = set;
  }
  return Object.keys(out).length === 0 ? undefined : JSON.stringify(out);
}

const enc = encodeURIComponent;

function readBody(res: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
  });
}

function parseJson<T>(body: Buffer): T {
  return JSON.parse(body.toString('utf8')) as T;
}

/**
 * A typed client of the Docker Engine API v1.50 on a unix socket. Non-2xx responses throw a BerthError
 * whose kind comes from the status and whose message is the daemon's text; an unreachable socket throws
 * kind Unavailable with docker's "Cannot connect" wording.
 */
export class EngineClient {
  readonly socketPath: string;
  private readonly apiVersion: string;
  private readonly userAgent: string;
  private agent: http.Agent | undefined;
  /** Exchanges whose body is still to come (an armed wait): close() ends them. */
  private readonly pending = new Set<Exchange>();
  private onUnavailable: (() => Promise<void>) | undefined;
  private reachable = false;

  constructor(options: EngineClientOptions = {}) {
    this.socketPath = options.socketPath ?? DEFAULT_SOCKET_PATH;
    this.apiVersion = options.apiVersion ?? API_VERSION;
    this.userAgent = options.userAgent ?? 'berth-cli';
    this.onUnavailable = options.onUnavailable;
  }

  /** Releases pooled connections and ends unfinished answers so the process can exit on its own. */
  close(): void {
    this.agent?.destroy();
    for (const ex of this.pending) ex.abort();
  }

  unavailableError(cause?: unknown): BerthError {
    return new BerthError(
      'Unavailable',
      'daemon_unavailable',
      `Cannot connect to the berth daemon at unix://${this.socketPath}. Is the daemon running?`,
      { cause },
    );
  }

  private url(path: string, query: Query | undefined, unversioned: boolean | undefined): string {
    return `${unversioned === true ? '' : `/v${this.apiVersion}`}${path}${encodeQuery(query)}`;
  }

  private connectionError(err: unknown): BerthError | undefined {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOENT' || code === 'ECONNREFUSED') return this.unavailableError(err);
    if (code === 'EACCES') {
      return new BerthError(
        'Forbidden',
        'daemon_permission_denied',
        `permission denied while trying to connect to the berth daemon socket at unix://${this.socketPath}`,
        { cause: err },
      );
    }
    return undefined;
  }

  /** The request's headers and its in-memory body, if it has one. */
  private prepare(opts: RequestOptions | BufferedRequestOptions): { headers: Record<string, string>; payload: Buffer | undefined } {
    const headers: Record<string, string> = { 'User-Agent': this.userAgent, ...opts.headers };
    let payload: Buffer | undefined;
    if (opts.json !== undefined) {
      payload = Buffer.from(JSON.stringify(opts.json));
      headers['Content-Type'] = 'application/json';
    } else if (Buffer.isBuffer(opts.body)) {
      payload = opts.body;
    }
    return { headers, payload };
  }

  /** Sends a request with its body in memory through `how` (see http-exchange.ts); resolves once the answer's head is in. */
  private async open<T>(method: string, path: string, opts: BufferedRequestOptions, how: (socketPath: string, req: ExchangeRequest) => Promise<T>): Promise<T> {
    const { headers, payload } = this.prepare(opts);
    try {
      const answer = await how(this.socketPath, { method, path: this.url(path, opts.query, opts.unversioned), headers, ...(payload !== undefined ? { body: payload } : {}) });
      this.reachable = true;
      return answer;
    } catch (err) {
      throw this.connectionError(err) ?? err;
    }
  }

  /** An exchange whose answer is read whole (see http-exchange.ts); a non-2xx status rejects. */
  private async exchangeOnce(method: string, path: string, opts: BufferedRequestOptions): Promise<Exchange> {
    const ex = await this.open(method, path, opts, exchange);
    const { status, statusText } = ex.head;
    if (status < 200 || status >= 300) throw errorFromResponse(status, statusText, await ex.body);
    this.pending.add(ex);
    void ex.body.finally(() => this.pending.delete(ex)).catch(() => undefined);
    return ex;
  }

  /** `exchangeOnce`, retried once after the unavailability hook when the daemon does not answer. */
  private async request(method: string, path: string, opts: BufferedRequestOptions): Promise<Exchange> {
    return this.recovering(() => this.exchangeOnce(method, path, opts));
  }

  /**
   * A request whose body, if any, is in memory, and whose 2xx answer is read as it arrives (push
   * progress), without node:http (see http-exchange.ts). A non-2xx status rejects.
   */
  async stream(method: string, path: string, opts: BufferedRequestOptions = {}): Promise<Readable> {
    return this.recovering(async () => {
      const { head, body } = await this.open(method, path, opts, streamingExchange);
      if (head.status < 200 || head.status >= 300) throw errorFromResponse(head.status, head.statusText, await readBody(body));
      return body;
    });
  }

  private async sendOnce(method: string, path: string, opts: RequestOptions): Promise<http.IncomingMessage> {
    const { headers, payload } = this.prepare(opts);
    const { sendStreamed, socketAgent } = await import('./streamed-request.js');
    let res: http.IncomingMessage;
    try {
      res = await sendStreamed({
        agent: (this.agent ??= socketAgent()),
        socketPath: this.socketPath,
        method,
        path: this.url(path, opts.query, opts.unversioned),
        headers,
        body: payload ?? opts.body,
      });
    } catch (err) {
      throw this.connectionError(err) ?? err;
    }
    this.reachable = true;
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) throw errorFromResponse(status, res.statusMessage ?? '', await readBody(res));
    return res;
  }

  /** Sends a request and resolves with the 2xx response once its headers arrive, as a stream. */
  async send(method: string, path: string, opts: RequestOptions = {}): Promise<http.IncomingMessage> {
    const streamed = opts.body !== undefined && !Buffer.isBuffer(opts.body);
    // A streamed body can't be replayed, so make sure the daemon answers before consuming it.
    if (streamed) {
      if (!this.reachable) await this.ping();
      return this.sendOnce(method, path, opts);
    }
    return this.recovering(() => this.sendOnce(method, path, opts));
  }

  /** Runs `attempt`, and once more after the unavailability hook when the daemon did not answer. */
  private async recovering<T>(attempt: () => Promise<T>): Promise<T> {
    try {
      return await attempt();
    } catch (err) {
      if (err instanceof BerthError && err.code === 'daemon_unavailable' && (await this.recover())) return attempt();
      throw err;
    }
  }

  /** Runs the unavailability hook once; true when the caller should retry. */
  private async recover(): Promise<boolean> {
    const hook = this.onUnavailable;
    if (hook === undefined) return false;
    this.onUnavailable = undefined;
    await hook();
    return true;
  }

  async json<T>(method: string, path: string, opts: BufferedRequestOptions = {}): Promise<T> {
    return parseJson<T>(await (await this.request(method, path, opts)).body);
  }

  /** For endpoints answering 204/200 without a body we need; 304 (NotModified) is thrown. */
  async empty(method: string, path: string, opts: BufferedRequestOptions = {}): Promise<void> {
    await (await this.request(method, path, opts)).body;
  }

  /**
   * POSTs with `Connection: Upgrade`/`Upgrade: tcp` and returns the raw socket after the daemon's
   * `101`. Bytes that arrived with the headers are put back into the socket. `socket.end()` half-closes
   * (stdin EOF) while output can still be read until the daemon closes.
   */
  async hijack(path: string, opts: { query?: Query; json?: unknown } = {}): Promise<Socket> {
    return this.recovering(() => this.hijackOnce(path, opts));
  }

  private async hijackOnce(path: string, opts: { query?: Query; json?: unknown }): Promise<Socket> {
    const headers: Record<string, string> = { 'User-Agent': this.userAgent, Connection: 'Upgrade', Upgrade: 'tcp' };
    if (opts.json !== undefined) headers['Content-Type'] = 'application/json';
    const body = Buffer.from(opts.json === undefined ? '' : JSON.stringify(opts.json));
    let answer;
    try {
      answer = await upgrade(this.socketPath, { method: 'POST', path: this.url(path, opts.query, false), headers, body });
    } catch (err) {
      throw this.connectionError(err) ?? err;
    }
    this.reachable = true;
    const { head, socket } = answer;
    if (head.status === 101) {
      socket.setNoDelay(true);
      return socket;
    }
    const text = await answer.body().finally(() => socket.destroy());
    if (head.status >= 300) throw errorFromResponse(head.status, head.statusText, text);
    throw new BerthError('Internal', 'upgrade_failed', `unable to upgrade to tcp, received ${head.status}`);
  }

  // --- system -------------------------------------------------------------------------------

  /** `GET /_ping` without the unavailability hook (used to detect and await the daemon). */
  async ping(): Promise<PingResult> {
    const { head, body } = await this.exchangeOnce('GET', '/_ping', { unversioned: true });
    await body;
    return { apiVersion: head.headers['api-version'] ?? '', osType: head.headers['ostype'] ?? '' };
  }

  version(): Promise<SystemVersion> {
    return this.json('GET', '/version');
  }

  info(): Promise<SystemInfo> {
    return this.json('GET', '/info');
  }

  /** `GET /events`: newline-delimited EventMessage objects until `until` passes or the caller stops reading. */
  events(opts: { since?: string; until?: string; filters?: Filters } = {}): Promise<http.IncomingMessage> {
    return this.send('GET', '/events', { query: { since: opts.since, until: opts.until, filters: encodeFilters(opts.filters) } });
  }

  // --- containers ---------------------------------------------------------------------------

  containerCreate(body: ContainerCreateRequest, opts: { name?: string; platform?: string } = {}): Promise<ContainerCreateResponse> {
    return this.json('POST', '/containers/create', { query: { name: opts.name, platform: opts.platform }, json: body });
  }

  containerInspect(id: string, opts: { size?: boolean } = {}): Promise<ContainerInspect> {
    return this.json('GET', `/containers/${enc(id)}/json`, { query: { size: opts.size } });
  }

  containerList(opts: { all?: boolean; limit?: number; size?: boolean; filters?: Filters } = {}): Promise<ContainerSummary[]> {
    return this.json('GET', '/containers/json', {
      query: {
        all: opts.all,
        limit: opts.limit !== undefined && opts.limit > 0 ? opts.limit : undefined,
        size: opts.size,
        filters: encodeFilters(opts.filters),
      },
    });
  }

  containerStart(id: string, opts: { detachKeys?: string } = {}): Promise<void> {
    return this.empty('POST', `/containers/${enc(id)}/start`, { query: { detachKeys: opts.detachKeys } });
  }

  containerStop(id: string, opts: { timeout?: number; signal?: string } = {}): Promise<void> {
    return this.empty('POST', `/containers/${enc(id)}/stop`, { query: { t: opts.timeout, signal: opts.signal } });
  }

  containerRestart(id: string, opts: { timeout?: number; signal?: string } = {}): Promise<void> {
    return this.empty('POST', `/containers/${enc(id)}/restart`, { query: { t: opts.timeout, signal: opts.signal } });
  }

  containerKill(id: string, signal?: string): Promise<void> {
    return this.empty('POST', `/containers/${enc(id)}/kill`, { query: { signal } });
  }

  containerPause(id: string): Promise<void> {
    return this.empty('POST', `/containers/${enc(id)}/pause`);
  }

  containerUnpause(id: string): Promise<void> {
    return this.empty('POST', `/containers/${enc(id)}/unpause`);
  }

  containerRemove(id: string, opts: { force?: boolean; volumes?: boolean; link?: boolean } = {}): Promise<void> {
    return this.empty('DELETE', `/containers/${enc(id)}`, { query: { force: opts.force, v: opts.volumes, link: opts.link } });
  }

  containerRename(id: string, name: string): Promise<void> {
    return this.empty('POST', `/containers/${enc(id)}/rename`, { query: { name } });
  }

  containerTop(id: string, psArgs?: string): Promise<ContainerTopResponse> {
    return this.json('GET', `/containers/${enc(id)}/top`, { query: { ps_args: psArgs } });
  }

  containerUpdate(id: string, body: ContainerUpdateRequest): Promise<ContainerUpdateResponse> {
    return this.json('POST', `/containers/${enc(id)}/update`, { json: body });
  }

  /** `GET /containers/{id}/stats`: one StatsResponse per line; one only without `stream`. Destroy the response to stop. */
  containerStats(id: string, opts: { stream: boolean; oneShot?: boolean }): Promise<http.IncomingMessage> {
    // The daemon streams by default, so `stream=0` must be sent, not left out.
    return this.send('GET', `/containers/${enc(id)}/stats`, { query: { stream: opts.stream ? '1' : '0', 'one-shot': opts.oneShot } });
  }

  containerResize(id: string, height: number, width: number): Promise<void> {
    return this.empty('POST', `/containers/${enc(id)}/resize`, { query: { h: height, w: width } });
  }

  /**
   * Arms a wait: resolves once the daemon has sent the response headers (the condition is then
   * registered), so a caller can start the container without racing its exit.
   */
  async containerWait(id: string, condition: WaitCondition = 'not-running'): Promise<WaitHandle> {
    const { body } = await this.request('POST', `/containers/${enc(id)}/wait`, { query: { condition } });
    const result = body.then((b) => parseJson<ContainerWaitResponse>(b));
    // The caller awaits `result` later; until then a failure must not count as unhandled.
    result.catch(() => undefined);
    return { result };
  }

  containerAttach(id: string, opts: AttachOptions): Promise<Socket> {
    return this.hijack(`/containers/${enc(id)}/attach`, {
      query: {
        stream: opts.stream,
        stdin: opts.stdin,
        stdout: opts.stdout,
        stderr: opts.stderr,
        logs: opts.logs,
        detachKeys: opts.detachKeys,
      },
    });
  }

  /** The raw logs stream: multiplexed frames unless the container has a TTY. */
  containerLogs(id: string, opts: LogsOptions): Promise<http.IncomingMessage> {
    return this.send('GET', `/containers/${enc(id)}/logs`, {
      query: {
        follow: opts.follow,
        stdout: opts.stdout,
        stderr: opts.stderr,
        since: opts.since,
        until: opts.until,
        timestamps: opts.timestamps,
        tail: opts.tail,
        details: opts.details,
      },
    });
  }

  // --- exec ---------------------------------------------------------------------------------

  execCreate(containerId: string, body: ExecCreateRequest): Promise<ExecCreateResponse> {
    return this.json('POST', `/containers/${enc(containerId)}/exec`, { json: body });
  }

  /** Starts an attached exec and returns the hijacked socket. */
  execStartAttached(execId: string, body: ExecStartRequest): Promise<Socket> {
    return this.hijack(`/exec/${enc(execId)}/start`, { json: { ...body, Detach: false } });
  }

  execStartDetached(execId: string, body: ExecStartRequest = {}): Promise<void> {
    return this.empty('POST', `/exec/${enc(execId)}/start`, { json: { ...body, Detach: true } });
  }

  execInspect(execId: string): Promise<ExecInspect> {
    return this.json('GET', `/exec/${enc(execId)}/json`);
  }

  execResize(execId: string, height: number, width: number): Promise<void> {
    return this.empty('POST', `/exec/${enc(execId)}/resize`, { query: { h: height, w: width } });
  }

  // --- images -------------------------------------------------------------------------------

  imageList(opts: { all?: boolean; digests?: boolean; filters?: Filters } = {}): Promise<ImageSummary[]> {
    return this.json('GET', '/images/json', {
      query: { all: opts.all, digests: opts.digests, filters: encodeFilters(opts.filters) },
    });
  }

  // Image names keep their `/` and `:` in the path (the daemon matches greedily), so only
  // characters that would break the URL are escaped.
  imageInspect(name: string): Promise<ImageInspect> {
    return this.json('GET', `/images/${encodeURI(name)}/json`);
  }

  imageHistory(name: string): Promise<HistoryItem[]> {
    return this.json('GET', `/images/${encodeURI(name)}/history`);
  }

  imageTag(source: string, repo: string, tag?: string): Promise<void> {
    return this.empty('POST', `/images/${encodeURI(source)}/tag`, { query: { repo, tag } });
  }

  imageRemove(name: string, opts: { force?: boolean; noprune?: boolean } = {}): Promise<ImageDeleteResponseItem[]> {
    return this.json('DELETE', `/images/${encodeURI(name)}`, { query: { force: opts.force, noprune: opts.noprune } });
  }

  /**
   * `POST /images/create` for an import (`fromSrc=-` with `body`, or a URL). Resolves with the
   * JSON-lines progress stream once the daemon accepted the request. (A pull goes through `stream`.)
   */
  imageCreate(query: Query, opts: { body?: Readable | Buffer } = {}): Promise<http.IncomingMessage> {
    const headers: Record<string, string> = {};
    if (opts.body !== undefined) headers['Content-Type'] = 'application/x-tar';
    return this.send('POST', '/images/create', { query, headers, ...(opts.body !== undefined ? { body: opts.body } : {}) });
  }
}

import { readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { Readable } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import type { Dispatcher } from 'undici';
import { BerthError, errorMessage, type ErrorKind } from '../lib/errors.js';
import { parseAuthChallenge, type AuthChallenge } from './auth-challenge.js';
import type { BlobGet } from './blob-body.js';
import type { RegistryTls } from './registry-tls.js';

/** Credentials as the Engine API carries them (X-Registry-Auth, POST /auth). */
export interface RegistryCredentials {
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

export interface RegistryClientOptions {
  /** `127.0.0.1:5000`, `registry.example.com`. */
  host: string;
  credentials?: RegistryCredentials;
  /**
   * Docker's insecure registries: https without certificate checks, then plain http when https
   * does not answer.
   */
  insecure: boolean;
  /** CAs to trust besides the system's, and a client certificate (certs.d). */
  tls?: RegistryTls;
  /** Where that material is read from, for the hint when a certificate is not trusted. */
  certsDir?: string;
}

export interface RequestInit {
  method?: string;
  headers?: Record<string, string>;
  /**
   * Replayable bodies only (a 401 retries the request once with a fresh token). An iterable's next
   * chunk is asked for once the previous one is written out.
   */
  body?: Buffer | (() => Readable | AsyncIterable<Buffer>);
  /** `repository:<path>:pull` or `…:pull,push`. */
  scope?: string;
}

const DOCKER_HUB_API = 'registry-1.docker.io';

/** Registries redirect blob reads to their storage (S3, a CDN); Docker follows up to 10. */
const MAX_REDIRECTIONS = 10;

/**
 * A response's headers as undici gives them (by lower-case name), read as fetch's `Headers` reads:
 * a repeated header's values joined with ", ". Not `Headers` itself, whose first use loads Node's
 * own copy of undici's fetch (~40 ms of the daemon's first registry contact).
 */
class ResponseHeaders {
  constructor(private readonly raw: Record<string, string | string[] | undefined>) {}

  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }
}

/**
 * A registry's answer, over undici's `request`: its body is a Node stream, which moves a layer at
 * about twice the speed of fetch's web stream. The caller reads or discards the body.
 */
export class RegistryResponse {
  readonly headers: ResponseHeaders;

  constructor(
    readonly status: number,
    rawHeaders: Record<string, string | string[] | undefined>,
    readonly body: Readable,
  ) {
    this.headers = new ResponseHeaders(rawHeaders);
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get statusText(): string {
    return STATUS_CODES[this.status] ?? '';
  }

  async bytes(): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of this.body) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  async text(): Promise<string> {
    return (await this.bytes()).toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  /** Reads the rest of the body away, so the connection can serve the next request. */
  async drain(): Promise<void> {
    try {
      for await (const _ of this.body);
    } catch {
      // A body cut short only costs the connection.
    }
  }
}

/** The registry's error envelope, `{"errors":[{code,message,detail}]}`, as Docker prints it: `manifest unknown: manifest unknown`. */
export async function registryErrorText(res: RegistryResponse): Promise<{ code: string; text: string }> {
  const body = await res.text().catch(() => '');
  try {
    const parsed = JSON.parse(body) as { errors?: { code?: string; message?: string }[] };
    const first = parsed.errors?.[0];
    if (first?.code !== undefined) {
      const code = first.code.toLowerCase().replace(/_/g, ' ');
      return { code: first.code, text: `${code}: ${first.message ?? code}` };
    }
  } catch {
    // Not JSON: fall back to the status line.
  }
  return { code: '', text: `${res.status} ${res.statusText}`.trim() };
}

export function kindOfStatus(status: number): ErrorKind {
  if (status === 401) return 'Unauthorized';
  if (status === 403) return 'Forbidden';
  if (status === 404) return 'NotFound';
  if (status >= 400 && status < 500) return 'InvalidArgument';
  return 'Unavailable';
}

/**
 * The parts of undici a registry needs, loaded by their own paths: its index also loads fetch,
 * WebSocket, caches, mocks and proxies (~50 ms more of the daemon's first registry contact).
 */
interface UndiciParts {
  Agent: typeof import('undici').Agent;
  request: typeof import('undici/lib/api/api-request.js').default;
  redirect: typeof import('undici').interceptors.redirect;
}
/** What TLS to registries needs, none of which an idle daemon does. */
interface Transport {
  undici: UndiciParts;
  /** Node's bundled roots plus those of NODE_EXTRA_CA_CERTS: what a connection trusts by default. */
  defaultCa: readonly string[];
  /** TLS options over `defaultCa`. */
  defaultConnect: ConnectionOptions;
  /** A dispatcher over `defaultCa`. */
  defaultDispatcher: Dispatcher;
}
let transport: Promise<Transport> | undefined;

/**
 * The PEM certificates of NODE_EXTRA_CA_CERTS. berthd's launcher starts it without the variable
 * (Node would parse every root certificate at start-up: ~1.6 MB and ~40 ms of an idle daemon) and
 * puts it back into the environment; they join Node's roots here instead, as Node would add them.
 */
function extraCaCerts(): string[] {
  const file = process.env['NODE_EXTRA_CA_CERTS'];
  if (!file) return [];
  try {
    return readFileSync(file, 'utf8').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  } catch {
    // Node only warns about an unreadable file too.
    return [];
  }
}

/**
 * undici and node:tls (~1.5 MB) load when a registry is first contacted. The bundle turns each of
 * undici's CommonJS modules into a namespace whose `default` is its exports, as Node does.
 */
function loadTransport(): Promise<Transport> {
  transport ??= (async () => {
    const [agent, request, redirect, { rootCertificates }] = await Promise.all([
      import('undici/lib/dispatcher/agent.js'),
      import('undici/lib/api/api-request.js'),
      import('undici/lib/interceptor/redirect.js'),
      import('node:tls'),
    ]);
    const undici: UndiciParts = { Agent: agent.default, request: request.default, redirect: redirect.default };
    const extra = extraCaCerts();
    if (extra.length === 0) return { undici, defaultCa: rootCertificates, defaultConnect: {}, defaultDispatcher: new undici.Agent() };
    const defaultCa = [...rootCertificates, ...extra];
    const defaultConnect = { ca: defaultCa };
    return { undici, defaultCa, defaultConnect, defaultDispatcher: new undici.Agent({ connect: defaultConnect }) };
  })();
  return transport;
}

/**
 * One registry, spoken to over the Docker Registry HTTP API v2 / OCI distribution spec. Finds the
 * scheme (https, then http for insecure registries), answers auth challenges (Basic, or the bearer
 * token flow with tokens cached per scope) and retries a request once after a 401.
 * Credentials go only into Authorization headers, never into errors.
 */
export class RegistryClient {
  private base: string | undefined;
  private probing: Promise<void> | undefined;
  private challenge: AuthChallenge | null | undefined;
  private readonly tokens = new Map<string, string>();

  private dispatcher: Dispatcher | undefined;

  constructor(private readonly opts: RegistryClientOptions) {}

  /** This registry's TLS settings, following redirects. */
  private makeDispatcher(t: Transport): Dispatcher {
    const connect = this.tlsOptions(t);
    const base = connect === t.defaultConnect ? t.defaultDispatcher : new t.undici.Agent({ connect });
    // undici drops Authorization on a redirect to another origin.
    return base.compose(t.undici.redirect({ maxRedirections: MAX_REDIRECTIONS }));
  }

  /** TLS options for this registry's connections. */
  private tlsOptions({ defaultCa, defaultConnect }: Transport): ConnectionOptions {
    const tls = this.opts.tls;
    const cert = tls?.cert ? { cert: tls.cert, key: tls.key } : {};
    // No certificate is checked, so no CA is loaded: building the default root store costs ~50 ms
    // of the daemon's first contact with an insecure (e.g. loopback) registry.
    if (this.opts.insecure) return { rejectUnauthorized: false, ca: [], ...cert };
    // Node's `ca` replaces the default roots: keep them and add the registry's own.
    if (tls) return { ca: [...defaultCa, ...tls.ca], ...cert };
    return defaultConnect;
  }

  /**
   * A GET of `path` (under `/v2/`) as made outside undici (a blob's body read into pooled pieces):
   * its URL, its Authorization header and this registry's TLS options.
   */
  async directGet(path: string, scope: string): Promise<BlobGet> {
    await this.ping();
    const t = await loadTransport();
    const authorization = await this.authorization(scope, false);
    return { url: new URL(`${this.base}/v2/${path}`), headers: authorization ? { Authorization: authorization } : {}, tls: this.tlsOptions(t) };
  }

  /** One HTTP exchange through this registry's TLS settings, following redirects. */
  private async fetch(url: string, init: { method?: string; headers?: Record<string, string>; body?: Buffer | Readable | AsyncIterable<Buffer> }): Promise<RegistryResponse> {
    const t = await loadTransport();
    this.dispatcher ??= this.makeDispatcher(t);
    const { origin, pathname, search } = new URL(url);
    const res = await t.undici.request.call(this.dispatcher, {
      origin,
      path: `${pathname}${search}`,
      method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: init.headers ?? {},
      // undici writes an async iterable chunk by chunk (its types leave it out).
      body: (init.body ?? null) as Buffer | Readable | null,
    });
    return new RegistryResponse(res.statusCode, res.headers, res.body);
  }

  get host(): string {
    return this.opts.host;
  }

  /** `GET /v2/`: finds the scheme and the auth challenge. */
  async ping(): Promise<void> {
    if (this.base !== undefined) return;
    // A push's layers and config all start with a ping: one probe serves them (a failed one is tried again later).
    this.probing ??= this.probe().finally(() => (this.probing = undefined));
    await this.probing;
  }

  private async probe(): Promise<void> {
    const apiHost = this.opts.host === 'docker.io' ? DOCKER_HUB_API : this.opts.host;
    const schemes = this.opts.insecure ? ['https', 'http'] : ['https'];
    let lastError: unknown;
    for (const scheme of schemes) {
      const base = `${scheme}://${apiHost}`;
      let res: RegistryResponse;
      try {
        res = await this.fetch(`${base}/v2/`, {});
      } catch (e) {
        lastError = e;
        continue;
      }
      await res.drain();
      this.base = base;
      if (res.status === 401) {
        this.challenge = parseAuthChallenge(res.headers.get('www-authenticate') ?? '');
      } else {
        this.challenge = null;
      }
      return;
    }
    const hint = isCertificateError(lastError) && this.opts.certsDir ? ` (to trust the registry's CA, put its certificate in ${this.opts.certsDir}/${this.opts.host}/ca.crt)` : '';
    throw new BerthError('Unavailable', 'registry_unreachable', `Get "${schemes[0]}://${apiHost}/v2/": ${causeText(lastError)}${hint}`, { cause: lastError });
  }

  /** `login`: checks the credentials against the registry's challenge. */
  async checkLogin(): Promise<void> {
    await this.ping();
    const url = `${this.base}/v2/`;
    if (this.challenge === null) return;
    const res = await this.send(url, { scope: '' });
    await res.drain();
    if (res.status === 401 || res.status === 403) {
      throw new BerthError('Unauthorized', 'login_failed', `login attempt to ${url} failed with status: ${res.status} ${res.statusText}`);
    }
  }

  /** Sends `path` (under `/v2/`), authenticating as the registry asks. The caller reads or discards the body. */
  async request(path: string, init: RequestInit = {}): Promise<RegistryResponse> {
    await this.ping();
    return this.send(`${this.base}/v2/${path}`, init);
  }

  /** Absolute URL of a Location header the registry sent (upload sessions). */
  resolveLocation(location: string): string {
    return new URL(location, `${this.base}/v2/`).toString();
  }

  /** Sends to an absolute URL on this registry (an upload's Location). */
  async requestUrl(url: string, init: RequestInit = {}): Promise<RegistryResponse> {
    await this.ping();
    return this.send(url, init);
  }

  private async send(url: string, init: RequestInit): Promise<RegistryResponse> {
    let res = await this.sendOnce(url, init, false);
    if (res.status === 401 && this.challenge?.scheme === 'bearer') {
      await res.drain();
      const fresh = parseAuthChallenge(res.headers.get('www-authenticate') ?? '');
      if (fresh) this.challenge = fresh;
      res = await this.sendOnce(url, init, true);
    }
    return res;
  }

  private async sendOnce(url: string, init: RequestInit, refresh: boolean): Promise<RegistryResponse> {
    const headers: Record<string, string> = { ...init.headers };
    const authorization = await this.authorization(init.scope ?? '', refresh);
    if (authorization) headers['Authorization'] = authorization;
    const body = init.body === undefined ? undefined : Buffer.isBuffer(init.body) ? init.body : init.body();
    try {
      return await this.fetch(url, { method: init.method ?? 'GET', headers, ...(body !== undefined ? { body } : {}) });
    } catch (e) {
      if (body instanceof Readable) body.destroy();
      else if (body !== undefined && !Buffer.isBuffer(body)) await body[Symbol.asyncIterator]().return?.();
      throw new BerthError('Unavailable', 'registry_unreachable', `${init.method ?? 'GET'} "${redactUrl(url)}": ${causeText(e)}`, { cause: e });
    }
  }

  private async authorization(scope: string, refresh: boolean): Promise<string | undefined> {
    const c = this.challenge;
    const creds = this.opts.credentials;
    if (!c) return undefined;
    if (c.scheme === 'basic') {
      if (creds?.username === undefined || creds.username === '') return undefined;
      return `Basic ${Buffer.from(`${creds.username}:${creds.password ?? ''}`).toString('base64')}`;
    }
    if (creds?.registrytoken) return `Bearer ${creds.registrytoken}`;
    const cached = this.tokens.get(scope);
    if (cached !== undefined && !refresh) return `Bearer ${cached}`;
    const token = await this.fetchToken(c, scope);
    this.tokens.set(scope, token);
    return `Bearer ${token}`;
  }

  private async fetchToken(c: AuthChallenge, scope: string): Promise<string> {
    const realm = c.params['realm'];
    if (!realm) throw new BerthError('Unauthorized', 'bad_challenge', 'unauthorized: the registry sent a bearer challenge without a realm');
    const url = new URL(realm);
    if (c.params['service']) url.searchParams.set('service', c.params['service']);
    for (const one of scope.split(' ').filter(Boolean)) url.searchParams.append('scope', one);
    const creds = this.opts.credentials;
    const headers: Record<string, string> = {};
    if (creds?.username) headers['Authorization'] = `Basic ${Buffer.from(`${creds.username}:${creds.password ?? ''}`).toString('base64')}`;
    let res: RegistryResponse;
    try {
      res = await this.fetch(url.toString(), { headers });
    } catch (e) {
      throw new BerthError('Unavailable', 'token_unreachable', `Get "${url.origin}${url.pathname}": ${causeText(e)}`, { cause: e });
    }
    if (!res.ok) {
      const { text } = await registryErrorText(res);
      throw new BerthError(kindOfStatus(res.status) === 'NotFound' ? 'Unauthorized' : kindOfStatus(res.status), 'token_refused', `unauthorized: ${text}`);
    }
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new BerthError('Unauthorized', 'token_missing', 'unauthorized: the token server answered without a token');
    return token;
  }
}

function redactUrl(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  u.search = '';
  return u.toString();
}

/** Node's codes for a server certificate that does not verify. */
const CERTIFICATE_ERRORS = /^(UNABLE_TO_|SELF_SIGNED_CERT|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_|ERR_TLS_CERT_ALTNAME_INVALID)/;

/** The system's error under a transport error (fetch wraps it in `cause`, undici's request does not). */
function rootCause(e: unknown): { code?: string; message?: string; hostname?: string } | undefined {
  const err = e as { cause?: object; code?: string } | undefined;
  return (err?.cause ?? err) as ReturnType<typeof rootCause>;
}

function isCertificateError(e: unknown): boolean {
  return CERTIFICATE_ERRORS.test(rootCause(e)?.code ?? '');
}

function causeText(e: unknown): string {
  const cause = rootCause(e);
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (isCertificateError(e)) return `tls: failed to verify certificate: ${cause?.message ?? cause?.code ?? ''}`;
  if (cause?.code === 'ENOTFOUND') return `dial tcp: lookup ${cause.hostname ?? ''}: no such host`;
  if (cause?.message) return cause.message;
  return errorMessage(e);
}

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, sign, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway Docker registry (Debian's docker-registry, distribution 2.8) on 127.0.0.1. */
export interface TestRegistry {
  /** `127.0.0.1:<port>`, as image references name it. */
  host: string;
  /** The registry's storage root (`docker/registry/v2/…` under it). */
  storage: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A bearer token issuer of the tests' own (the registry's `auth: token` mode). */
export interface TokenServer {
  /** Every token request, in order: the scope asked for and the user ('' when anonymous). */
  requests: { scope: string; user: string }[];
}

const SERVICE = 'berth-test-registry';
const ISSUER = 'berth-test-issuer';

/**
 * Issues RS256 JWTs the registry trusts through `rootcertbundle` (the certificate travels in the
 * token's x5c header). The user with the right password gets what they ask for; anyone else nothing.
 */
async function startTokenServer(dir: string, user: { user: string; password: string }): Promise<{ realm: string; cert: string; server: Server; state: TokenServer }> {
  const key = join(dir, 'token.key');
  const cert = join(dir, 'token.crt');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=berth-test-token'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  const keyPem = readFileSync(key);
  const x5c = new X509Certificate(readFileSync(cert)).raw.toString('base64');
  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const state: TokenServer = { requests: [] };
  const server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    const scope = url.searchParams.getAll('scope').join(' ');
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    const [name = '', ...rest] = basic ? Buffer.from(basic[1] ?? '', 'base64').toString('utf8').split(':') : [];
    state.requests.push({ scope, user: name });
    if (basic && (name !== user.user || rest.join(':') !== user.password)) {
      res.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ details: 'wrong username or password' }));
      return;
    }
    const granted = basic ? scope.split(' ').filter(Boolean).map((s) => {
      const [type = '', repo = '', actions = ''] = s.split(':');
      return { type, name: repo, actions: actions.split(',') };
    }) : [];
    const now = Math.floor(Date.now() / 1000);
    const head = b64({ typ: 'JWT', alg: 'RS256', x5c: [x5c] });
    const claims = b64({ iss: ISSUER, sub: name, aud: SERVICE, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access: granted });
    const token = `${head}.${claims}.${sign('sha256', Buffer.from(`${head}.${claims}`), keyPem).toString('base64url')}`;
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token, access_token: token, expires_in: 300 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return { realm: `http://127.0.0.1:${port}/token`, cert, server, state };
}

/**
 * Starts a registry; with `basicAuth`, behind htpasswd (bcrypt, made by apache2-utils' htpasswd);
 * with `tokenAuth`, behind a token server of the tests (its requests are in `tokens`).
 */
export async function startRegistry(
  opts: { basicAuth?: { user: string; password: string }; tokenAuth?: { user: string; password: string } } = {},
): Promise<TestRegistry & { tokens?: TokenServer }> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-registry-'));
  const port = await freePort();
  const storage = join(dir, 'data');
  let auth = '';
  let tokenServer: Server | undefined;
  let tokens: TokenServer | undefined;
  if (opts.tokenAuth) {
    const t = await startTokenServer(dir, opts.tokenAuth);
    tokenServer = t.server;
    tokens = t.state;
    auth = `auth:\n  token:\n    realm: ${t.realm}\n    service: ${SERVICE}\n    issuer: ${ISSUER}\n    rootcertbundle: ${t.cert}\n`;
  }
  if (opts.basicAuth) {
    const h = spawnSync('htpasswd', ['-Bbn', opts.basicAuth.user, opts.basicAuth.password], { encoding: 'utf8' });
    if (h.status !== 0) throw new Error(`htpasswd failed: ${h.stderr}`);
    writeFileSync(join(dir, 'htpasswd'), h.stdout);
    auth = `auth:\n  htpasswd:\n    realm: basic-realm\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${storage}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n${auth}`,
  );
  const child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (b: Buffer) => (log += b.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    tokenServer?.closeAllConnections();
    await new Promise<void>((resolve) => (tokenServer ? tokenServer.close(() => resolve()) : resolve()));
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v2/`);
      await res.arrayBuffer();
      return { host: `127.0.0.1:${port}`, storage, stop, ...(tokens ? { tokens } : {}) };
    } catch {
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await stop();
  throw new Error(`docker-registry did not start: ${log}`);
}

/** The file a filesystem-driver registry keeps a blob's bytes in. */
export function registryBlobPath(reg: TestRegistry, digest: string): string {
  const hex = digest.replace(/^sha256:/, '');
  return join(reg.storage, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
}

/** A proxy in front of a registry that logs requests and misbehaves on demand. */
export interface RegistryProxy {
  /** `127.0.0.1:<port>`: reference images through it. */
  host: string;
  /** Every request, as `METHOD[ Content-Range][ ?digest]`. */
  log: string[];
  stop(): Promise<void>;
}

/**
 * Forwards to `reg`; `dropPatch(n)` closes the n-th PATCH's connection (1-based) before the
 * registry sees it, `minChunk` is advertised as OCI-Chunk-Min-Length when an upload starts,
 * `refuseMonolithic` answers a blob PUT that carries bytes with 405, as registries that want chunks
 * (`failMonolithic`: with 400, a plain failure), a PUT that closes an upload without bytes waits
 * for `beforeClose(digest)`, and a blob GET for `beforeBlob(digest)`.
 */
export async function startRegistryProxy(
  reg: TestRegistry,
  opts: {
    dropPatch?: (n: number) => boolean;
    minChunk?: number;
    refuseMonolithic?: boolean;
    failMonolithic?: boolean;
    beforeClose?: (digest: string) => Promise<void>;
    beforeBlob?: (digest: string) => Promise<void>;
  } = {},
): Promise<RegistryProxy> {
  const [upHost = '', upPort = ''] = reg.host.split(':');
  const log: string[] = [];
  let patches = 0;
  const server = createHttpServer((req, res) => {
    const range = req.headers['content-range'];
    log.push(`${req.method}${range ? ` ${range}` : ''}${/[?&]digest=/.test(req.url ?? '') ? ' ?digest' : ''}`);
    if (req.method === 'PATCH' && opts.dropPatch?.(++patches)) {
      req.socket.destroy();
      return;
    }
    if (req.method === 'PUT' && (opts.refuseMonolithic || opts.failMonolithic) && (req.url ?? '').includes('/blobs/uploads/') && Number(req.headers['content-length'] ?? '0') > 0) {
      req.resume();
      req.once('end', () => res.writeHead(opts.refuseMonolithic ? 405 : 400).end());
      return;
    }
    const closing = /[?&]digest=([^&]+)/.exec(req.url ?? '');
    if (req.method === 'PUT' && closing && opts.beforeClose && Number(req.headers['content-length'] ?? '0') === 0) {
      req.pause();
      void opts.beforeClose(decodeURIComponent(closing[1]!)).then(() => forward(req, res));
      return;
    }
    const blob = /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(req.url ?? '');
    if (req.method === 'GET' && blob && opts.beforeBlob) {
      void opts.beforeBlob(blob[1]!).then(() => forward(req, res));
      return;
    }
    forward(req, res);
  });
  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const up = httpRequest({ host: upHost, port: Number(upPort), method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      const headers = { ...upRes.headers };
      if (req.method === 'POST' && upRes.statusCode === 202 && opts.minChunk) headers['oci-chunk-min-length'] = String(opts.minChunk);
      res.writeHead(upRes.statusCode ?? 502, headers);
      upRes.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    log,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

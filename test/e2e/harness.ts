/**
 * End-to-end test harness: drives the real berthd through the berth CLI, the docker CLI and raw
 * API requests. scripts/test.sh starts one shared daemon for the suite (BERTH_TEST_HOST); tests
 * that must kill or restart a daemon start a private one with `startPrivateDaemon`.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** The berth executable as installed: the launcher script in the bundle. */
export const BERTH_BIN = join(PROJECT_ROOT, 'dist/bundle/berth');
export const DOCKER_BIN = '/usr/local/bin/docker';
export const SHARED_HOST = process.env['BERTH_TEST_HOST'] ?? 'unix:///run/berth-test/berth.sock';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string | Buffer;
  env?: Record<string, string>;
  timeoutMs?: number;
  host?: string;
}

export function runCommand(file: string, args: readonly string[], opts: RunOptions & { baseEnv?: Record<string, string> } = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, {
      env: { ...process.env, ...opts.baseEnv, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        code: code ?? (signal ? 128 + 9 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.end(opts.input);
  });
}

export function berth(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return runCommand(BERTH_BIN, args, { ...opts, baseEnv: { BERTH_HOST: opts.host ?? SHARED_HOST, DOCKER_HOST: '' } });
}

/**
 * Runs the berth CLI's entry with node, as the launcher does, and returns the built-in modules the
 * process loaded (process.moduleLoadList, printed by a preload as it exits) besides its result.
 */
export async function berthCliModules(args: readonly string[]): Promise<RunResult & { modules: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-cli-modules-'));
  try {
    const preload = join(dir, 'print-modules.cjs');
    writeFileSync(preload, "process.on('exit', () => process.stderr.write(`MODULES ${process.moduleLoadList.join(',')}\\n`));\n");
    const r = await runCommand(process.execPath, ['--require', preload, join(dirname(BERTH_BIN), 'berth-cli.cjs'), ...args], { env: { BERTH_HOST: SHARED_HOST } });
    return { ...r, modules: /MODULES (.*)/.exec(r.stderr)?.[1]?.split(',') ?? [] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function docker(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return runCommand(DOCKER_BIN, args, { ...opts, baseEnv: { DOCKER_HOST: opts.host ?? SHARED_HOST, DOCKER_CLI_HINTS: 'false' } });
}

/** The two clients every scenario runs through: the berth CLI and the docker CLI 28.2. */
export const CLIENTS = [
  { name: 'berth', run: berth },
  { name: 'docker', run: docker },
] as const;

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** A raw Engine API request over the socket; resolves with status, headers and body. */
export function api(
  method: string,
  path: string,
  body?: unknown,
  host = SHARED_HOST,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string; json: () => unknown }> {
  return new Promise((resolvePromise, reject) => {
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = request(
      {
        socketPath: host.replace(/^unix:\/\//, ''),
        method,
        path,
        headers: data === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text) as unknown });
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

export interface PrivateDaemon {
  host: string;
  dataRoot: string;
  runRoot: string;
  pid: number;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  /** SIGKILL and wait: the crash case. */
  kill(): Promise<void>;
  /** Removes every container (berth rm -f), then the roots. */
  destroy(): Promise<void>;
}

async function waitForSocket(path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(path)) {
      try {
        const r = await api('GET', '/_ping', undefined, `unix://${path}`);
        if (r.status === 200) return;
      } catch {
        // not yet listening
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`berthd did not come up on ${path}`);
}

/** Starts a berthd of the test's own, on its own roots and socket. */
export async function startPrivateDaemon(
  name: string,
  roots?: { dataRoot: string; runRoot: string },
  extraArgs: readonly string[] = [],
  env: Record<string, string> = {},
): Promise<PrivateDaemon> {
  const dataRoot = roots?.dataRoot ?? `/var/lib/berth-test-${name}`;
  const runRoot = roots?.runRoot ?? `/run/berth-test-${name}`;
  await mkdir(runRoot, { recursive: true });
  const socket = join(runRoot, 'berth.sock');
  const child = spawn(BERTH_BIN, ['daemon', '--data-root', dataRoot, '--exec-root', runRoot, ...extraArgs], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  let log = '';
  child.stderr.on('data', (b: Buffer) => (log += b.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    await waitForSocket(socket, 15_000);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\n${log}`);
  }
  const host = `unix://${socket}`;
  const d: PrivateDaemon = {
    host,
    dataRoot,
    runRoot,
    pid: child.pid ?? 0,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    destroy: async () => {
      const ids = (await berth(['ps', '-aq'], { host })).stdout.split('\n').filter(Boolean);
      if (ids.length) await berth(['rm', '-f', ...ids], { host });
      await d.stop();
      await rm(dataRoot, { recursive: true, force: true });
      await rm(runRoot, { recursive: true, force: true });
    },
  };
  return d;
}

/** Makes the busybox image in a daemon with the project's own script. */
export async function makeBusybox(host: string, tag = 'busybox:latest'): Promise<void> {
  const r = await runCommand('bash', [join(PROJECT_ROOT, 'scripts/make-busybox-image.sh'), tag], {
    env: { BERTH: BERTH_BIN, BERTH_HOST: host, DOCKER_HOST: '' },
  });
  if (r.code !== 0) throw new Error(`make-busybox-image.sh failed: ${r.stderr}`);
}

/** A daemon's read-only runtime binaries (`<exec root>/bin/<runtime>`): its own while it runs. */
const RUNTIME_COPY_RE = /\/bin\/(crun|runc)$/;

/**
 * Mount points under a path: what a test must not leave behind. The daemons' runtime binaries are
 * not counted unless `withRuntimeCopies` (runtimes.test checks that they go with their daemon).
 */
export async function mountsUnder(path: string, opts: { withRuntimeCopies?: boolean } = {}): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  return info
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    // `path` itself and what is below it: /run/berth-test-x is not under /run/berth-test.
    .filter((m) => m === path || m.startsWith(`${path.replace(/\/+$/, '')}/`))
    .filter((m) => opts.withRuntimeCopies === true || !RUNTIME_COPY_RE.test(m));
}

/** Polls `check` every 50 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A port the kernel says is free now (bound and released at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** HTTP GET from the host: the status code, or the error code (ECONNREFUSED…) when nothing answers. */
export function httpGet(host: string, port: number): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: '/', timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    req.end();
  });
}

import { spawn } from 'node:child_process';
import { constants as osConstants, tmpdir } from 'node:os';
import { cp, mkdir, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BerthError, conflict, errorMessage, invalidArgument, notFound } from '../../lib/errors.js';
import type { LinuxResources } from '../spec/types.js';
import { minimalSpec } from './minimal-spec.js';

export type RuntimeName = 'crun' | 'runc';

export interface OciRuntimeConfig {
  name: RuntimeName;
  /** Absolute path of the runtime binary. */
  path: string;
  /** The runtime's `--root` state directory; berth gives each runtime its own (e.g. /run/berth/runtime/runc). */
  root: string;
  /**
   * What creates containers (`create`, `run`) when that differs from `path`: a wrapper that
   * adapts the runtime to a host quirk (hybrid-cgroup.ts). Every other command runs `path`.
   */
  createPath?: string;
  /** Variables every invocation of the runtime needs (read-only-binary.ts). */
  env?: Readonly<Record<string, string>>;
}

export type RuntimeStatus = 'created' | 'running' | 'paused' | 'stopped';

export interface RuntimeState {
  status: RuntimeStatus;
  /** Host pid of the container's init process; 0 once stopped. */
  pid: number;
}

export interface RuntimeVersion {
  /** e.g. "1.1.5+ds1" */
  version: string;
  commit?: string;
  /** OCI runtime-spec version the runtime implements. */
  spec?: string;
}

/** Output of one runtime invocation. */
interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Runtime container ids become argv elements and path components: refuse anything that could be an option or escape. */
const RUNTIME_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

function checkId(id: string): void {
  if (!RUNTIME_ID_RE.test(id)) throw invalidArgument('invalid_runtime_id', `invalid container ID for the OCI runtime: "${id}"`);
}

/** Runs `argv` (never through a shell), with `env` added to ours, and collects its output; kills it after `timeoutMs`. */
export function runArgv(argv: string[], opts: { timeoutMs?: number; env?: Readonly<Record<string, string>> } = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}) });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/**
 * Turns a runtime's stderr into one readable line. runc logs through logrus
 * (`time="…" level=error msg="…"`): keep only the unescaped messages; crun prints plain lines.
 */
export function runtimeMessage(stderr: string): string {
  const parts: string[] = [];
  for (const raw of stderr.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const m = /level=(?:error|fatal|warning|panic) msg="((?:[^"\\]|\\.)*)"/.exec(line);
    if (m) {
      try {
        parts.push(JSON.parse(`"${m[1]}"`) as string);
      } catch {
        parts.push(m[1]!);
      }
    } else if (!/^time="[^"]*" level=(?:info|debug)/.test(line)) {
      parts.push(line);
    }
  }
  return dockerWording(parts.join('; '));
}

/**
 * crun words a missing command differently from runc, and prints errno texts capitalised (C's
 * strerror); users, scripts and Docker's clients (exit 127, 126) know runc's words, Go's lower-case.
 */
function dockerWording(message: string): string {
  return message
    .replace(/executable file `([^`]*)` not found(?: in \$PATH)?(?:: No such file or directory)?/, (_m, cmd: string) =>
      cmd.includes('/') ? `exec: "${cmd}": stat ${cmd}: no such file or directory` : `exec: "${cmd}": executable file not found in $PATH`,
    )
    // crun refuses a directory as the command with EPERM where runc (and Docker) say permission denied.
    .replace(/open executable: Operation not permitted/, 'open executable: permission denied')
    .replace(/: (Permission denied|Is a directory|No such file or directory)\b/g, (m) => m.toLowerCase());
}

/**
 * Stable error codes for a failed create/exec, decided from the runtime's own words so the engine
 * never matches message text: Docker's clients turn these into exit codes 127 and 126.
 */
export type RuntimeFailureCode = 'oci_executable_not_found' | 'oci_permission_denied' | 'oci_runtime_error';

export function classifyRuntimeFailure(message: string): RuntimeFailureCode {
  if (/executable file not found|no such file or directory/i.test(message)) return 'oci_executable_not_found';
  if (/permission denied|cannot execute|exec format error/i.test(message)) return 'oci_permission_denied';
  return 'oci_runtime_error';
}

/** A BerthError for a failed create/start/exec: the runtime's message, kind InvalidArgument when the user's command is at fault. */
export function runtimeFailure(op: string, message: string, cause?: unknown): BerthError {
  const code = classifyRuntimeFailure(message);
  const kind = code === 'oci_runtime_error' ? 'Internal' : 'InvalidArgument';
  return new BerthError(kind, code, `OCI runtime ${op} failed: ${message || 'unknown error'}`, { cause });
}

/** Signal name (`SIGKILL`, `KILL`, case-insensitive) or number → number, as Docker's API accepts them. */
export function signalNumber(signal: string | number): number {
  if (typeof signal === 'number' || /^\d+$/.test(signal)) {
    const n = Number(signal);
    if (Number.isInteger(n) && n > 0 && n <= 64) return n;
  } else {
    const name = signal.toUpperCase().replace(/^SIG/, '');
    const n = (osConstants.signals as Record<string, number | undefined>)[`SIG${name}`];
    if (n !== undefined) return n;
  }
  throw invalidArgument('invalid_signal', `Invalid signal: ${signal}`);
}

const STATUS_MAP: Record<string, RuntimeStatus> = {
  created: 'created',
  creating: 'created',
  running: 'running',
  pausing: 'paused',
  paused: 'paused',
  stopped: 'stopped',
};

/**
 * Adapter over an OCI runtime binary (runc or crun). It holds no policy: each method is one
 * runtime invocation with an argv array, `--root` always set so berth's containers live apart from
 * anyone else's. Containers are created by conmon (see conmon.ts), not here.
 *
 * Errors: a container the runtime doesn't know → NotFound `runtime_container_not_found`; any other
 * failure → BerthError whose message is `OCI runtime error: <runtime's message>`.
 */
export class OciRuntime {
  readonly name: RuntimeName;
  readonly path: string;
  readonly root: string;
  readonly createPath: string;
  readonly env: Readonly<Record<string, string>>;

  constructor(config: OciRuntimeConfig) {
    this.name = config.name;
    this.path = config.path;
    this.root = config.root;
    this.createPath = config.createPath ?? config.path;
    this.env = config.env ?? {};
  }

  /** Global options that go before the subcommand; conmon gets them as `--runtime-arg`s. */
  globalArgs(): string[] {
    return [`--root=${this.root}`];
  }

  /** The container's state, or null when the runtime doesn't know it. */
  async state(id: string): Promise<RuntimeState | null> {
    checkId(id);
    const r = await this.invoke(['state', id]);
    if (r.code !== 0) {
      if (!(await this.known(id))) return null;
      throw this.failure('state', r);
    }
    const parsed = JSON.parse(r.stdout) as { status?: string; pid?: number };
    const status = STATUS_MAP[parsed.status ?? ''];
    if (!status) throw new BerthError('Internal', 'oci_runtime_error', `OCI runtime error: unknown container status "${parsed.status}"`);
    return { status, pid: status === 'stopped' ? 0 : (parsed.pid ?? 0) };
  }

  /** Starts a created container (runs the user's process). */
  async start(id: string): Promise<void> {
    checkId(id);
    const r = await this.invoke(['start', id]);
    if (r.code !== 0) {
      if (!(await this.known(id))) throw this.notFound(id);
      throw runtimeFailure('start', runtimeMessage(r.stderr));
    }
  }

  /**
   * Sends `signal` to the container's init process, or to all its processes with `all`.
   * A container that is no longer running → Conflict `container_not_running`.
   */
  async kill(id: string, signal: string | number, all = false): Promise<void> {
    checkId(id);
    const sig = String(signalNumber(signal));
    const r = await this.invoke(all ? ['kill', '--all', id, sig] : ['kill', id, sig]);
    if (r.code === 0) return;
    const st = await this.state(id);
    if (!st) throw this.notFound(id);
    if (st.status === 'stopped') throw conflict('container_not_running', `container ${id} is not running`);
    throw this.failure('kill', r);
  }

  async pause(id: string): Promise<void> {
    await this.simple('pause', id);
  }

  async resume(id: string): Promise<void> {
    await this.simple('resume', id);
  }

  /** IDs of the containers the runtime holds state for (container IDs only: not a probe's). */
  async list(): Promise<string[]> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    return names.filter((n) => /^[0-9a-f]{64}$/.test(n));
  }

  /** Deletes the runtime's record (and with `force`, kills a running container first). Unknown ids are fine. */
  async delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    checkId(id);
    const r = await this.invoke(opts.force ? ['delete', '--force', id] : ['delete', id]);
    if (r.code !== 0 && (await this.known(id))) throw this.failure('delete', r);
  }

  /**
   * Changes a live container's cgroup limits (`update --resources FILE`); the kernel's refusal
   * comes back in the error. A file, not `-`: crun opens /dev/stdin, which fails on Node's
   * socketpair stdio.
   */
  async update(id: string, resources: LinuxResources): Promise<void> {
    checkId(id);
    const file = join(tmpdir(), `berth-update-${id}-${randomBytes(4).toString('hex')}.json`);
    await writeFile(file, JSON.stringify(resources), { mode: 0o600, flag: 'wx' });
    const r = await runArgv([this.path, ...this.globalArgs(), 'update', '--resources', file, id], { env: this.env }).finally(() => rm(file, { force: true }));
    if (r.code !== 0) {
      if (!(await this.known(id))) throw this.notFound(id);
      throw this.failure('update', r);
    }
  }

  /** Host pids of all processes in the container (for `top`). */
  async ps(id: string): Promise<number[]> {
    checkId(id);
    const r = await this.invoke(['ps', '--format', 'json', id]);
    if (r.code !== 0) {
      if (!(await this.known(id))) throw this.notFound(id);
      throw this.failure('ps', r);
    }
    const pids: unknown = JSON.parse(r.stdout.trim() || '[]');
    if (!Array.isArray(pids) || !pids.every((p) => Number.isInteger(p))) {
      throw new BerthError('Internal', 'oci_runtime_error', `OCI runtime error: unexpected ps output: ${r.stdout.slice(0, 200)}`);
    }
    return pids as number[];
  }

  async version(): Promise<RuntimeVersion> {
    const r = await runArgv([this.path, '--version'], { env: this.env });
    if (r.code !== 0) throw this.failure('version', r);
    const version = /version\s+(\S+)/.exec(r.stdout)?.[1] ?? r.stdout.trim().split('\n')[0] ?? '';
    const commit = /^commit:\s*(\S+)/m.exec(r.stdout)?.[1];
    const spec = /^spec:\s*(\S+)/m.exec(r.stdout)?.[1];
    return { version, ...(commit ? { commit } : {}), ...(spec ? { spec } : {}) };
  }

  private async simple(op: 'pause' | 'resume', id: string): Promise<void> {
    checkId(id);
    const r = await this.invoke([op, id]);
    if (r.code !== 0) {
      if (!(await this.known(id))) throw this.notFound(id);
      throw this.failure(op, r);
    }
  }

  private invoke(args: string[]): Promise<RunResult> {
    return runArgv([this.path, ...this.globalArgs(), ...args], { env: this.env });
  }

  /** Both runc and crun keep one directory per container under --root; its absence is the reliable "unknown". */
  private async known(id: string): Promise<boolean> {
    try {
      await stat(join(this.root, id));
      return true;
    } catch {
      return false;
    }
  }

  private notFound(id: string): BerthError {
    return notFound('runtime_container_not_found', `container ${id} not found in OCI runtime ${this.name}`);
  }

  private failure(op: string, r: RunResult): BerthError {
    const msg = runtimeMessage(r.stderr) || `${this.name} ${op} exited with status ${r.code}`;
    return new BerthError('Internal', 'oci_runtime_error', `OCI runtime error: ${msg}`);
  }
}

export type ProbeResult = { ok: true } | { ok: false; reason: string };

/**
 * Runs a trivial container (a rootfs holding only the host's static busybox, running `true`) with
 * `rt` and removes it again, so the daemon can pick a runtime that actually works on this host
 * (crun 1.8 refuses cgroup v1/v2 hybrid hosts, for instance). The removal goes through `path`, so
 * a `createPath` wrapper is checked to leave a record the plain runtime can handle. Uses a scratch dir under `workDir`,
 * removed afterwards; never throws.
 */
export async function probeRuntime(rt: OciRuntime, workDir: string, busybox = '/bin/busybox'): Promise<ProbeResult> {
  const id = `berth-probe-${randomBytes(6).toString('hex')}`;
  const dir = join(workDir, id);
  try {
    await mkdir(join(dir, 'rootfs', 'bin'), { recursive: true });
    await cp(busybox, join(dir, 'rootfs', 'bin', 'busybox'));
    await symlink('busybox', join(dir, 'rootfs', 'bin', 'true'));
    await writeFile(join(dir, 'config.json'), JSON.stringify(minimalSpec({ args: ['/bin/true'] })));
    const r = await runArgv([rt.createPath, ...rt.globalArgs(), 'run', '--bundle', dir, id], { timeoutMs: 15_000, env: rt.env });
    if (r.code !== 0) return { ok: false, reason: runtimeMessage(r.stderr) || `${rt.name} run exited with status ${r.code}` };
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: errorMessage(e) };
  } finally {
    await rt.delete(id, { force: true }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import { constants as fsConstants, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { BerthError, errorMessage } from '../../lib/errors.js';
import { attach, type AttachConnection } from './attach.js';
import { readExitFile } from './exit-file.js';
import { runtimeFailure, runtimeMessage, type OciRuntime } from './oci-runtime.js';

export { attach, type AttachConnection, type OutputStream } from './attach.js';
export { ExitWatcher, readExitFile } from './exit-file.js';

export const DEFAULT_CONMON_PATH = '/usr/bin/conmon';

/** How long conmon may take to report the runtime's create/exec result. */
const DEFAULT_SYNC_TIMEOUT_MS = 60_000;

/** conmon's children (the runtime) see only this environment; berth never leaks its own. */
const CONMON_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };

/** Files conmon creates in a bundle (or exec) directory given as `-b`. */
export interface MonitorPaths {
  /** SOCK_SEQPACKET attach socket (see attach.ts). */
  attachSocket: string;
  /** Control FIFO: `1 <rows> <cols>\n` resizes the TTY, `2 0 0\n` reopens the log file. */
  ctl: string;
  /** Written by the runtime: the container's (or exec's) host pid. */
  pidFile: string;
  /** Written by conmon: the monitor's own pid. */
  conmonPidFile: string;
}

export function monitorPaths(dir: string): MonitorPaths {
  return {
    attachSocket: join(dir, 'attach'),
    ctl: join(dir, 'ctl'),
    pidFile: join(dir, 'pidfile'),
    conmonPidFile: join(dir, 'conmon.pid'),
  };
}

export interface ConmonLaunchOptions {
  conmonPath?: string;
  runtime: OciRuntime;
  /** Container id: the runtime's id, the exit file's name and the log's identity. */
  id: string;
  name: string;
  /** OCI bundle (config.json + rootfs). conmon also puts attach, ctl, winsz and the pid files here. */
  bundle: string;
  /** Shared directory: conmon writes `<exitDir>/<id>` when the container exits (see ExitWatcher). */
  exitDir: string;
  /** Per-container directory: conmon writes `exit` and, when the kernel OOM-killed it, `oom`. */
  persistDir: string;
  /** k8s-file log (see logs.ts); none kept when undefined (the `none` log driver). */
  logPath: string | undefined;
  /** Rotate (truncate) the log when it would exceed this many bytes. */
  logSizeMax?: number;
  /**
   * The bundle's process.terminal must agree. The TTY exists once launch returns, so a `resize`
   * before start applies; config.json `process.consoleSize` sets it even earlier.
   */
  tty: boolean;
  /** Give the container a stdin pipe (`docker run -i`). With a TTY, stdin always exists. */
  stdin: boolean;
  /**
   * Keep the container's stdin open when an attached client closes its input (Docker's OpenStdin
   * without StdinOnce, e.g. `run -i -d`). Otherwise the first client's EOF closes it (`run -i`).
   * Without effect on a TTY: conmon never closes the TTY because a client ended its input.
   */
  leaveStdinOpen?: boolean;
  timeoutMs?: number;
}

export interface LaunchedContainer {
  /** Host pid of the container's init process (runtime state `created`: call `runtime.start`). */
  pid: number;
  conmonPid: number;
  paths: MonitorPaths;
  /** `<exitDir>/<id>` */
  exitFile: string;
}

/**
 * Creates a container under a new conmon and returns once the runtime's `create` has finished: the
 * container is in state `created`, its attach socket and ctl FIFO exist, and nothing of the user's
 * process has run yet. To lose no output, attach now and `runtime.start(id)` afterwards.
 *
 * conmon is detached (own session, stdio on /dev/null), so container, logs and exit file outlive
 * the daemon. It writes the exit status to `exitFile` and `<persistDir>/exit` once the process
 * has exited and its output is drained and logged. Stale exit/oom/pid files from an earlier run of
 * the same id are removed first.
 *
 * Errors: the runtime's create failure → BerthError `OCI runtime create failed: <runtime message>`
 * with code `oci_executable_not_found` (exit 127 for Docker's CLI) or `oci_permission_denied` (126)
 * when the user's command is at fault, else `oci_runtime_error`; the runtime's record is deleted.
 * Where it surfaces: runc 1.1 resolves the command inside `runc create`, so a missing or
 * non-executable command fails here, never at `start` (verified by this module's tests). crun also
 * looks the command up while creating (not verifiable on hosts where crun can't run); should a
 * runtime report it only at start, `OciRuntime.start` throws the same codes via runtimeFailure.
 */
export async function launchContainer(opts: ConmonLaunchOptions): Promise<LaunchedContainer> {
  return (await prepareMonitor(opts)).create();
}

/** A conmon started ahead of its container's create, waiting on its start pipe (see prepareMonitor). */
export interface PreparedMonitor {
  /** Lets conmon run the runtime's `create`; the rest as launchContainer. Call once, when the bundle is complete. */
  create(): Promise<LaunchedContainer>;
  /** Ends the waiting conmon instead (it has forked nothing yet): the start failed before its create. */
  abandon(): Promise<void>;
}

/**
 * Starts conmon for the container and leaves it waiting on its start pipe (the pipe podman holds
 * it on while it picks conmon's cgroup), so that conmon's own start-up (process, libraries, options,
 * log file) overlaps the caller's preparation of the bundle: the rootfs mount, the network, config.json.
 */
export async function prepareMonitor(opts: ConmonLaunchOptions): Promise<PreparedMonitor> {
  const paths = monitorPaths(opts.bundle);
  const exitFile = join(opts.exitDir, opts.id);
  // At once, not through the thread pool: the start waits for conmon, and these are a few
  // directory operations on the exec root's tmpfs, quicker than a turn on the pool.
  mkdirSync(opts.exitDir, { recursive: true });
  mkdirSync(opts.persistDir, { recursive: true });
  for (const p of [exitFile, join(opts.persistDir, 'exit'), join(opts.persistDir, 'oom'), paths.pidFile, paths.conmonPidFile]) rmSync(p, { force: true });

  const args = [
    // A bare flag in conmon 2.x (podman's trailing "1" is parsed as an ignored positional).
    '--api-version',
    '-c', opts.id,
    '-u', opts.id,
    '-n', opts.name,
    '-r', opts.runtime.createPath,
    ...opts.runtime.globalArgs().flatMap((a) => ['--runtime-arg', a]),
    '-b', opts.bundle,
    '-p', paths.pidFile,
    '--conmon-pidfile', paths.conmonPidFile,
    '--exit-dir', opts.exitDir,
    '--persist-dir', opts.persistDir,
    // The socket lives in the bundle; we connect through /proc/self/fd, so long paths are fine.
    '--full-attach',
    '-l', opts.logPath === undefined ? 'none' : `k8s-file:${opts.logPath}`,
    '--log-level', 'warn',
  ];
  if (opts.logSizeMax !== undefined && opts.logSizeMax > 0) args.push('--log-size-max', String(opts.logSizeMax));
  // As podman: a TTY carries stdin itself; `-i` with `-t` would make conmon close the TTY on detach.
  if (opts.tty) args.push('-t');
  else if (opts.stdin) {
    args.push('-i');
    if (opts.leaveStdinOpen) args.push('--leave-stdin-open');
  }

  const proc = spawnConmon(opts.conmonPath ?? DEFAULT_CONMON_PATH, args, 2, opts.bundle, opts.runtime.env);
  const startPipe = proc.extra[0]!;
  const create = async (): Promise<LaunchedContainer> => {
    // One byte, read by conmon whenever it gets there; a conmon already dead shows on the sync pipe.
    startPipe.end(Buffer.from([0]));
    try {
      const msg = await withTimeout(proc.sync.next(), opts.timeoutMs ?? DEFAULT_SYNC_TIMEOUT_MS, 'container create');
      if (msg === null || msg.data < 0) {
        const detail = msg?.message !== undefined ? runtimeMessage(msg.message) : await conmonFailure(proc);
        await opts.runtime.delete(opts.id, { force: true }).catch(() => undefined);
        throw runtimeFailure('create', detail);
      }
      await proc.exited;
      const conmonPid = await readPid(paths.conmonPidFile);
      return { pid: msg.data, conmonPid, paths, exitFile };
    } catch (e) {
      if (isTimeout(e)) await abandon(proc, paths.conmonPidFile, () => opts.runtime.delete(opts.id, { force: true }));
      throw e;
    } finally {
      proc.sync.close();
      startPipe.destroy();
    }
  };
  const abandonWaiting = async (): Promise<void> => {
    proc.child.kill('SIGKILL');
    await proc.exited;
    proc.sync.close();
    startPipe.destroy();
  };
  return { create, abandon: abandonWaiting };
}

/** The process to run, as an OCI runtime-spec `process` object (written to process.json). */
export interface ExecProcess {
  terminal: boolean;
  args: string[];
  cwd: string;
  env?: string[];
  user?: { uid: number; gid: number; additionalGids?: number[] };
  [key: string]: unknown;
}

export interface ConmonExecOptions {
  conmonPath?: string;
  runtime: OciRuntime;
  containerId: string;
  execId: string;
  /**
   * New directory for this exec (one per exec id): process.json, pid files, attach socket, ctl FIFO and the
   * exit file `<execDir>/exit/<containerId>` (conmon names exit files after the container).
   */
  execDir: string;
  process: ExecProcess;
  /** Give the process a stdin pipe. */
  stdin: boolean;
  /** false = detached (`docker exec -d`): no attach connection. */
  attach: boolean;
  /** Initial TTY size (process.json `consoleSize`, applied by the runtime before the process runs). */
  consoleSize?: { rows: number; cols: number };
  timeoutMs?: number;
}

export interface ExecSession {
  /** Host pid of the exec'd process. */
  pid: number;
  /** Connected before the process started, so it sees all output (absent when detached). */
  attach?: AttachConnection;
  paths: MonitorPaths;
  exitFile: string;
  /**
   * The exit status, as conmon wrote it to the exit file; settles only after that, so a caller that
   * awaits it before closing the client's stream has recorded the code first. -1 if conmon died
   * without writing one. Never rejects.
   */
  exitCode: Promise<number>;
}

/**
 * Runs a process in a running container through conmon's exec mode, as podman does: conmon runs
 * `runtime exec --detach --process process.json`, relays stdio over its attach socket and writes an
 * exit file. Attached: conmon prepares the socket, we connect, then let the runtime start (start
 * pipe), so no output is lost. Errors: the runtime's failure (missing executable…) →
 * `OCI runtime exec failed: …` with the same codes as launchContainer.
 */
export async function execInContainer(opts: ConmonExecOptions): Promise<ExecSession> {
  const paths = monitorPaths(opts.execDir);
  const exitDir = join(opts.execDir, 'exit');
  const exitFile = join(exitDir, opts.containerId);
  const specPath = join(opts.execDir, 'process.json');
  // A new exec's directory: there is no earlier exit file to remove. At once, as prepareMonitor's.
  mkdirSync(exitDir, { recursive: true });
  // The runtime sizes the TTY before the process runs; a ctl resize could only race with it.
  const spec =
    opts.consoleSize && opts.process.terminal
      ? { ...opts.process, consoleSize: { height: opts.consoleSize.rows, width: opts.consoleSize.cols } }
      : opts.process;
  writeFileSync(specPath, JSON.stringify(spec));

  const args = [
    '--api-version',
    '-c', opts.containerId,
    '-u', opts.execId,
    '-r', opts.runtime.path,
    ...opts.runtime.globalArgs().flatMap((a) => ['--runtime-arg', a]),
    '-b', opts.execDir,
    '-p', paths.pidFile,
    '--conmon-pidfile', paths.conmonPidFile,
    '--exit-dir', exitDir,
    '--full-attach',
    '-l', 'none',
    '--log-level', 'warn',
  ];
  if (opts.process.terminal) args.push('-t');
  if (opts.stdin) args.push('-i');
  args.push('-e');
  if (opts.attach) args.push('--exec-attach');
  args.push('--exec-process-spec', specPath);

  const timeoutMs = opts.timeoutMs ?? DEFAULT_SYNC_TIMEOUT_MS;
  const proc = spawnConmon(opts.conmonPath ?? DEFAULT_CONMON_PATH, args, opts.attach ? 3 : 1, opts.execDir, opts.runtime.env);
  let conn: AttachConnection | undefined;
  try {
    if (opts.attach) {
      const [startPipe, attachPipe] = [proc.extra[0]!, new SyncReader(proc.extra[1]!)];
      // conmon reads the start pipe twice: once before it forks, once right before running the
      // runtime. The pipe is a stream, so the second byte goes only after the attach message
      // proves the first was consumed.
      await new Promise<void>((res) => startPipe.write(Buffer.from([0]), () => res()));
      try {
        const ready = await withTimeout(attachPipe.next(), timeoutMs, 'exec attach');
        if (ready === null || ready.data < 0) throw runtimeFailure('exec', ready?.message ?? (await conmonFailure(proc)));
      } finally {
        attachPipe.close();
      }
      conn = await attach(paths.attachSocket, { stdin: opts.stdin });
      await new Promise<void>((res) => startPipe.end(Buffer.from([0]), () => res()));
    }
    const msg = await withTimeout(proc.sync.next(), timeoutMs, 'exec');
    if (msg === null || msg.data < 0) {
      const detail = msg?.message !== undefined ? runtimeMessage(msg.message) : await conmonFailure(proc);
      throw runtimeFailure('exec', detail);
    }
    await proc.exited;
    const exitCode = waitExecExit(proc.sync, exitFile);
    return { pid: msg.data, ...(conn ? { attach: conn } : {}), paths, exitFile, exitCode };
  } catch (e) {
    conn?.close();
    proc.sync.close();
    if (isTimeout(e)) await abandon(proc, paths.conmonPidFile, async () => undefined);
    throw e;
  } finally {
    for (const s of proc.extra) s.destroy();
  }
}

/**
 * conmon reports the exec's exit status on the sync pipe right after writing the exit file, with
 * the same value (128+N for signal N): the file is read only when conmon ended without the message.
 */
async function waitExecExit(sync: SyncReader, exitFile: string): Promise<number> {
  try {
    const msg = await sync.next().catch(() => null);
    if (msg !== null) return msg.data;
    return (await readExitFile(exitFile).catch(() => null)) ?? -1;
  } finally {
    sync.close();
  }
}

/**
 * Asks conmon to resize the TTY through its ctl FIFO (`1 <rows> <cols>\n`). Resolves false without
 * error when nobody reads the FIFO (conmon gone, or no TTY yet created): a resize is best-effort.
 */
export async function resize(ctlPath: string, rows: number, cols: number): Promise<boolean> {
  if (!isDimension(rows) || !isDimension(cols)) {
    throw new BerthError('InvalidArgument', 'invalid_size', `invalid terminal size ${rows}x${cols}`);
  }
  return writeCtl(ctlPath, `1 ${rows} ${cols}\n`);
}

/** Asks conmon to reopen the log file (after the daemon rotated or truncated it). */
export function reopenLog(ctlPath: string): Promise<boolean> {
  return writeCtl(ctlPath, '2 0 0\n');
}

const isDimension = (n: number): boolean => Number.isInteger(n) && n > 0 && n <= 0xffff;

async function writeCtl(ctlPath: string, line: string): Promise<boolean> {
  let fh;
  try {
    // Non-blocking: opening a FIFO for writing without a reader would otherwise block forever.
    fh = await open(ctlPath, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENXIO' || code === 'ENOENT') return false;
    throw e;
  }
  try {
    await fh.write(line);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EAGAIN' || (e as NodeJS.ErrnoException).code === 'EPIPE') return false;
    throw e;
  } finally {
    await fh.close();
  }
}

/** One message conmon sends on a sync/attach pipe (API version 1). */
interface SyncMessage {
  data: number;
  message?: string;
}

/** Reads conmon's newline-delimited JSON messages from a stream socket; `next()` → null at EOF. */
class SyncReader {
  private buf = '';
  private readonly lines: string[] = [];
  private eof = false;
  private waiter: (() => void) | undefined;

  constructor(private readonly sock: Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (s: string) => {
      this.buf += s;
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        this.lines.push(this.buf.slice(0, i));
        this.buf = this.buf.slice(i + 1);
      }
      this.wake();
    });
    const done = (): void => {
      if (this.buf.trim() !== '') this.lines.push(this.buf);
      this.buf = '';
      this.eof = true;
      this.wake();
    };
    sock.on('end', done);
    sock.on('close', done);
    sock.on('error', done);
  }

  async next(): Promise<SyncMessage | null> {
    while (this.lines.length === 0 && !this.eof) await new Promise<void>((r) => (this.waiter = r));
    const line = this.lines.shift();
    if (line === undefined) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (e) {
      throw new BerthError('Internal', 'conmon_protocol', `unexpected message from conmon: ${line.slice(0, 200)}`, { cause: e });
    }
    const o = parsed as { data?: unknown; message?: unknown };
    if (typeof o.data !== 'number') throw new BerthError('Internal', 'conmon_protocol', `unexpected message from conmon: ${line.slice(0, 200)}`);
    return typeof o.message === 'string' ? { data: o.data, message: o.message } : { data: o.data };
  }

  close(): void {
    this.sock.destroy();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
}

interface ConmonProcess {
  child: ChildProcess;
  sync: SyncReader;
  /** Parent ends of fds 4, 5… in the child (start and attach pipes for exec). */
  extra: Socket[];
  /** conmon's own stderr: only early failures (bad options) land here before it detaches. */
  stderr: Promise<string>;
  /** The first conmon process exits as soon as it has forked the monitor; its exit status. */
  exited: Promise<number | null>;
}

/** Spawns conmon with `pipes` socket pairs at fds 3.. announced as _OCI_SYNCPIPE/_OCI_STARTPIPE/_OCI_ATTACHPIPE; the runtime it runs inherits `runtimeEnv`. */
function spawnConmon(conmonPath: string, args: string[], pipes: 1 | 2 | 3, cwd: string, runtimeEnv: Readonly<Record<string, string>>): ConmonProcess {
  const env: Record<string, string> = { ...CONMON_ENV, ...runtimeEnv, _OCI_SYNCPIPE: '3' };
  if (pipes >= 2) env['_OCI_STARTPIPE'] = '4';
  if (pipes === 3) env['_OCI_ATTACHPIPE'] = '5';
  const child = spawn(conmonPath, args, {
    cwd,
    env,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe', ...Array<'pipe'>(pipes).fill('pipe')],
  });
  const sockets = child.stdio.slice(3) as Socket[];
  // A monitor that dies (its container killed during an exec) resets the start and attach pipes;
  // that failure reaches us through the sync pipe, and must not be an unhandled 'error'.
  for (const s of sockets.slice(1)) s.on('error', () => undefined);
  const errChunks: Buffer[] = [];
  child.stderr?.on('data', (b: Buffer) => errChunks.push(b));
  // 'exit', not 'close': the monitor keeps our pipes open long after this first process is gone.
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (e) => {
      errChunks.push(Buffer.from(errorMessage(e)));
      resolve(null);
    });
    child.on('exit', (code) => resolve(code));
  });
  // The monitor points its stderr at /dev/null right after forking, so this ends promptly.
  const stderrDone = new Promise<void>((resolve) => {
    if (!child.stderr) resolve();
    child.stderr?.on('close', () => resolve());
    child.stderr?.on('error', () => resolve());
  });
  const stderr = Promise.all([exited, stderrDone]).then(() => Buffer.concat(errChunks).toString('utf8').trim());
  return { child, sync: new SyncReader(sockets[0]!), extra: sockets.slice(1), stderr, exited };
}

/** When conmon closed the sync pipe without a message: explain with its stderr and exit status. */
async function conmonFailure(proc: ConmonProcess): Promise<string> {
  const code = await proc.exited;
  const err = await proc.stderr;
  return err || `conmon exited (status ${code}) without reporting a result`;
}

async function readPid(path: string): Promise<number> {
  const n = Number((await readFile(path, 'utf8')).trim());
  if (!Number.isInteger(n) || n <= 0) throw new BerthError('Internal', 'conmon_pidfile', `bad pid in ${path}`);
  return n;
}

class TimeoutError extends BerthError {}
const isTimeout = (e: unknown): boolean => e instanceof TimeoutError;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError('Unavailable', 'conmon_timeout', `${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** After a timeout: stop the monitor we started and let the caller clean the runtime's record. */
async function abandon(proc: ConmonProcess, conmonPidFile: string, cleanup: () => Promise<void>): Promise<void> {
  proc.child.kill('SIGKILL');
  const pid = await readPid(conmonPidFile).catch(() => 0);
  if (pid > 0) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await cleanup().catch(() => undefined);
}

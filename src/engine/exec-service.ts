import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { conflict, errorMessage, notFound } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { newExecId, type ContainerId, type ExecId } from '../oci/ids.js';
import type { CgroupMoveWarmer } from '../runtime/cgroup-move-warmer.js';
import { execInContainer, resize as resizeTty, type ExecProcess } from '../runtime/monitor/conmon.js';
import { withDefaultEnv } from '../runtime/spec/user.js';
import { AttachSession } from './attach-session.js';
import { ContainerFs } from './container-fs.js';
import { mergeEnv } from './container-config.js';
import type { ContainerService } from './container-service.js';
import { isRunning, type ContainerRecord } from './container-model.js';
import { MAX_OUTPUT_BYTES, truncateOutput } from './health.js';

export interface ExecConfig {
  Cmd: string[];
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
  Tty?: boolean;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  Privileged?: boolean;
  DetachKeys?: string;
  ConsoleSize?: number[] | null;
}

export interface ExecRecord {
  id: ExecId;
  containerId: ContainerId;
  config: ExecConfig;
  running: boolean;
  exitCode: number | null;
  pid: number;
  started: boolean;
  ctlPath?: string;
}

/**
 * `docker exec`: processes started in a running container's namespaces by the runtime's exec,
 * each under its own conmon. Exec records live in memory, as Docker's do.
 */
export class ExecService {
  private readonly execs = new Map<ExecId, ExecRecord>();
  /** Each container's process from the config.json of its current run (keyed by its start time), read once for all its execs. */
  private readonly baseProcesses = new Map<string, { startedAt: string; process: ExecProcess }>();

  constructor(
    private readonly containers: ContainerService,
    private readonly heldCapabilities: string[],
    /** Held until the runtime's exec has moved the process into the container's cgroups. */
    private readonly cgroupMoves: Pick<CgroupMoveWarmer, 'hold'>,
    private readonly log: Logger,
  ) {}

  create(containerRef: string, config: ExecConfig): ExecId {
    const c = this.containers.get(containerRef);
    if (c.state.status === 'restarting') throw conflict('restarting', `Container ${c.id} is restarting, wait until the container is running`);
    if (!isRunning(c)) throw conflict('not_running', `container ${c.id} is not running`);
    if (c.state.status === 'paused') throw conflict('paused', `Container ${c.id} is paused, unpause the container before exec`);
    if (!Array.isArray(config.Cmd) || config.Cmd.length === 0) throw conflict('no_cmd', 'No exec command specified');
    const id = newExecId();
    this.execs.set(id, { id, containerId: c.id, config, running: false, exitCode: null, pid: 0, started: false });
    this.containers.recordEvent(c, `exec_create: ${commandText(config.Cmd)}`, { execID: id });
    return id;
  }

  get(id: string): ExecRecord {
    const e = this.execs.get(id as ExecId);
    if (!e) throw notFound('exec_not_found', `No such exec instance: ${id}`);
    return e;
  }

  idsOf(containerId: string): string[] {
    return [...this.execs.values()].filter((e) => e.containerId === containerId).map((e) => e.id);
  }

  /**
   * Starts the process. Attached: returns the session (output flows until the process exits) and
   * `exited`, which resolves after the exit code is recorded — callers end the client's stream only then.
   */
  /** Throws what `start` would refuse before launching anything; returns the exec's container. */
  checkStartable(id: string): ContainerRecord {
    const e = this.get(id);
    if (e.started) throw conflict('exec_started', `Error: Exec command ${id} has already run`);
    const c = this.containers.get(e.containerId);
    if (!isRunning(c)) throw conflict('not_running', `container ${c.id} is not running`);
    return c;
  }

  async start(id: string, opts: { detach: boolean }): Promise<{ session?: AttachSession; exited: Promise<number> }> {
    const e = this.get(id);
    const c = this.checkStartable(id);
    e.started = true;
    const release = this.cgroupMoves.hold();
    try {
      return await this.startHeld(e, c, opts);
    } catch (err) {
      // As dockerd: an exec that could not start (an unknown user, say) exits 126, which the
      // client's inspect after the stream reports; startHeld sets 127 for a missing command.
      e.exitCode ??= 126;
      throw err;
    } finally {
      release();
    }
  }

  private async startHeld(e: ExecRecord, c: ContainerRecord, opts: { detach: boolean }): Promise<{ session?: AttachSession; exited: Promise<number> }> {
    const bundle = this.containers.bundleDir(c.id);
    const base = await this.baseProcess(c, bundle);
    const rootfs = join(bundle, 'rootfs');
    const user = e.config.User
      ? new ContainerFs(rootfs, [], false).resolveUser(e.config.User)
      : { uid: base.user?.uid ?? 0, gid: base.user?.gid ?? 0, additionalGids: base.user?.additionalGids ?? [], home: '/root' };
    const tty = e.config.Tty === true;
    const process: ExecProcess = {
      ...base,
      terminal: tty,
      args: e.config.Cmd,
      cwd: e.config.WorkingDir || base.cwd,
      env: withDefaultEnv(mergeEnv(base.env ?? [], e.config.Env ?? []), user.home),
      user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
    };
    if (e.config.Privileged) {
      const all = this.heldCapabilities.map((n) => `CAP_${n.replace(/^CAP_/, '')}`);
      process['capabilities'] = { bounding: all, effective: all, permitted: all };
    }
    const execDir = join(bundle, 'exec', e.id);
    const attach = !opts.detach;
    const stdin = attach && e.config.AttachStdin === true;
    const size = e.config.ConsoleSize;
    const session = attach
      ? new AttachSession(tty, stdin, { stdout: e.config.AttachStdout !== false, stderr: e.config.AttachStderr !== false })
      : undefined;
    let launched;
    try {
      launched = await execInContainer({
        runtime: this.containers.runtimeOf(c),
        containerId: c.id,
        execId: e.id,
        execDir,
        process,
        stdin,
        attach,
        consoleSize: tty && size && size[0] && size[1] ? { rows: size[0], cols: size[1] } : undefined,
      });
    } catch (err) {
      e.exitCode = /executable file not found|no such file or directory/.test(errorMessage(err)) ? 127 : 126;
      await rm(execDir, { recursive: true, force: true });
      throw err;
    }
    e.running = true;
    e.pid = launched.pid;
    this.containers.recordEvent(c, `exec_start: ${commandText(e.config.Cmd)}`, { execID: e.id });
    e.ctlPath = launched.paths.ctl;
    if (session && launched.attach) await session.bind(launched.attach);
    const exited = launched.exitCode.then((code) => {
      e.exitCode = code;
      e.running = false;
      e.pid = 0;
      this.containers.recordEvent(c, 'exec_die', { execID: e.id, exitCode: String(code) });
      // The client's stream ends once the code is recorded; the exec's files (in the bundle, which
      // the container's removal deletes anyway) need not hold it up.
      void rm(execDir, { recursive: true, force: true }).catch((err: unknown) => this.log.warn(`exec cleanup: ${errorMessage(err)}`));
      return code;
    });
    return { session, exited };
  }

  /**
   * A healthcheck probe: runs `argv` as an exec with its output captured (at most
   * MAX_OUTPUT_BYTES), killed after `timeoutMs` (exitCode null then). Its exec record goes away
   * when it ends, as Docker's health execs do.
   */
  async probe(containerId: string, argv: string[], timeoutMs: number): Promise<{ exitCode: number | null; output: string }> {
    const id = this.create(containerId, { Cmd: argv, AttachStdout: true, AttachStderr: true });
    try {
      const { session, exited } = await this.start(id, { detach: false });
      const chunks: Buffer[] = [];
      let size = 0;
      session?.onOutput((_stream, chunk) => {
        if (size >= MAX_OUTPUT_BYTES) return;
        chunks.push(chunk);
        size += chunk.length;
      });
      const drained = new Promise<void>((resolve) => (session ? session.onEnd(resolve) : resolve()));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
      const code = await Promise.race([exited.then(async (c) => (await drained, c)), timedOut]);
      clearTimeout(timer);
      if (code === null) {
        const pid = this.get(id).pid;
        try {
          if (pid > 0) process.kill(pid, 'SIGKILL');
        } catch {
          // It ended just now.
        }
        session?.finish();
        return { exitCode: null, output: '' };
      }
      return { exitCode: code, output: truncateOutput(chunks) };
    } finally {
      this.execs.delete(id as ExecId);
    }
  }

  async resize(id: string, rows: number, cols: number): Promise<void> {
    const e = this.get(id);
    if (e.ctlPath && e.running) await resizeTty(e.ctlPath, rows, cols);
  }

  /** The process the container runs, as its config.json of this run says (an exec starts from its settings). */
  private async baseProcess(c: ContainerRecord, bundle: string): Promise<ExecProcess> {
    const known = this.baseProcesses.get(c.id);
    if (known?.startedAt === c.state.startedAt) return known.process;
    const { process } = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as { process: ExecProcess };
    this.baseProcesses.set(c.id, { startedAt: c.state.startedAt, process });
    return process;
  }

  /** Forgets the execs of a removed container. */
  forget(containerId: string): void {
    for (const [id, e] of this.execs) if (e.containerId === containerId) this.execs.delete(id);
    this.baseProcesses.delete(containerId);
  }
}

/** The command as exec events name it: entrypoint, a space, the arguments (so `ls` reads `ls `). */
function commandText(cmd: string[]): string {
  return `${cmd[0] ?? ''} ${cmd.slice(1).join(' ')}`;
}

import type { WaitCondition } from '../api/types/container.js';
import { monitorTtySize, proxySignals, reportDetach, runAttachSession } from './attach-session.js';
import type { CommandContext } from './command.js';
import { terminalSize } from './io.js';

export interface AttachRunOptions {
  containerId: string;
  tty: boolean;
  stdin: boolean;
  detachKeys?: string;
  sigProxy: boolean;
  condition: WaitCondition;
  /** `attach` reports a detach as docker's does (reportDetach); otherwise it exits 0. */
  detachIsError?: boolean;
  /** Called after attach and wait are armed (`start -a`); absent for `attach`. */
  start?: () => Promise<void>;
}

/**
 * Attaches to a container, arms a wait, optionally starts it, streams until the output ends or the
 * user detaches, and returns the container's exit status (after a detach: 0, or 1 with detachIsError).
 */
export async function attachAndWait(ctx: CommandContext, opts: AttachRunOptions): Promise<number> {
  const client = ctx.client();
  const id = opts.containerId;
  const socket = await client.containerAttach(id, {
    stream: true,
    stdin: opts.stdin,
    stdout: true,
    stderr: true,
    ...(opts.detachKeys !== undefined ? { detachKeys: opts.detachKeys } : {}),
  });
  let wait;
  try {
    wait = await client.containerWait(id, opts.condition);
  } catch (e) {
    socket.destroy();
    throw e;
  }
  const session = runAttachSession({
    io: ctx.io,
    socket,
    tty: opts.tty,
    stdin: opts.stdin,
    ...(opts.detachKeys !== undefined ? { detachKeys: opts.detachKeys } : {}),
  });
  if (opts.start !== undefined) {
    try {
      await opts.start();
    } catch (e) {
      socket.destroy();
      await session.catch(() => undefined);
      throw e;
    }
  }
  const stopResize = opts.tty && terminalSize(ctx.io) !== undefined ? monitorTtySize(ctx.io, (h, w) => client.containerResize(id, h, w)) : undefined;
  const stopProxy = opts.sigProxy && !opts.tty ? proxySignals(ctx.io, (sig) => client.containerKill(id, sig)) : undefined;
  try {
    if ((await session) === 'detached') return opts.detachIsError === true ? reportDetach(ctx.io) : 0;
    const status = await wait.result;
    if (status.Error?.Message) throw new Error(status.Error.Message);
    return status.StatusCode;
  } finally {
    stopResize?.();
    stopProxy?.();
  }
}

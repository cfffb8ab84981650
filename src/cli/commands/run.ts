import { readFileSync, writeFileSync } from 'node:fs';
import type { EngineClient } from '../../api/client/engine-client.js';
import type { WaitHandle } from '../../api/client/engine-client.js';
import { isBerthError } from '../../lib/errors.js';
import { CommandUsageError, describeError, type CommandContext, type CommandDef } from '../command.js';
import { buildCreateRequest, containerFlags, runOnlyFlags, type CreatePlan } from '../container-options.js';
import { parseDetachKeys } from '../detach-keys.js';
import type { ParsedFlags } from '../flags.js';
import { terminalSize } from '../io.js';
import { parseReference } from '../../oci/reference.js';

/** docker/cli's exit status for a container that failed to start, from the runtime's message. */
export function startFailureExitCode(message: string): number {
  if (message.includes('executable file not found') || message.includes('no such file or directory')) return 127;
  if (message.includes('permission denied') || message.includes('cannot execute')) return 126;
  return 125;
}

/** `run`/`create` report failures as `berth: <error>` plus a pointer to help. */
function reportFailure(ctx: CommandContext, e: unknown, code: number): number {
  ctx.io.stderr.write(`berth: ${describeError(e)}\n\nRun '${ctx.commandPath} --help' for more information\n`);
  return code;
}

function planFrom(ctx: CommandContext, flags: ParsedFlags): CreatePlan {
  const [image = '', ...command] = flags.args;
  const size = terminalSize(ctx.io);
  try {
    return buildCreateRequest(flags, {
      image,
      command,
      env: ctx.io.env,
      readFile: (path) => readFileSync(path, 'utf8'),
      ...(size !== undefined ? { consoleSize: [size.height, size.width] as [number, number] } : {}),
    });
  } catch (e) {
    throw new CommandUsageError(e instanceof Error ? e.message : String(e));
  }
}

/** Creates the container, pulling the image first when missing (per `--pull`), as docker/cli does. */
async function createContainer(ctx: CommandContext, client: EngineClient, plan: CreatePlan, flags: ParsedFlags): Promise<string> {
  const pull = flags.string('pull') ?? 'missing';
  if (!['always', 'missing', 'never'].includes(pull)) {
    throw new CommandUsageError(`invalid pull option: '${pull}': must be one of "always", "missing" or "never"`);
  }
  const image = plan.body.Image ?? '';
  // docker/cli checks the name before it asks the daemon anything.
  parseReference(image);
  const quiet = flags.bool('quiet');
  const pullOpts = { quiet, env: ctx.io.env, ...(plan.platform !== undefined ? { platform: plan.platform } : {}) };
  // Loaded only to pull: its registry credentials code (and the Node modules it needs) is start-up
  // time every other run would pay.
  const puller = () => import('../image-pull.js');
  if (pull === 'always') await (await puller()).pullImage(client, image, ctx.io.stderr, pullOpts);
  const create = () =>
    client.containerCreate(plan.body, {
      ...(plan.name !== undefined ? { name: plan.name } : {}),
      ...(plan.platform !== undefined ? { platform: plan.platform } : {}),
    });
  let res;
  try {
    res = await create();
  } catch (e) {
    // Any 404, as docker/cli: also an image here but of another platform than --platform's.
    if (pull !== 'missing' || !isBerthError(e, 'NotFound')) throw e;
    const { familiarTagged, pullImage } = await puller();
    ctx.io.stderr.write(`Unable to find image '${familiarTagged(image)}' locally\n`);
    await pullImage(client, image, ctx.io.stderr, pullOpts);
    res = await create();
  }
  for (const w of res.Warnings ?? []) ctx.io.stderr.write(`WARNING: ${w}\n`);
  const cidfile = flags.string('cidfile');
  if (cidfile !== undefined && cidfile !== '') writeFileSync(cidfile, res.Id, { flag: 'wx' });
  return res.Id;
}

function checkTtyInput(ctx: CommandContext, flags: ParsedFlags): void {
  if (flags.bool('tty') && flags.bool('interactive') && !flags.bool('detach') && ctx.io.stdin.isTTY !== true) {
    throw new Error('the input device is not a TTY');
  }
}

async function runContainer(ctx: CommandContext, flags: ParsedFlags): Promise<number> {
  const plan = planFrom(ctx, flags);
  const detachKeys = flags.string('detach-keys');
  if (detachKeys !== undefined) {
    try {
      parseDetachKeys(detachKeys);
    } catch (e) {
      throw new CommandUsageError((e as Error).message);
    }
  }
  checkTtyInput(ctx, flags);
  const client = ctx.client();
  let id: string;
  try {
    id = await createContainer(ctx, client, plan, flags);
  } catch (e) {
    if (e instanceof CommandUsageError) throw e;
    return reportFailure(ctx, e, 125);
  }
  const body = plan.body;

  if (flags.bool('detach')) {
    try {
      await client.containerStart(id);
    } catch (e) {
      return reportFailure(ctx, e, startFailureExitCode(describeError(e)));
    }
    ctx.io.stdout.write(`${id}\n`);
    return 0;
  }

  // Loaded past the detached case only: it needs node:child_process (stty), start-up time for `run -d`.
  const { monitorTtySize, proxySignals, runAttachSession } = await import('../attach-session.js');
  const tty = body.Tty === true;
  const attached = body.AttachStdin === true || body.AttachStdout === true || body.AttachStderr === true;
  const autoRemove = body.HostConfig?.AutoRemove === true;
  let socket;
  let wait: WaitHandle;
  try {
    if (attached) {
      socket = await client.containerAttach(id, {
        stream: true,
        stdin: body.AttachStdin === true,
        stdout: body.AttachStdout === true,
        stderr: body.AttachStderr === true,
        ...(detachKeys !== undefined ? { detachKeys } : {}),
      });
    }
    // Armed before start, headers awaited: the exit can't slip between start and wait.
    wait = await client.containerWait(id, autoRemove ? 'removed' : 'next-exit');
  } catch (e) {
    socket?.destroy();
    return reportFailure(ctx, e, 125);
  }

  const session = socket
    ? runAttachSession({
        io: ctx.io,
        socket,
        tty,
        stdin: body.AttachStdin === true,
        ...(detachKeys !== undefined ? { detachKeys } : {}),
      })
    : undefined;
  try {
    await client.containerStart(id);
  } catch (e) {
    socket?.destroy();
    await session?.catch(() => undefined);
    if (autoRemove) await wait.result.catch(() => undefined);
    return reportFailure(ctx, e, startFailureExitCode(describeError(e)));
  }

  const stopResize = tty && terminalSize(ctx.io) !== undefined ? monitorTtySize(ctx.io, (h, w) => client.containerResize(id, h, w)) : undefined;
  const sigProxy = flags.bool('sig-proxy', true) && !tty;
  const stopProxy = sigProxy ? proxySignals(ctx.io, (sig) => client.containerKill(id, sig)) : undefined;
  try {
    if (session !== undefined) {
      const outcome = await session;
      if (outcome === 'detached') return 0;
    }
    const status = await wait.result;
    if (status.Error?.Message) {
      ctx.io.stderr.write(`berth: ${status.Error.Message}\n`);
      return 125;
    }
    return status.StatusCode;
  } finally {
    stopResize?.();
    stopProxy?.();
  }
}

async function createOnly(ctx: CommandContext, flags: ParsedFlags): Promise<number> {
  const plan = planFrom(ctx, flags);
  // Unlike `run`, docker's `create` reports the daemon's errors plainly, with exit status 1.
  const id = await createContainer(ctx, ctx.client(), plan, flags);
  ctx.io.stdout.write(`${id}\n`);
  return 0;
}

export const runCommand: CommandDef = {
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  aliases: ['container run', 'run'],
  flags: [...containerFlags, ...runOnlyFlags],
  interspersed: false,
  args: { kind: 'min', n: 1 },
  run: runContainer,
};

export const createCommand: CommandDef = {
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  aliases: ['container create', 'create'],
  flags: containerFlags,
  interspersed: false,
  args: { kind: 'min', n: 1 },
  run: createOnly,
};

import { readFileSync } from 'node:fs';
import type { ExecCreateRequest } from '../../api/types/exec.js';
import { monitorTtySize, reportDetach, runAttachSession } from '../attach-session.js';
import { CommandUsageError, type CommandDef } from '../command.js';
import { parseDetachKeys } from '../detach-keys.js';
import { terminalSize } from '../io.js';
import { parseEnvFile, resolveEnvFlag } from '../opts.js';

export const execCommand: CommandDef = {
  usage: '[OPTIONS] CONTAINER COMMAND [ARG...]',
  aliases: ['container exec', 'exec'],
  flags: [
    { name: 'detach', short: 'd', type: 'bool', description: 'Detached mode: run command in the background' },
    { name: 'detach-keys', type: 'string', description: 'Override the key sequence for detaching a container' },
    { name: 'env', short: 'e', type: 'list', description: 'Set environment variables' },
    { name: 'env-file', type: 'list', description: 'Read in a file of environment variables' },
    { name: 'interactive', short: 'i', type: 'bool', description: 'Keep STDIN open even if not attached' },
    { name: 'privileged', type: 'bool', description: 'Give extended privileges to the command' },
    { name: 'tty', short: 't', type: 'bool', description: 'Allocate a pseudo-TTY' },
    { name: 'user', short: 'u', type: 'string', description: 'Username or UID (format: "<name|uid>[:<group|gid>]")' },
    { name: 'workdir', short: 'w', type: 'string', description: 'Working directory inside the container' },
  ],
  interspersed: false,
  args: { kind: 'min', n: 2 },
  run: async (ctx, flags) => {
    const [container = '', ...cmd] = flags.args;
    const detach = flags.bool('detach');
    const tty = flags.bool('tty');
    const interactive = flags.bool('interactive');
    const detachKeys = flags.string('detach-keys');
    const env: string[] = [];
    try {
      if (detachKeys !== undefined) parseDetachKeys(detachKeys);
      for (const file of flags.list('env-file')) env.push(...parseEnvFile(readFileSync(file, 'utf8'), ctx.io.env));
      for (const e of flags.list('env')) {
        const v = resolveEnvFlag(e, ctx.io.env);
        if (v !== undefined) env.push(v);
      }
    } catch (e) {
      throw new CommandUsageError(e instanceof Error ? e.message : String(e));
    }
    if (!detach && tty && interactive && ctx.io.stdin.isTTY !== true) throw new Error('the input device is not a TTY');

    const client = ctx.client();
    // Checks the container exists first, so the error names it as docker's does.
    await client.containerInspect(container);
    const size = terminalSize(ctx.io);
    const body: ExecCreateRequest = {
      User: flags.string('user') ?? '',
      Privileged: flags.bool('privileged'),
      Tty: tty,
      AttachStdin: interactive && !detach,
      AttachStdout: !detach,
      AttachStderr: !detach,
      Env: env,
      WorkingDir: flags.string('workdir') ?? '',
      Cmd: cmd,
      ...(detachKeys !== undefined ? { DetachKeys: detachKeys } : {}),
      ...(tty && size !== undefined ? { ConsoleSize: [size.height, size.width] as [number, number] } : {}),
    };
    const { Id: execId } = await client.execCreate(container, body);
    if (detach) {
      await client.execStartDetached(execId, { Tty: tty });
      return 0;
    }
    const socket = await client.execStartAttached(execId, {
      Tty: tty,
      ...(body.ConsoleSize !== undefined ? { ConsoleSize: body.ConsoleSize } : {}),
    });
    const session = runAttachSession({
      io: ctx.io,
      socket,
      tty,
      stdin: interactive,
      ...(detachKeys !== undefined ? { detachKeys } : {}),
    });
    const stopResize = tty && size !== undefined ? monitorTtySize(ctx.io, (h, w) => client.execResize(execId, h, w)) : undefined;
    try {
      if ((await session) === 'detached') return reportDetach(ctx.io);
    } finally {
      stopResize?.();
    }
    const result = await client.execInspect(execId);
    return result.ExitCode ?? 0;
  },
};

import { isBerthError } from '../../lib/errors.js';
import { describeError, type CommandContext, type CommandDef } from '../command.js';
import type { FlagSpec, ParsedFlags } from '../flags.js';

/**
 * Runs `action` for each named container, printing the name on success and the error on failure,
 * and continuing; exit 1 if any failed (docker's multi-container commands). Like docker/cli, the
 * requests run concurrently and the results print in the order the names were given.
 */
async function forEachContainer(
  ctx: CommandContext,
  names: readonly string[],
  action: (name: string) => Promise<string | undefined>,
): Promise<number> {
  const results = await Promise.allSettled(names.map((name) => action(name)));
  let failed = false;
  for (const r of results) {
    if (r.status === 'fulfilled') {
      if (r.value !== undefined) ctx.io.stdout.write(`${r.value}\n`);
    } else {
      failed = true;
      ctx.io.stderr.write(`${describeError(r.reason)}\n`);
    }
  }
  return failed ? 1 : 0;
}

/** 304 means "already in that state": docker treats it as success. */
async function tolerateNotModified(p: Promise<void>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!isBerthError(e, 'NotModified')) throw e;
  }
}

const signalFlag: FlagSpec = { name: 'signal', short: 's', type: 'string', description: 'Signal to send to the container' };
const timeoutFlag: FlagSpec = { name: 'timeout', short: 't', type: 'int', description: 'Seconds to wait before killing the container' };
const timeFlag: FlagSpec = { name: 'time', type: 'int', description: 'Seconds to wait before killing the container (deprecated)', hidden: true };

function stopOptions(flags: ParsedFlags): { timeout?: number; signal?: string } {
  const out: { timeout?: number; signal?: string } = {};
  const t = flags.changed('timeout') ? flags.int('timeout') : flags.changed('time') ? flags.int('time') : undefined;
  if (t !== undefined) out.timeout = t;
  const s = flags.string('signal');
  if (s !== undefined && s !== '') out.signal = s;
  return out;
}

const many = { kind: 'min', n: 1 } as const;

export const stopCommand: CommandDef = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  aliases: ['container stop', 'stop'],
  flags: [signalFlag, timeoutFlag, timeFlag],
  args: many,
  run: (ctx, flags) =>
    forEachContainer(ctx, flags.args, async (name) => {
      await tolerateNotModified(ctx.client().containerStop(name, stopOptions(flags)));
      return name;
    }),
};

export const restartCommand: CommandDef = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  aliases: ['container restart', 'restart'],
  flags: [signalFlag, timeoutFlag, timeFlag],
  args: many,
  run: (ctx, flags) =>
    forEachContainer(ctx, flags.args, async (name) => {
      await ctx.client().containerRestart(name, stopOptions(flags));
      return name;
    }),
};

export const killCommand: CommandDef = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  aliases: ['container kill', 'kill'],
  flags: [{ ...signalFlag, description: 'Signal to send to the container' }],
  args: many,
  run: (ctx, flags) =>
    forEachContainer(ctx, flags.args, async (name) => {
      const signal = flags.string('signal');
      await ctx.client().containerKill(name, signal === '' ? undefined : signal);
      return name;
    }),
};

export const pauseCommand: CommandDef = {
  usage: 'CONTAINER [CONTAINER...]',
  aliases: ['container pause', 'pause'],
  flags: [],
  args: many,
  run: (ctx, flags) =>
    forEachContainer(ctx, flags.args, async (name) => {
      await ctx.client().containerPause(name);
      return name;
    }),
};

export const unpauseCommand: CommandDef = {
  usage: 'CONTAINER [CONTAINER...]',
  aliases: ['container unpause', 'unpause'],
  flags: [],
  args: many,
  run: (ctx, flags) =>
    forEachContainer(ctx, flags.args, async (name) => {
      await ctx.client().containerUnpause(name);
      return name;
    }),
};

export const rmCommand: CommandDef = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  aliases: ['container rm', 'container remove', 'rm'],
  flags: [
    { name: 'force', short: 'f', type: 'bool', description: 'Force the removal of a running container (uses SIGKILL)' },
    { name: 'link', short: 'l', type: 'bool', description: 'Remove the specified link' },
    { name: 'volumes', short: 'v', type: 'bool', description: 'Remove anonymous volumes associated with the container' },
  ],
  args: many,
  run: (ctx, flags) =>
    forEachContainer(ctx, flags.args, async (name) => {
      const force = flags.bool('force');
      try {
        await ctx.client().containerRemove(name.replace(/^\//, ''), { force, volumes: flags.bool('volumes'), link: flags.bool('link') });
      } catch (e) {
        // `rm -f` of a container that is already gone is not an error (docker/cli does the same).
        if (force && isBerthError(e, 'NotFound')) return undefined;
        throw e;
      }
      return name;
    }),
};

export const waitCommand: CommandDef = {
  usage: 'CONTAINER [CONTAINER...]',
  aliases: ['container wait', 'wait'],
  flags: [],
  args: many,
  run: (ctx, flags) =>
    forEachContainer(ctx, flags.args, async (name) => {
      const handle = await ctx.client().containerWait(name, 'not-running');
      const result = await handle.result;
      if (result.Error?.Message) throw new Error(result.Error.Message);
      return String(result.StatusCode);
    }),
};

export const renameCommand: CommandDef = {
  usage: 'CONTAINER NEW_NAME',
  aliases: ['container rename', 'rename'],
  flags: [],
  args: { kind: 'exact', n: 2 },
  run: async (ctx, flags) => {
    const [container = '', newName = ''] = flags.args;
    if (newName.trim() === '') throw new Error('Error: Neither old nor new names may be empty');
    await ctx.client().containerRename(container, newName.trim());
    return 0;
  },
};

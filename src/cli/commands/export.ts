import { checkArchiveDestination, writeArchive } from '../archive-output.js';
import type { CommandDef } from '../command.js';

export const exportCommand: CommandDef = {
  usage: '[OPTIONS] CONTAINER',
  aliases: ['container export', 'export'],
  flags: [{ name: 'output', short: 'o', type: 'string', description: 'Write to a file, instead of STDOUT' }],
  args: { kind: 'exact', n: 1 },
  run: async (ctx, flags) => {
    const output = flags.string('output') ?? '';
    checkArchiveDestination(ctx, output);
    const res = await ctx.client().send('GET', `/containers/${encodeURIComponent(flags.args[0] ?? '')}/export`);
    return writeArchive(ctx, res, output);
  },
};

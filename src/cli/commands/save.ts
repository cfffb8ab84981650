import { checkArchiveDestination, writeArchive } from '../archive-output.js';
import type { CommandDef } from '../command.js';

export const saveCommand: CommandDef = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  aliases: ['image save', 'save'],
  flags: [
    { name: 'output', short: 'o', type: 'string', description: 'Write to a file, instead of STDOUT' },
    { name: 'platform', type: 'string', description: 'Save only the given platform variant. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")' },
  ],
  args: { kind: 'min', n: 1 },
  run: async (ctx, flags) => {
    const output = flags.string('output') ?? '';
    checkArchiveDestination(ctx, output);
    const res = await ctx.client().send('GET', '/images/get', { query: { names: flags.args } });
    return writeArchive(ctx, res, output);
  },
};

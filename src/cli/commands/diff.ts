import type { FilesystemChange } from '../../api/types/index.js';
import type { CommandDef } from '../command.js';

const KIND = ['C', 'A', 'D'] as const;

export const diffCommand: CommandDef = {
  usage: 'CONTAINER',
  aliases: ['container diff', 'diff'],
  flags: [],
  args: { kind: 'exact', n: 1 },
  run: async (ctx, flags) => {
    const container = flags.args[0] ?? '';
    const changes = await ctx.client().json<FilesystemChange[] | null>('GET', `/containers/${encodeURIComponent(container)}/changes`);
    for (const c of changes ?? []) ctx.io.stdout.write(`${KIND[c.Kind] ?? '?'} ${c.Path}\n`);
    return 0;
  },
};

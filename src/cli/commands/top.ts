import type { CommandDef } from '../command.js';
import { formatTabular } from '../format/tabwriter.js';

export const topCommand: CommandDef = {
  usage: 'CONTAINER [ps OPTIONS]',
  aliases: ['container top', 'top'],
  flags: [],
  interspersed: false,
  args: { kind: 'min', n: 1 },
  run: async (ctx, flags) => {
    const [container = '', ...psArgs] = flags.args;
    const top = await ctx.client().containerTop(container, psArgs.length > 0 ? psArgs.join(' ') : undefined);
    const lines = [top.Titles.join('\t'), ...top.Processes.map((p) => p.join('\t'))];
    // docker/cli's top uses a wider minimum cell than its other tables.
    ctx.io.stdout.write(formatTabular(`${lines.join('\n')}\n`, { minwidth: 20, tabwidth: 1, padding: 3, padchar: ' ' }));
    return 0;
  },
};

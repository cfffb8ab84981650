import type { CommandDef } from '../command.js';
import { formatFlag } from '../filters.js';
import { renderList } from '../format/formatter.js';
import { HISTORY_HEADERS, historyRows } from '../list-rows.js';

const HUMAN_FORMAT = 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
const PLAIN_FORMAT = 'table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';

export const historyCommand: CommandDef = {
  usage: '[OPTIONS] IMAGE',
  aliases: ['image history', 'history'],
  flags: [
    formatFlag(true),
    { name: 'human', short: 'H', type: 'bool', description: 'Print sizes and dates in human readable format', defaultText: 'true' },
    { name: 'no-trunc', type: 'bool', description: "Don't truncate output" },
    { name: 'platform', type: 'string', description: 'Show history for the given platform. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")' },
    { name: 'quiet', short: 'q', type: 'bool', description: 'Only show image IDs' },
  ],
  args: { kind: 'exact', n: 1 },
  run: async (ctx, flags) => {
    const items = await ctx.client().imageHistory(flags.args[0] ?? '');
    const human = flags.bool('human', true);
    const rows = historyRows(items, { trunc: !flags.bool('no-trunc'), human, nowMs: Date.now() });
    if (flags.bool('quiet')) {
      for (const row of rows) ctx.io.stdout.write(`${row['ID'] ?? ''}\n`);
      return 0;
    }
    ctx.io.stdout.write(renderList({ format: flags.string('format'), defaultFormat: human ? HUMAN_FORMAT : PLAIN_FORMAT, headers: HISTORY_HEADERS, rows }));
    return 0;
  },
};

import type { CommandDef } from '../command.js';
import { filterFlag, formatFlag, parseFilters } from '../filters.js';
import { renderList } from '../format/formatter.js';
import { CONTAINER_HEADERS, containerRow } from '../list-rows.js';

const DEFAULT_FORMAT = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';

export const psCommand: CommandDef = {
  usage: '[OPTIONS]',
  aliases: ['container ls', 'container list', 'container ps', 'ps'],
  flags: [
    { name: 'all', short: 'a', type: 'bool', description: 'Show all containers (default shows just running)' },
    filterFlag,
    formatFlag(true),
    { name: 'last', short: 'n', type: 'int', description: 'Show n last created containers (includes all states)', defaultText: '-1' },
    { name: 'latest', short: 'l', type: 'bool', description: 'Show the latest created container (includes all states)' },
    { name: 'no-trunc', type: 'bool', description: "Don't truncate output" },
    { name: 'quiet', short: 'q', type: 'bool', description: 'Only display container IDs' },
    { name: 'size', short: 's', type: 'bool', description: 'Display total file sizes' },
  ],
  args: { kind: 'none' },
  run: async (ctx, flags) => {
    const quiet = flags.bool('quiet');
    let format = flags.string('format');
    if (quiet) format = '{{.ID}}';
    // As docker/cli: a template that renders .Size, alone or through `json .`, asks for sizes.
    const size = flags.bool('size') || (format !== undefined && /\.Size\b|\{\{\s*json\s+\.\s*\}\}/.test(format));
    const limit = flags.bool('latest') ? 1 : (flags.int('last') ?? -1);
    const containers = await ctx.client().containerList({
      all: flags.bool('all'),
      limit,
      size,
      filters: parseFilters(flags.list('filter')),
    });
    const trunc = !flags.bool('no-trunc');
    const nowMs = Date.now();
    const rows = containers.map((c) => containerRow(c, { trunc, nowMs }));
    const defaultFormat = flags.bool('size') ? `${DEFAULT_FORMAT}\t{{.Size}}` : DEFAULT_FORMAT;
    ctx.io.stdout.write(renderList({ format, defaultFormat, headers: CONTAINER_HEADERS, rows }));
    return 0;
  },
};

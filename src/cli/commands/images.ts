import type { CommandDef } from '../command.js';
import { filterFlag, formatFlag, parseFilters } from '../filters.js';
import { renderList } from '../format/formatter.js';
import { IMAGE_HEADERS, imageRows } from '../list-rows.js';

const DEFAULT_FORMAT = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
const DIGESTS_FORMAT = 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';

export const imagesCommand: CommandDef = {
  usage: '[OPTIONS] [REPOSITORY[:TAG]]',
  aliases: ['image ls', 'image list', 'images'],
  flags: [
    { name: 'all', short: 'a', type: 'bool', description: 'Show all images (default hides intermediate images)' },
    { name: 'digests', type: 'bool', description: 'Show digests' },
    filterFlag,
    formatFlag(true),
    { name: 'no-trunc', type: 'bool', description: "Don't truncate output" },
    { name: 'quiet', short: 'q', type: 'bool', description: 'Only show image IDs' },
  ],
  args: { kind: 'max', n: 1 },
  run: async (ctx, flags) => {
    const filters = parseFilters(flags.list('filter'));
    const ref = flags.args[0];
    const merged = ref === undefined ? filters : { ...filters, reference: [...(filters['reference'] ?? []), ref] };
    const images = await ctx.client().imageList({ all: flags.bool('all'), digests: flags.bool('digests'), filters: merged });
    const trunc = !flags.bool('no-trunc');
    const rows = imageRows(images, { trunc, nowMs: Date.now() });
    if (flags.bool('quiet')) {
      const seen = new Set<string>();
      for (const row of rows) {
        const id = row['ID'] ?? '';
        if (seen.has(id)) continue;
        seen.add(id);
        ctx.io.stdout.write(`${id}\n`);
      }
      return 0;
    }
    const defaultFormat = flags.bool('digests') ? DIGESTS_FORMAT : DEFAULT_FORMAT;
    ctx.io.stdout.write(renderList({ format: flags.string('format'), defaultFormat, headers: IMAGE_HEADERS, rows }));
    return 0;
  },
};

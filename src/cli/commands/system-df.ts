import type { CommandDef } from '../command.js';
import { BUILD_CACHE_HEADERS, SUMMARY_HEADERS, summaryRows, verboseRows, VOLUME_HEADERS, type DiskUsageResponse } from '../disk-usage-rows.js';
import { formatFlag } from '../filters.js';
import { renderList } from '../format/formatter.js';
import { goJson } from '../format/template-funcs.js';
import { compileTemplate, dockerTemplateFuncs } from '../format/go-template.js';
import { CONTAINER_HEADERS, IMAGE_HEADERS } from '../list-rows.js';

const SUMMARY_FORMAT = 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';
const SECTIONS = [
  { title: 'Images space usage:\n\n', key: 'Images', headers: IMAGE_HEADERS, format: 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}' },
  { title: '\nContainers space usage:\n\n', key: 'Containers', headers: CONTAINER_HEADERS, format: 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}' },
  { title: '\nLocal Volumes space usage:\n\n', key: 'Volumes', headers: VOLUME_HEADERS, format: 'table {{.Name}}\t{{.Links}}\t{{.Size}}' },
  { title: '\nBuild cache usage: 0B\n\n', key: 'BuildCache', headers: BUILD_CACHE_HEADERS, format: 'table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}' },
] as const;

export const systemDfCommand: CommandDef = {
  usage: '[OPTIONS]',
  flags: [formatFlag(true), { name: 'verbose', short: 'v', type: 'bool', description: 'Show detailed information on space usage' }],
  args: { kind: 'none' },
  run: async (ctx, flags) => {
    const du = await ctx.client().json<DiskUsageResponse>('GET', '/system/df');
    const format = flags.string('format') ?? '';
    if (!flags.bool('verbose')) {
      ctx.io.stdout.write(renderList({ format, defaultFormat: SUMMARY_FORMAT, headers: SUMMARY_HEADERS, rows: summaryRows(du) }));
      return 0;
    }
    const sections = verboseRows(du, { trunc: format === '' || format.startsWith('table'), nowMs: Date.now() });
    if (format === '' || format === 'table') {
      for (const s of SECTIONS) {
        ctx.io.stdout.write(s.title + renderList({ format: s.format, defaultFormat: s.format, headers: s.headers, rows: sections[s.key] }));
      }
      return 0;
    }
    // A custom template sees the four lists at once, as docker's verbose context.
    ctx.io.stdout.write(format === 'json' ? `${goJson(sections, { escapeHTML: false })}\n` : compileTemplate(format, dockerTemplateFuncs).execute(sections));
    return 0;
  },
};

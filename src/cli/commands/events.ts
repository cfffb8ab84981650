import { readJsonLines } from '../../api/client/json-lines.js';
import type { EventMessage } from '../../api/types/index.js';
import type { CommandDef } from '../command.js';
import { eventLine, eventTemplateData } from '../event-output.js';
import { filterFlag, formatFlag, parseFilters } from '../filters.js';
import { compileTemplate, dockerTemplateFuncs, type GoTemplate } from '../format/go-template.js';
import { timeRangeFlags } from '../time-spec.js';

const EMPTY: EventMessage = { Type: '' as EventMessage['Type'], Action: '', Actor: { ID: '', Attributes: {} }, scope: '' as EventMessage['scope'], time: 0, timeNano: 0 };

export const eventsCommand: CommandDef = {
  usage: '[OPTIONS]',
  aliases: ['system events', 'events'],
  flags: [
    filterFlag,
    formatFlag(false),
    { name: 'since', type: 'string', description: 'Show all events created since timestamp' },
    { name: 'until', type: 'string', description: 'Stream events until this timestamp' },
  ],
  args: { kind: 'none' },
  run: async (ctx, flags) => {
    const { since, until } = timeRangeFlags(flags, Date.now());
    const format = flags.string('format') ?? '';
    let tmpl: GoTemplate | undefined;
    if (format !== '') {
      tmpl = compileTemplate(format === 'json' ? '{{json .}}' : format, dockerTemplateFuncs);
      // As docker: a template naming an unknown field fails before any event arrives.
      tmpl.execute(eventTemplateData(EMPTY));
    }
    const res = await ctx.client().events({ since, until, filters: parseFilters(flags.list('filter')) });
    for await (const e of readJsonLines<EventMessage>(res)) {
      ctx.io.stdout.write(tmpl ? `${tmpl.execute(eventTemplateData(e))}\n` : eventLine(e));
    }
    return 0;
  },
};

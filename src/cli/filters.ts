import type { Filters } from '../api/client/engine-client.js';
import type { FlagSpec } from './flags.js';

export const filterFlag: FlagSpec = {
  name: 'filter',
  short: 'f',
  type: 'list',
  valueName: 'filter',
  description: 'Filter output based on conditions provided',
  validate: (v) => {
    if (!v.includes('=')) throw new Error('bad format of filter (expected name=value)');
  },
};

/** `-f status=exited -f label=a=b` → `{status: ['exited'], label: ['a=b']}`. */
export function parseFilters(values: readonly string[]): Filters {
  const out: Record<string, string[]> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    const key = v.slice(0, eq).trim().toLowerCase();
    (out[key] ??= []).push(v.slice(eq + 1).trim());
  }
  return out;
}

export function formatFlag(withTable: boolean): FlagSpec {
  const table = withTable
    ? "'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n"
    : '';
  return {
    name: 'format',
    type: 'string',
    description:
      `Format output using a custom template:\n${table}'json':             Print in JSON format\n` +
      "'TEMPLATE':         Print output using the given Go template.\n" +
      'Refer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates',
  };
}

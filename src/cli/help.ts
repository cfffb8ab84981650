import type { CommandDef } from './command.js';
import { HELP_FLAG, renderFlagUsages } from './flags.js';

/** `berth COMMAND --help` in docker's layout. `width` is the terminal width (80 when not a terminal). */
export function renderCommandHelp(commandPath: string, description: string, def: CommandDef, width = 80): string {
  let out = `Usage:  ${commandPath}${def.usage === '' ? '' : ` ${def.usage}`}\n\n${description}\n`;
  if (def.aliases !== undefined && def.aliases.length > 0) {
    out += `\nAliases:\n  ${def.aliases.map((a) => `berth ${a}`).join(', ')}\n`;
  }
  // cobra lists --help only when -h belongs to another flag (run's --hostname).
  const specs = def.flags.some((f) => f.short === 'h') ? [...def.flags, HELP_FLAG] : def.flags;
  const flags = renderFlagUsages(specs, width);
  if (flags !== '') out += `\nOptions:\n${flags}`;
  return out;
}

export interface HelpEntry {
  name: string;
  description: string;
}

export interface HelpSection {
  title: string;
  entries: HelpEntry[];
}

/** Help of the top level or a management command: sections of commands, names padded to 11. */
export function renderGroupHelp(usage: string, description: string, sections: HelpSection[], footer: string): string {
  let out = `Usage:  ${usage}\n\n${description}\n`;
  for (const section of sections) {
    if (section.entries.length === 0) continue;
    out += `\n${section.title}:\n`;
    for (const e of section.entries) out += `  ${e.name.padEnd(11)} ${e.description}\n`;
  }
  return `${out}\n${footer}\n`;
}

/** Usage-error output: message, the usage line, and where to look. */
export function renderUsageError(message: string, commandPath: string, usage: string | undefined, verb: 'See' | 'Run'): string {
  const usageBlock = usage === undefined ? '' : `Usage:  ${commandPath}${usage === '' ? '' : ` ${usage}`}\n\n`;
  return `${message}\n\n${usageBlock}${verb} '${commandPath} --help' for more information\n`;
}

import { parseTimeSpec } from '../lib/time-spec.js';
import { CommandUsageError } from './command.js';
import type { ParsedFlags } from './flags.js';

/** A command's `--since`/`--until` flags in API form (unset ones absent); a bad value is a usage error. */
export function timeRangeFlags(flags: ParsedFlags, nowMs: number): { since?: string; until?: string } {
  try {
    return {
      ...(flags.changed('since') ? { since: parseTimeSpec(flags.string('since') ?? '', nowMs, 'since') } : {}),
      ...(flags.changed('until') ? { until: parseTimeSpec(flags.string('until') ?? '', nowMs, 'until') } : {}),
    };
  } catch (e) {
    throw new CommandUsageError((e as Error).message);
  }
}

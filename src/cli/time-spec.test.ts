import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CommandUsageError } from './command.js';
import { parseFlags, type FlagSpec } from './flags.js';
import { timeRangeFlags } from './time-spec.js';

const NOW = Date.UTC(2024, 0, 2, 3, 4, 5, 0);
const specs: FlagSpec[] = [
  { name: 'since', type: 'string', description: '' },
  { name: 'until', type: 'string', description: '' },
];

test('--since/--until become API seconds; unset flags are absent', () => {
  assert.deepEqual(timeRangeFlags(parseFlags([], specs), NOW), {});
  assert.deepEqual(timeRangeFlags(parseFlags(['--since', '10m', '--until', '1700000000'], specs), NOW), {
    since: `${NOW / 1000 - 600}.000000000`,
    until: '1700000000',
  });
});

test('an unreadable value is a usage error naming the flag', () => {
  assert.throws(
    () => timeRangeFlags(parseFlags(['--until', 'later'], specs), NOW),
    (e: unknown) => e instanceof CommandUsageError && /invalid value for "until"/.test(e.message),
  );
});

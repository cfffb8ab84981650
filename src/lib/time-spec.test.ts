import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatGoDuration, parseGoDuration, parseTimeSpec } from './time-spec.js';

const NOW = Date.UTC(2024, 0, 2, 3, 4, 5, 0);

test('converts since/until values to API unix seconds', () => {
  const table: [string, string][] = [
    ['1700000000', '1700000000'],
    ['1700000000.5', '1700000000.500000000'],
    ['10m', `${NOW / 1000 - 600}.000000000`],
    ['1h30m', `${NOW / 1000 - 5400}.000000000`],
    ['1.5s', `${NOW / 1000 - 2}.500000000`],
    ['2024-01-02T03:04:05Z', `${NOW / 1000}.000000000`],
    ['2024-01-02T03:04:05.25Z', `${NOW / 1000}.250000000`],
    ['2024-01-02T05:04:05+02:00', `${NOW / 1000}.000000000`],
  ];
  for (const [input, expected] of table) assert.equal(parseTimeSpec(input, NOW), expected, input);
});

test('rejects values that are neither time nor duration', () => {
  assert.throws(() => parseTimeSpec('yesterday', NOW, 'until'), /invalid value for "until"/);
});

test('parses Go durations', () => {
  assert.equal(parseGoDuration('250ms'), 250);
  assert.equal(parseGoDuration('-1m'), -60_000);
  assert.equal(parseGoDuration('abc'), undefined);
});

test('formatGoDuration prints as Go does', () => {
  assert.equal(formatGoDuration(0), '0s');
  assert.equal(formatGoDuration(500), '500ms');
  assert.equal(formatGoDuration(0.5), '500µs');
  assert.equal(formatGoDuration(0.0001), '100ns');
  assert.equal(formatGoDuration(1000), '1s');
  assert.equal(formatGoDuration(1500), '1.5s');
  assert.equal(formatGoDuration(90_000), '1m30s');
  assert.equal(formatGoDuration(3_600_000), '1h0m0s');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration, humanSize } from './human-units.js';

test('humanDuration uses go-units wording', () => {
  const s = 1000;
  const cases: [number, string][] = [
    [500, 'Less than a second'],
    [1 * s, '1 second'],
    [7 * s, '7 seconds'],
    [60 * s, 'About a minute'],
    [150 * s, '2 minutes'],
    [3600 * s, 'About an hour'],
    [5 * 3600 * s, '5 hours'],
    [3 * 86400 * s, '3 days'],
    [20 * 86400 * s, '2 weeks'],
    [90 * 86400 * s, '3 months'],
    [800 * 86400 * s, '2 years'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, String(ms));
});

test('humanSize uses SI units with 4 significant digits', () => {
  const cases: [number, string][] = [
    [0, '0B'],
    [999, '999B'],
    [1234, '1.234kB'],
    [7_800_000, '7.8MB'],
    [4_394_000, '4.394MB'],
    [1_000_000_000, '1GB'],
  ];
  for (const [n, want] of cases) assert.equal(humanSize(n), want, String(n));
});

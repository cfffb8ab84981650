import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BerthError } from '../lib/errors.js';
import { parsePruneFilter, pruneMatches, PRUNE_KEYS } from './prune-filter.js';

const NOW = Date.UTC(2024, 0, 2, 12, 0, 0);
const f = (filters: Record<string, string[]>) => parsePruneFilter(new Map(Object.entries(filters)), PRUNE_KEYS, NOW);

test('until takes a duration before now or a timestamp; objects created after it stay', () => {
  const hourAgo = NOW - 3_600_000;
  const table: [Record<string, string[]>, number, boolean][] = [
    [{}, NOW, true],
    [{ until: ['1h'] }, hourAgo - 1, true],
    [{ until: ['1h'] }, hourAgo, true],
    [{ until: ['1h'] }, hourAgo + 1000, false],
    [{ until: ['2024-01-02T11:00:00Z'] }, hourAgo - 1000, true],
    [{ until: ['2024-01-02T11:00:00Z'] }, NOW, false],
    [{ until: [String(hourAgo / 1000)] }, NOW, false],
    [{ until: [String(hourAgo / 1000)] }, hourAgo - 1, true],
  ];
  for (const [filters, createdMs, expected] of table) {
    assert.equal(pruneMatches(f(filters), { createdMs, labels: {} }), expected, `${JSON.stringify(filters)} @${createdMs}`);
  }
});

test('label terms must all match; label! excludes objects matching all its terms', () => {
  const labels = { a: '1', b: '2' };
  const table: [Record<string, string[]>, boolean][] = [
    [{ label: ['a'] }, true],
    [{ label: ['a=1', 'b'] }, true],
    [{ label: ['a=2'] }, false],
    [{ label: ['c'] }, false],
    [{ 'label!': ['a'] }, false],
    [{ 'label!': ['a=2'] }, true],
    [{ 'label!': ['a', 'c'] }, true],
    [{ label: ['b'], 'label!': ['a=1'] }, false],
  ];
  for (const [filters, expected] of table) assert.equal(pruneMatches(f(filters), { createdMs: 0, labels }), expected, JSON.stringify(filters));
});

test('unknown keys, two untils and unreadable times are refused as invalid arguments', () => {
  const bads: Record<string, string[]>[] = [{ dangling: ['true'] }, { until: ['1h', '2h'] }, { until: ['yesterday'] }];
  for (const bad of bads) {
    assert.throws(() => f(bad), (e: unknown) => e instanceof BerthError && e.kind === 'InvalidArgument', JSON.stringify(bad));
  }
  assert.throws(() => f({ nope: ['1'] }), /invalid filter 'nope'/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesSize, humanSize } from './units.js';

test('humanSize follows go-units HumanSize (%.4g, decimal units)', () => {
  const cases: [number, string][] = [
    [0, '0B'],
    [1, '1B'],
    [999, '999B'],
    [1000, '1kB'],
    [1230, '1.23kB'],
    [1234, '1.234kB'],
    [12125, '12.12kB'],
    [7.8e6, '7.8MB'],
    [4389000, '4.389MB'],
    [4389123, '4.389MB'],
    [999999, '1000kB'],
    [1e9, '1GB'],
    [1.5e12, '1.5TB'],
    [1e24, '1YB'],
    [1.2344e28, '1.234e+04YB'],
  ];
  for (const [b, want] of cases) assert.equal(humanSize(b), want, String(b));
  assert.equal(humanSize(4389123, 3), '4.39MB');
  assert.equal(humanSize(1e6 * 123.45, 3), '123MB');
});

test('bytesSize uses binary units', () => {
  const cases: [number, string][] = [
    [0, '0B'],
    [1023, '1023B'],
    [1024, '1KiB'],
    [1536, '1.5KiB'],
    [1024 * 1024, '1MiB'],
    [5.5 * 1024 ** 3, '5.5GiB'],
  ];
  for (const [b, want] of cases) assert.equal(bytesSize(b), want);
});

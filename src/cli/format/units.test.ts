import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '../../lib/errors.js';
import { bytesSize, humanSize, parseMemory, parseSize } from './units.js';

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

test('parseMemory follows go-units RAMInBytes', () => {
  const cases: [string, number][] = [
    ['1024', 1024],
    ['32', 32],
    ['32b', 32],
    ['32B', 32],
    ['32k', 32 * 1024],
    ['32K', 32 * 1024],
    ['32kb', 32 * 1024],
    ['32Kib', 32 * 1024],
    ['32KIB', 32 * 1024],
    ['512m', 512 * 1024 ** 2],
    ['32Mb', 32 * 1024 ** 2],
    ['1g', 1024 ** 3],
    ['1.5g', 1.5 * 1024 ** 3],
    ['0.3m', Math.trunc(0.3 * 1024 ** 2)],
    ['2t', 2 * 1024 ** 4],
    ['1p', 1024 ** 5],
    ['32.3', 32],
    ['5 MiB', 5 * 1024 ** 2],
  ];
  for (const [s, want] of cases) assert.equal(parseMemory(s), want, s);
});

test('parseMemory rejects bad input with go-units wording', () => {
  const cases: [string, RegExp][] = [
    ['', /invalid size: ''/],
    ['hello', /invalid size: 'hello'/],
    ['-32', /invalid size: '-32'/],
    ['32x', /invalid suffix: 'x'/],
    ['32kbb', /invalid suffix: 'kbb'/],
    ['32mbi', /invalid suffix: 'mbi'/],
    ['32bx', /invalid suffix: 'bx'/],
    ['32kib5', /invalid syntax/],
    ['1..5m', /invalid syntax/],
  ];
  for (const [s, re] of cases) {
    assert.throws(() => parseMemory(s), (e: unknown) => isBerthError(e, 'InvalidArgument') && re.test(e.message), s);
  }
});

test('parseSize uses decimal multiples', () => {
  assert.equal(parseSize('1k'), 1000);
  assert.equal(parseSize('1.5MB'), 1.5e6);
  assert.equal(parseSize('10'), 10);
  assert.throws(() => parseSize('1q'), /invalid suffix/);
});

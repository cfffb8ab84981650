import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from './errors.js';
import { humanDuration, parseMemory, parseSize } from './human-units.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

test('humanDuration follows go-units HumanDuration', () => {
  const cases: [number, string][] = [
    [0, 'Less than a second'],
    [-5 * S, 'Less than a second'],
    [999, 'Less than a second'],
    [S, '1 second'],
    [1999, '1 second'],
    [2 * S, '2 seconds'],
    [59 * S, '59 seconds'],
    [60 * S, 'About a minute'],
    [119 * S, 'About a minute'],
    [2 * M, '2 minutes'],
    [59 * M, '59 minutes'],
    [60 * M, 'About an hour'],
    [89 * M, 'About an hour'],
    [90 * M, '2 hours'],
    [47 * H, '47 hours'],
    [47 * H + 30 * M, '2 days'],
    [48 * H, '2 days'],
    [13 * D, '13 days'],
    [14 * D, '2 weeks'],
    [59 * D, '8 weeks'],
    [60 * D, '2 months'],
    [729 * D, '24 months'],
    [730 * D, '2 years'],
    [3650 * D, '10 years'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms}ms`);
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

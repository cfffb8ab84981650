import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFloat, formatNumber, formatValue, goQuote, sprint, sprintf, sprintln, type FloatVerb } from './gofmt.js';

test('formatFloat matches strconv.FormatFloat', () => {
  const cases: [number, FloatVerb, number, string][] = [
    [7.8, 'g', 4, '7.8'],
    [1000, 'g', 4, '1000'],
    [999.95, 'g', 4, '1000'],
    [12.125, 'g', 4, '12.12'], // exact tie: half to even
    [12.375, 'g', 4, '12.38'],
    [0, 'g', 4, '0'],
    [12345, 'g', 4, '1.234e+04'],
    [1e6, 'g', -1, '1e+06'],
    [123456.5, 'g', -1, '123456.5'],
    [1234567.5, 'g', -1, '1.2345675e+06'],
    [0.0001, 'g', -1, '0.0001'],
    [0.00001, 'g', -1, '1e-05'],
    [1.5, 'f', 2, '1.50'],
    [2.675, 'f', 2, '2.67'], // 2.675 is below the tie in binary
    [0.125, 'f', 2, '0.12'],
    [0.375, 'f', 2, '0.38'],
    [0.9, 'f', 0, '1'],
    [0.001, 'f', 0, '0'],
    [-1.5, 'f', 1, '-1.5'],
    [1234.5678, 'e', 2, '1.23e+03'],
    [0, 'e', -1, '0e+00'],
    [1e-7, 'e', 3, '1.000e-07'],
    [1e100, 'g', -1, '1e+100'],
    [Infinity, 'g', -1, '+Inf'],
    [NaN, 'f', 2, 'NaN'],
  ];
  for (const [x, verb, prec, want] of cases) assert.equal(formatFloat(x, verb, prec), want, `${x} %${verb} ${prec}`);
});

test('formatNumber prints integral values as ints and others as Go %v floats', () => {
  const cases: [number, string][] = [
    [0, '0'],
    [-0, '0'],
    [42, '42'],
    [1e15, '1000000000000000'],
    [2 ** 62, '4611686018427387904'],
    [1.5, '1.5'],
    [0.1, '0.1'],
    [1e300, '1e+300'],
  ];
  for (const [x, want] of cases) assert.equal(formatNumber(x), want);
});

test('formatValue prints composites like fmt %v', () => {
  const cases: [unknown, string][] = [
    ['str', 'str'],
    [true, 'true'],
    [null, '<nil>'],
    [[1, 'a', null], '[1 a <nil>]'],
    [{ b: 2, a: [1, 2], c: { z: true } }, 'map[a:[1 2] b:2 c:map[z:true]]'],
    [[], '[]'],
    [{}, 'map[]'],
  ];
  for (const [v, want] of cases) assert.equal(formatValue(v), want);
});

test('sprintf verbs, flags and error reports', () => {
  const cases: [string, unknown[], string][] = [
    ['%s|%d|%v', ['a', 5, 1.5], 'a|5|1.5'],
    ['%5s|%-5s|', ['ab', 'cd'], '   ab|cd   |'],
    ['%-10s|', ['x'], 'x         |'],
    ['%05d|%+d|% d', [42, 3, 3], '00042|+3| 3'],
    ['%.2f|%8.3f|%-8.1f|', [3.14159, 2.5, 1.25], '3.14|   2.500|1.2     |'],
    ['%x|%X|%#x|%o|%b', [255, 255, 255, 8, 5], 'ff|FF|0xff|10|101'],
    ['%x', ['hi'], '6869'],
    ['%q|%q', ['a"b\n', 65], '"a\\"b\\n"|\'A\''],
    ['%t|%v', [true, false], 'true|false'],
    ['%c', [0x263a], '☺'],
    ['%T %T %T %T', ['s', 1, 1.5, [1]], 'string int float64 []interface {}'],
    ['100%%', [], '100%'],
    ['%d', ['x'], '%!d(string=x)'],
    ['%s', [5], '%!s(int=5)'],
    ['%d', [1.5], '%!d(float64=1.5)'],
    ['%s', [null], '%!s(<nil>)'],
    ['%v', [null], '<nil>'],
    ['%d %d', [1], '1 %!d(MISSING)'],
    ['%d', [1, 'x', 2], '1%!(EXTRA string=x, int=2)'],
    ['%d', [[1, 2]], '[1 2]'],
    ['%s', [['a', 'b']], '[a b]'],
    ['%.3s', ['abcdef'], 'abc'],
    ['%*d', [5, 42], '   42'],
    ['%e', [123456], '1.234560e+05'],
    ['%g', [0.5], '0.5'],
    ['%', [], '%!(NOVERB)'],
  ];
  for (const [f, args, want] of cases) assert.equal(sprintf(f, args), want, f);
});

test('sprint spaces only between non-string operands; sprintln always', () => {
  assert.equal(sprint([1, 2, 'a', 3, 'b', 'c']), '1 2a3bc');
  assert.equal(sprintln([1, 'a', null]), '1 a <nil>\n');
});

test('goQuote escapes like strconv.Quote', () => {
  assert.equal(goQuote('a\tb"\\\x01\u00e9\u2028'), '"a\\tb\\"\\\\\\x01é\\u2028"');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processWord, processWords } from './shell-words.js';

const vars = new Map([
  ['A', 'one'],
  ['EMPTY', ''],
  ['SP', 'x y'],
]);

test('substitution forms', () => {
  const table: [string, string][] = [
    ['$A', 'one'],
    ['${A}', 'one'],
    ['pre-${A}-post', 'pre-one-post'],
    ['$NOPE', ''],
    ['${NOPE:-def}', 'def'],
    ['${EMPTY:-def}', 'def'],
    ['${EMPTY-def}', ''],
    ['${A:-def}', 'one'],
    ['${A:+alt}', 'alt'],
    ['${EMPTY:+alt}', ''],
    ['${EMPTY+alt}', 'alt'],
    ['${NOPE:+alt}', ''],
    ['${NOPE:-$A}', 'one'],
    ["'$A'", '$A'],
    ['"$A b"', 'one b'],
    ['\\$A', '$A'],
    ['"\\$A"', '$A'],
    ['a\\ b', 'a b'],
    ['$', '$'],
    ['cost$', 'cost$'],
  ];
  for (const [input, want] of table) assert.equal(processWord(input, vars), want, input);
});

test('words split on unquoted whitespace, after substitution only within a word', () => {
  assert.deepEqual(processWords('a "b c" $SP d\\ e', vars), ['a', 'b c', 'x y', 'd e']);
  assert.deepEqual(processWords('  80/tcp   443 ', vars), ['80/tcp', '443']);
});

test('the escape character may be a backtick', () => {
  assert.equal(processWord('a` b', vars, '`'), 'a b');
  assert.equal(processWord('C:\\dir', vars, '`'), 'C:\\dir');
});

test('bad substitutions are errors', () => {
  assert.throws(() => processWord('${A', vars), /missing '}'/);
  assert.throws(() => processWord('${}', vars), /bad substitution/);
  assert.throws(() => processWord('"open', vars), /double-quote/);
  assert.throws(() => processWord('${NOPE:?must be set}', vars), /NOPE: must be set/);
});

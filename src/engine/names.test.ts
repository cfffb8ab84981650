import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateName, isValidContainerName, NAME_PARTS } from './names.js';

/** A deterministic random source cycling through the given values. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] ?? 0;
}

const indexOf = (list: readonly string[], word: string): number => {
  const i = list.indexOf(word);
  assert.ok(i >= 0, word);
  return i;
};
/** The random value that picks list[i]. */
const at = (list: readonly string[], i: number): number => (i + 0.5) / list.length;

test('word lists are sizeable, unique and valid', () => {
  const { adjectives, surnames } = NAME_PARTS;
  assert.ok(adjectives.length >= 100, `adjectives: ${adjectives.length}`);
  assert.ok(surnames.length >= 200, `surnames: ${surnames.length}`);
  assert.equal(new Set(adjectives).size, adjectives.length);
  assert.equal(new Set(surnames).size, surnames.length);
  for (const w of [...adjectives, ...surnames]) assert.match(w, /^[a-z]+$/);
});

test('generates adjective_surname names that are valid container names', () => {
  for (let i = 0; i < 200; i++) {
    const name = generateName(() => false);
    assert.match(name, /^[a-z]+_[a-z]+$/);
    assert.ok(isValidContainerName(name));
    const [adj = '', sur = ''] = name.split('_');
    assert.ok(NAME_PARTS.adjectives.includes(adj));
    assert.ok(NAME_PARTS.surnames.includes(sur));
  }
});

test('never returns boring_wozniak', () => {
  const { adjectives, surnames } = NAME_PARTS;
  const boring = at(adjectives, indexOf(adjectives, 'boring'));
  const woz = at(surnames, indexOf(surnames, 'wozniak'));
  const turing = at(surnames, indexOf(surnames, 'turing'));
  assert.equal(generateName(() => false, sequence(boring, woz, boring, turing)), 'boring_turing');
  // Even a random source stuck on the excluded pair terminates.
  assert.notEqual(generateName(() => false, sequence(boring, woz)), 'boring_wozniak');
});

test('retries on collision, then appends a digit', () => {
  const taken = new Set<string>();
  const first = generateName(() => false, sequence(0.1, 0.2));
  taken.add(first);
  // The same random source keeps producing the taken name; after the plain attempts a digit
  // suffix makes it unique.
  const tried: string[] = [];
  const next = generateName(
    (n) => {
      tried.push(n);
      return taken.has(n);
    },
    sequence(0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.35),
  );
  assert.deepEqual(tried, [first, first, first, `${first}3`]);
  assert.equal(next, `${first}3`);
  // A different name on retry is taken as is.
  const seen: string[] = [];
  const name = generateName((n) => {
    seen.push(n);
    return seen.length === 1;
  });
  assert.equal(seen.length, 2);
  assert.equal(name, seen[1]);
});

test('gives up with an error when everything is taken', () => {
  assert.throws(() => generateName(() => true), /could not generate a unique container name/);
});

test('isValidContainerName', () => {
  const cases: [string, boolean][] = [
    ['web', true],
    ['/web', true],
    ['my_app.v1-2', true],
    ['a1', true],
    ['A', false],
    ['', false],
    ['/', false],
    ['_web', false],
    ['-web', false],
    ['.web', false],
    ['web app', false],
    ['web/app', false],
    ['//web', false],
    ['wéb', false],
  ];
  for (const [name, want] of cases) assert.equal(isValidContainerName(name), want, name);
});

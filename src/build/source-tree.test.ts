import { test } from 'node:test';
import assert from 'node:assert/strict';
import { byteOrder } from './source-tree.js';

test('byteOrder sorts as the UTF-8 bytes do', () => {
  const names = ['b', 'a', 'a/b', 'a-c', 'A', 'ä', '\u{1F600}', '\uFFFD', '\uE000x', 'ab', '', 'a\u{10000}', 'a\uFFFF'];
  const want = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
  assert.deepEqual([...names].sort(byteOrder), want);
  assert.equal(byteOrder('same', 'same'), 0);
  assert.ok(byteOrder('\u{1F600}', '\uFFFF') > 0);
  assert.ok(byteOrder('\uFFFF', '\u{1F600}') < 0);
});

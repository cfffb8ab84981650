import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Holds } from './holds.js';

test('Holds: a key stays held until every holder released it; a release counts once', () => {
  const holds = new Holds();
  const a = holds.hold('k');
  const b = holds.hold('k');
  const other = holds.hold('x');
  assert.deepEqual([...holds.keys()].sort(), ['k', 'x']);
  a();
  a();
  assert.deepEqual([...holds.keys()].sort(), ['k', 'x'], 'a second call of one release does not release another holder');
  b();
  assert.deepEqual([...holds.keys()], ['x']);
  other();
  assert.deepEqual([...holds.keys()], []);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DetachKeyScanner, parseDetachKeys } from './detach-keys.js';

test('parses detach key specs', () => {
  assert.deepEqual([...parseDetachKeys('ctrl-p,ctrl-q')], [16, 17]);
  assert.deepEqual([...parseDetachKeys('a,ctrl-@,ctrl-_')], [97, 0, 31]);
  assert.throws(() => parseDetachKeys('ctrl-1'), /Invalid detach keys \(ctrl-1\) provided/);
});

test('holds back a partial sequence and releases it when broken', () => {
  const s = new DetachKeyScanner(Buffer.from([16, 17]));
  assert.deepEqual(s.feed(Buffer.from([65, 16])), { forward: Buffer.from([65]), detached: false });
  assert.deepEqual(s.feed(Buffer.from([66])), { forward: Buffer.from([16, 66]), detached: false });
  assert.deepEqual(s.feed(Buffer.from([16, 16])), { forward: Buffer.from([16]), detached: false });
  assert.deepEqual(s.feed(Buffer.from([17, 67])), { forward: Buffer.from([]), detached: true });
});

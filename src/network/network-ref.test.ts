import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '../lib/errors.js';
import { findNetworkRef } from './network-ref.js';

const nets = [
  { id: 'ab12aaaa', name: 'front' },
  { id: 'ab34bbbb', name: 'back' },
  { id: 'cd56cccc', name: 'ab12aaaa-old' },
  { id: 'ef78dddd', name: 'ab' },
];

test('a full id, then a name, then a prefix of one id', () => {
  assert.equal(findNetworkRef(nets, 'ab12aaaa')?.name, 'front', 'a full id wins over a name equal to it');
  assert.equal(findNetworkRef(nets, 'back')?.id, 'ab34bbbb');
  assert.equal(findNetworkRef(nets, 'ab3')?.name, 'back');
  assert.equal(findNetworkRef(nets, 'ab')?.id, 'ef78dddd', 'a name wins over an id prefix');
  assert.equal(findNetworkRef(nets, 'zz'), undefined);
  assert.equal(findNetworkRef(nets, ''), undefined);
});

test('a prefix of several ids is refused as dockerd refuses it', () => {
  assert.throws(
    () => findNetworkRef(nets, 'a'),
    (e: unknown) => isBerthError(e, 'InvalidArgument') && (e as Error).message === 'network a is ambiguous (2 matches found based on ID prefix)',
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressMessage, registryAuth } from './distribution.js';

test('progressMessage writes Docker JSON progress messages', () => {
  assert.deepEqual(progressMessage({ id: 'abc', status: 'Pulling fs layer' }), { status: 'Pulling fs layer', progressDetail: {}, id: 'abc' });
  assert.deepEqual(progressMessage({ id: 'abc', status: 'Downloading', current: 5, total: 10 }), {
    status: 'Downloading',
    progressDetail: { current: 5, total: 10 },
    id: 'abc',
  });
  assert.deepEqual(progressMessage({ status: '', aux: { Tag: '1' } }), { progressDetail: {}, aux: { Tag: '1' } });
});

test('registryAuth decodes X-Registry-Auth (base64url JSON), anonymous otherwise', () => {
  const enc = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  assert.deepEqual(registryAuth(enc({ username: 'a', password: 'b?>' })), { username: 'a', password: 'b?>' });
  assert.deepEqual(registryAuth(Buffer.from(JSON.stringify({ username: 'a', password: 'b?>' })).toString('base64')), { username: 'a', password: 'b?>' });
  assert.deepEqual(registryAuth('e30='), {});
  assert.equal(registryAuth(undefined), undefined);
  assert.equal(registryAuth('!!!'), undefined);
  assert.equal(registryAuth(enc(null)), undefined);
});

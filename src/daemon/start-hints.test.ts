import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mayLeadToStart } from './start-hints.js';

test('mayLeadToStart: pings (any method, versioned or not) and POSTs; not other reads', () => {
  assert.equal(mayLeadToStart('HEAD', '/_ping'), true);
  assert.equal(mayLeadToStart('GET', '/v1.50/_ping'), true);
  assert.equal(mayLeadToStart('GET', '/_ping?x=1'), true);
  assert.equal(mayLeadToStart('POST', '/v1.50/containers/create'), true);
  assert.equal(mayLeadToStart('POST', '/exec/abc/start'), true);
  assert.equal(mayLeadToStart('GET', '/v1.50/containers/json'), false);
  assert.equal(mayLeadToStart('GET', '/v1.50/containers/_ping/json'), false);
  assert.equal(mayLeadToStart('DELETE', '/v1.50/containers/x'), false);
  assert.equal(mayLeadToStart(undefined, undefined), false);
});

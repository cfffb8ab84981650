import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exposedPortKeys } from './exposed-ports.js';

test('exposedPortKeys: nat.ParsePortSpecs keys, ranges expanded', () => {
  assert.deepEqual(exposedPortKeys('80'), ['80/tcp']);
  assert.deepEqual(exposedPortKeys('53/UDP'), ['53/udp']);
  assert.deepEqual(exposedPortKeys('8000-8002'), ['8000/tcp', '8001/tcp', '8002/tcp']);
  assert.deepEqual(exposedPortKeys('7-8/sctp'), ['7/sctp', '8/sctp']);
  for (const bad of ['x', '80/ip', '0', '70000', '9-8', '']) assert.throws(() => exposedPortKeys(bad), /invalid containerPort/);
});

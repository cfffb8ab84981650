import assert from 'node:assert/strict';
import { test } from 'node:test';
import { networkFilter, type FilteredNetwork } from './network-filter.js';

const net = (over: Partial<FilteredNetwork>): FilteredNetwork => ({
  name: 'web_default',
  id: 'ab12cd34'.padEnd(64, '0'),
  driver: 'bridge',
  custom: true,
  labels: { env: 'prod', team: '' },
  inUse: false,
  ...over,
});
const keeps = (filters: Record<string, string[]>, n = net({})) => networkFilter(new Map(Object.entries(filters)))(n);

test('name and id match as Docker filter values: the value itself or a regular expression found in it', () => {
  const table: [Record<string, string[]>, boolean][] = [
    [{ name: ['web_default'] }, true],
    [{ name: ['web'] }, true],
    [{ name: ['default'] }, true],
    [{ name: ['^web_'] }, true],
    [{ name: ['^default'] }, false],
    [{ name: ['^web$'] }, false],
    [{ name: ['x', 'b_d'] }, true],
    [{ name: ['[web'] }, false],
    [{ id: ['ab12'] }, true],
    [{ id: ['12cd'] }, true],
    [{ id: ['^12cd'] }, false],
  ];
  for (const [filters, expected] of table) assert.equal(keeps(filters), expected, JSON.stringify(filters));
  assert.equal(keeps({ name: ['[web'] }, net({ name: '[web' })), true, 'an invalid expression still matches itself');
});

test('driver and scope exact, labels all, type and dangling', () => {
  const table: [Record<string, string[]>, FilteredNetwork, boolean][] = [
    [{ driver: ['bridge'] }, net({}), true],
    [{ driver: ['bri'] }, net({}), false],
    [{ scope: ['local'] }, net({}), true],
    [{ scope: ['swarm'] }, net({}), false],
    [{ label: ['env', 'team='] }, net({}), true],
    [{ label: ['env=dev'] }, net({}), false],
    [{ type: ['custom'] }, net({}), true],
    [{ type: ['builtin'] }, net({}), false],
    [{ type: ['builtin', 'custom'] }, net({ custom: false }), true],
    [{ dangling: ['true'] }, net({}), true],
    [{ dangling: ['1'] }, net({ inUse: true }), false],
    [{ dangling: ['true'] }, net({ custom: false }), false],
    [{ dangling: ['false'] }, net({ custom: false }), true],
  ];
  for (const [filters, n, expected] of table) assert.equal(keeps(filters, n), expected, `${JSON.stringify(filters)} ${JSON.stringify(n)}`);
});

test("dockerd's errors for unknown keys and bad values", () => {
  const table: [Record<string, string[]>, string][] = [
    [{ foo: ['1'] }, "invalid filter 'foo'"],
    [{ type: ['x'] }, "invalid filter: 'type'='x'"],
    [{ dangling: ['true', 'false'] }, 'got more than one value for filter key "dangling"'],
    [{ dangling: ['yes'] }, `invalid value for filter 'dangling', must be "true" (or "1"), or "false" (or "0")`],
  ];
  for (const [filters, message] of table) assert.throws(() => keeps(filters), { kind: 'InvalidArgument', message }, JSON.stringify(filters));
});

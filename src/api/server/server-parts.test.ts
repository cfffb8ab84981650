import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareVersions } from './headers.js';
import { frame } from './hijack.js';
import { boolParam, filtersParam } from './query.js';
import { Router } from './router.js';
import { filterPsOutput } from '../../engine/container-service.js';

test('versions compare numerically', () => {
  assert.equal(compareVersions('1.9', '1.10'), -1);
  assert.equal(compareVersions('1.50', '1.50'), 0);
  assert.equal(compareVersions('1.51', '1.50'), 1);
});

test('multiplexed frames carry the stream type and big-endian length', () => {
  assert.deepEqual([...frame(2, Buffer.from('hi'))], [2, 0, 0, 0, 0, 0, 0, 2, 104, 105]);
});

test('boolean query values as Docker reads them', () => {
  const q = new URLSearchParams('a=1&b=False&c=&d=no&e=true&f=0');
  assert.deepEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((k) => boolParam(q, k)), [true, false, false, false, true, false, false]);
});

test('filters accept both JSON dialects', () => {
  const list = filtersParam(new URLSearchParams({ filters: '{"label":["a=b"],"status":["running"]}' }));
  const sets = filtersParam(new URLSearchParams({ filters: '{"label":{"a=b":true},"status":{"running":true}}' }));
  assert.deepEqual([...list], [...sets]);
  assert.throws(() => filtersParam(new URLSearchParams({ filters: '{' })), /invalid filter/);
});

test('router matches single segments and greedy image names', () => {
  const r = new Router();
  const h = async () => undefined;
  r.add('GET', '/containers/{id}/json', h).add('GET', '/images/{name*}/json', h);
  assert.deepEqual(r.match('GET', '/containers/abc/json')?.params, { id: 'abc' });
  assert.deepEqual(r.match('GET', '/images/localhost:5000/app/json')?.params, { name: 'localhost:5000/app' });
  assert.equal(r.match('POST', '/containers/abc/json'), null);
  assert.equal(r.match('GET', '/nothing'), undefined);
});

test('top keeps only the container processes of ps output', () => {
  const out = 'UID PID PPID C STIME TTY TIME CMD\nroot 1 0 0 10:00 ? 00:00:01 /sbin/init\nroot 42 41 0 10:01 ? 00:00:00 httpd -f -p 80\n';
  assert.deepEqual(filterPsOutput(out, [42]), {
    Titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'],
    Processes: [['root', '42', '41', '0', '10:01', '?', '00:00:00', 'httpd -f -p 80']],
  });
});

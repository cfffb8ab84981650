import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Volume } from './volume-store.js';
import { volumeListFilter, volumePruneFilter } from './volume-filter.js';

const vol = (name: string): Volume => ({ name, created: '', anonymous: false, labels: { a: 'b' }, options: {}, mountpoint: '' });

test('name is matched as a Docker filter value: itself or a regular expression found in it', () => {
  const table: [string, string, boolean][] = [
    ['data', 'app_data', true],
    ['^app', 'app_data', true],
    ['^data', 'app_data', false],
    ['data$', 'app_data', true],
    ['(', 'app_data', false],
  ];
  for (const [value, name, expected] of table) {
    assert.equal(volumeListFilter(new Map([['name', [value]]]), () => false)(vol(name)), expected, `${value} ~ ${name}`);
  }
});

test("dangling and all: dockerd's values and errors", () => {
  const list = (values: string[], inUse: boolean) => volumeListFilter(new Map([['dangling', values]]), () => inUse)(vol('v1'));
  assert.equal(list(['true'], false), true);
  assert.equal(list(['1', 'true'], true), false);
  assert.equal(list(['0'], true), true);
  assert.throws(() => list(['maybe'], false), { message: "invalid filter 'dangling=[maybe]'" });
  assert.throws(() => list(['true', 'false'], false), { message: "invalid filter 'dangling=[true false]'" });
  assert.throws(() => list(['TRUE'], false), { message: "invalid filter 'dangling=[TRUE]'" });
  const all = (values: string[]) => volumePruneFilter(new Map([['all', values]])).all;
  assert.equal(all(['True']), true);
  assert.equal(all(['f']), false);
  assert.throws(() => all(['yes']), { message: `invalid filter 'all': strconv.ParseBool: parsing "yes": invalid syntax` });
  assert.throws(() => all(['1', '0']), { message: "invalid filter 'all=[1 0]': only one value is expected" });
});

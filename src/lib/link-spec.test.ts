import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLink } from './link-spec.js';

test('parseLink reads name, name:alias and the stored /name:/parent/alias; refuses more colons', () => {
  assert.deepEqual(parseLink('db'), { name: 'db', alias: 'db' });
  assert.deepEqual(parseLink('db:data'), { name: 'db', alias: 'data' });
  assert.deepEqual(parseLink('/db:/app/data'), { name: 'db', alias: 'data' });
  assert.throws(() => parseLink('a:b:c'), /^BerthError: bad format for links: a:b:c$/);
  assert.throws(() => parseLink(''), /empty string specified for links/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExtraHost } from './extra-host.js';

test('an extra host splits on the first "=", else the first ":", so IPv6 needs no brackets', () => {
  assert.deepEqual(parseExtraHost('db:10.0.0.2'), { name: 'db', ip: '10.0.0.2' });
  assert.deepEqual(parseExtraHost('db=10.0.0.2'), { name: 'db', ip: '10.0.0.2' });
  assert.deepEqual(parseExtraHost('v6:::1'), { name: 'v6', ip: '::1' });
  assert.deepEqual(parseExtraHost('v6=[2001:db8::1]'), { name: 'v6', ip: '2001:db8::1' });
  assert.deepEqual(parseExtraHost('gw:host-gateway'), { name: 'gw', ip: 'host-gateway' });
});

test("a bad extra host gets Docker's message", () => {
  assert.throws(() => parseExtraHost('db'), { message: 'bad format for add-host: "db"' });
  assert.throws(() => parseExtraHost(':10.0.0.2'), { message: 'bad format for add-host: ":10.0.0.2"' });
  assert.throws(() => parseExtraHost('db:nohost'), { message: 'invalid IP address in add-host: "nohost"' });
  assert.throws(() => parseExtraHost('db:'), { message: 'invalid IP address in add-host: ""' });
  assert.throws(() => parseExtraHost('db:[]'), { message: 'invalid IP address in add-host: "[]"' });
});

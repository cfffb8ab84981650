import { test } from 'node:test';
import assert from 'node:assert/strict';
import { localMountOf, localOptionsProblem, maskedOptions } from './local-mount.js';

test('localOptionsProblem: dockerd\'s checks of the local driver\'s options, in its order', () => {
  assert.equal(localOptionsProblem({}), undefined);
  assert.equal(localOptionsProblem({ type: 'tmpfs', device: 'tmpfs', o: 'size=1m' }), undefined);
  assert.equal(localOptionsProblem({ type: 'none', device: '/srv', o: 'bind', foo: 'x' }), 'invalid option: "foo"');
  assert.equal(localOptionsProblem({ type: 'tmpfs' }), 'missing required option: "device"');
  assert.equal(localOptionsProblem({ device: '/dev/sdb1' }), 'missing required option: "type"');
  assert.equal(localOptionsProblem({ o: 'bind', device: '/srv' }), 'missing required option: "type"');
  assert.equal(localOptionsProblem({ type: 'cifs', device: '//host:445/share' }), "port not allowed in CIFS device URL, include 'port' in 'o='");
  assert.equal(localOptionsProblem({ type: 'cifs', device: 'smb://user@[fe80::1]:139/share' }), "port not allowed in CIFS device URL, include 'port' in 'o='");
  assert.equal(localOptionsProblem({ type: 'cifs', device: '//host/share', o: 'port=445' }), undefined);
  assert.equal(localOptionsProblem({ size: '0' }), undefined);
  assert.equal(localOptionsProblem({ size: '1g' }), 'quota size requested but no quota support');
  assert.equal(localOptionsProblem({ size: 'big' }), "invalid size: 'big'");
});

test('localMountOf: a mount only when a type or device is set', () => {
  assert.equal(localMountOf({}), undefined);
  assert.equal(localMountOf({ size: '0' }), undefined);
  assert.deepEqual(localMountOf({ type: 'none', device: '/srv/data', o: 'bind' }), { type: 'none', device: '/srv/data', o: 'bind' });
  assert.deepEqual(localMountOf({ type: 'tmpfs', device: 'tmpfs' }), { type: 'tmpfs', device: 'tmpfs', o: '' });
});

test('maskedOptions: a password never shows in an error', () => {
  assert.equal(maskedOptions('addr=10.0.0.2,username=u,password=s3cr,et,vers=3.0'), 'addr=10.0.0.2,username=u,password=********,et,vers=3.0');
  assert.equal(maskedOptions('password=x'), 'password=********');
  assert.equal(maskedOptions('size=1m,nopassword=1'), 'size=1m,nopassword=1');
});

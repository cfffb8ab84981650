import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDeviceMapping, parseDeviceCgroupRule, parseDeviceFlag } from './device-spec.js';

test('--device reads HOST[:CONTAINER][:PERMISSIONS] as docker/cli does', () => {
  assert.deepEqual(parseDeviceFlag('/dev/fuse'), { PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' });
  assert.deepEqual(parseDeviceFlag('/dev/fuse:rw'), { PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rw' });
  assert.deepEqual(parseDeviceFlag('/dev/fuse:/dev/f'), { PathOnHost: '/dev/fuse', PathInContainer: '/dev/f', CgroupPermissions: 'rwm' });
  assert.deepEqual(parseDeviceFlag('/dev/fuse:/dev/f:r'), { PathOnHost: '/dev/fuse', PathInContainer: '/dev/f', CgroupPermissions: 'r' });
  assert.throws(() => parseDeviceFlag('/dev/a:/b:rw:x'), { message: 'invalid device specification: /dev/a:/b:rw:x' });
  assert.throws(() => parseDeviceFlag('dev/fuse'), { message: 'bad format for path: dev/fuse' });
  assert.throws(() => parseDeviceFlag('/dev/fuse:f:rw'), { message: 'bad format for path: f' });
  assert.throws(() => parseDeviceFlag('/dev/fuse:/f:q'), { message: 'invalid device mode: q' });
  assert.throws(() => checkDeviceMapping({ PathOnHost: '/dev/fuse', PathInContainer: '/f', CgroupPermissions: 'rwx' }), /invalid device mode: rwx/);
});

test("--device-cgroup-rule: 'TYPE MAJOR:MINOR ACCESS', * for any number", () => {
  assert.deepEqual(parseDeviceCgroupRule('c 1:3 rwm'), { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' });
  assert.deepEqual(parseDeviceCgroupRule('b 8:* r'), { allow: true, type: 'b', major: 8, access: 'r' });
  assert.deepEqual(parseDeviceCgroupRule('a *:* m'), { allow: true, type: 'a', access: 'm' });
  for (const bad of ['c 1:3', 'x 1:3 r', 'c 1 r', 'c 1:3 rwx', 'bogus']) assert.throws(() => parseDeviceCgroupRule(bad), { message: `invalid device cgroup format '${bad}'` });
});

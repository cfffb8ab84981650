import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBind, parseMountEntry, planMounts, tmpfsMountOptions } from './mount-plan.js';

test('parseBind: host paths are binds, names are volumes, modes are read', () => {
  assert.deepEqual(parseBind('/host/dir/:/ctr:ro'), {
    Type: 'bind', Source: '/host/dir', Destination: '/ctr', Mode: 'ro', RW: false, Propagation: 'rprivate', createSource: true,
  });
  assert.equal(parseBind('/h:/c:rshared').Propagation, 'rshared');
  assert.deepEqual(parseBind('data:/var/lib/x/'), {
    Type: 'volume', Name: 'data', Source: '', Destination: '/var/lib/x', Driver: 'local', Mode: 'z', RW: true, Propagation: '', noCopy: false,
  });
  assert.equal(parseBind('data:/x:nocopy').noCopy, true);
  assert.throws(() => parseBind('/h:/c:bogus'), /invalid volume specification: '\/h:\/c:bogus'/);
  assert.throws(() => parseBind('/h'), /invalid volume specification/);
  assert.throws(() => parseBind('/h:rel'), /mount path must be absolute/);
  assert.throws(() => parseBind('/h:/'), /destination can't be '\/'/);
});

test('parseMountEntry: bind, volume, tmpfs', () => {
  assert.equal(parseMountEntry({ Type: 'bind', Source: '/s', Target: '/t', ReadOnly: true }).RW, false);
  assert.equal(parseMountEntry({ Type: 'bind', Source: '/s', Target: '/t' }).createSource, false);
  assert.throws(() => parseMountEntry({ Type: 'bind', Source: 'rel', Target: '/t' }), /must be absolute/);
  const anon = parseMountEntry({ Type: 'volume', Target: '/v' });
  assert.equal(anon.anonymous, true);
  assert.equal(anon.Name, '');
  assert.deepEqual(parseMountEntry({ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1024, Mode: 0o1777 } }).tmpfsOptions, ['size=1024', 'mode=1777']);
  assert.throws(() => parseMountEntry({ Type: 'tmpfs', Source: 'x', Target: '/t' }), /Source must not be specified/);
  assert.throws(() => parseMountEntry({ Type: 'npipe', Target: '/t' }), /not supported/);
});

test('planMounts: duplicates refused, VOLUME paths covered by a bind get no anonymous volume', () => {
  assert.throws(() => planMounts({ binds: ['/a:/x', 'v:/x'], mounts: [], tmpfs: {}, volumes: [] }), /Duplicate mount point: \/x/);
  const plan = planMounts({ binds: ['/a:/data'], mounts: [], tmpfs: { '/run': 'size=1m' }, volumes: ['/data', '/cache'] });
  assert.deepEqual(plan.map((m) => [m.Type, m.Destination]), [['bind', '/data'], ['tmpfs', '/run'], ['volume', '/cache']]);
  assert.equal(plan[1]?.hidden, true);
  assert.equal(plan[2]?.anonymous, true);
});

test('tmpfsMountOptions: Docker defaults, user overrides, read-only', () => {
  const base = { Type: 'tmpfs' as const, Source: '', Destination: '/t', Mode: '', Propagation: '' };
  assert.deepEqual(tmpfsMountOptions({ ...base, RW: true, tmpfsOptions: ['size=64m'] }), ['nosuid', 'nodev', 'noexec', 'size=64m']);
  assert.deepEqual(tmpfsMountOptions({ ...base, RW: false, tmpfsOptions: ['exec'] }), ['nosuid', 'nodev', 'ro']);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBind, parseMountEntry, planMounts, tmpfsMountOptions, volumesFromContainer, volumesFromMounts, type MountRecord } from './mount-plan.js';

test('parseBind: host paths are binds, names are volumes, modes are read', () => {
  assert.deepEqual(parseBind('/host/dir/:/ctr:ro'), {
    Type: 'bind', Source: '/host/dir', Destination: '/ctr', Mode: 'ro', RW: false, Propagation: 'rprivate', createSource: true,
  });
  assert.equal(parseBind('/h:/c:rshared').Propagation, 'rshared');
  assert.deepEqual(parseBind('data:/var/lib/x/'), {
    Type: 'volume', Name: 'data', Source: '', Destination: '/var/lib/x', Driver: 'local', Mode: 'z', RW: true, Propagation: '', noCopy: false,
  });
  assert.equal(parseBind('data:/x:nocopy').noCopy, true);
  assert.throws(() => parseBind('/h:/c:bogus'), { message: 'invalid mode: bogus' });
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

test('volumesFromMounts: the source\'s mounts but its --tmpfs, read-only with :ro, never seeded; bad modes refused', () => {
  const source: MountRecord[] = [
    { Type: 'volume', Name: 'v1', Source: '/vol/v1', Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: '', anonymous: true },
    { Type: 'bind', Source: '/srv', Destination: '/srv', Mode: 'ro', RW: false, Propagation: 'rprivate' },
    { Type: 'tmpfs', Source: '', Destination: '/run', Mode: '', RW: true, Propagation: '', hidden: true },
  ];
  assert.deepEqual(volumesFromMounts('src', source).map((m) => [m.Destination, m.RW, m.noCopy]), [['/data', true, true], ['/srv', false, true]]);
  assert.deepEqual(volumesFromMounts('src:ro', source).map((m) => [m.Destination, m.RW]), [['/data', false], ['/srv', false]]);
  assert.deepEqual(volumesFromMounts('src:rw', source).map((m) => m.RW), [true, false]);
  assert.throws(() => volumesFromMounts('src:z', source), /invalid mode: z/);
  assert.equal(volumesFromContainer('src:ro'), 'src');
  assert.throws(() => volumesFromContainer(''), /cannot be an empty string/);
});

test('planMounts: the container\'s own binds win over --volumes-from, which wins over image VOLUMEs', () => {
  const from: MountRecord[] = [
    { Type: 'volume', Name: 'v1', Source: '/vol/v1', Destination: '/data', Driver: 'local', Mode: '', RW: true, Propagation: '' },
    { Type: 'volume', Name: 'v2', Source: '/vol/v2', Destination: '/cache', Driver: 'local', Mode: '', RW: true, Propagation: '' },
  ];
  const plan = planMounts({ binds: ['/host:/data'], mounts: [], tmpfs: {}, volumes: ['/cache', '/logs'], from });
  assert.deepEqual(plan.map((m) => [m.Destination, m.Type, m.Name ?? m.Source]), [['/data', 'bind', '/host'], ['/cache', 'volume', 'v2'], ['/logs', 'volume', '']]);
});

test("parseBind: Docker's mode rules, each kind of option once", () => {
  assert.throws(() => parseBind('/tmp:/x:ro,rw'), { message: 'invalid mode: ro,rw' });
  assert.throws(() => parseBind('/tmp:/x:bogus'), { message: 'invalid mode: bogus' });
  assert.throws(() => parseBind('/tmp:/x:shared,slave'), { message: 'invalid mode: shared,slave' });
  assert.equal(parseBind('/tmp:/x:ro,z').RW, false);
});

test('planMounts: --tmpfs options are key=value data or known mount flags', () => {
  assert.deepEqual(planMounts({ binds: [], mounts: [], tmpfs: { '/t': 'size=1m,noexec,mode=1777' }, volumes: [] })[0]?.tmpfsOptions, ['size=1m', 'noexec', 'mode=1777']);
  assert.throws(() => planMounts({ binds: [], mounts: [], tmpfs: { '/t': 'bogus' }, volumes: [] }), { message: 'invalid tmpfs option ["bogus"]' });
});

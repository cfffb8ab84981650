import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandOf, mergeEnv, mergeImageConfig } from './container-config.js';

test('env merge: user entries replace image entries of the same name', () => {
  assert.deepEqual(mergeEnv(['PATH=/bin', 'A=1'], ['A=2', 'B=3']), ['PATH=/bin', 'A=2', 'B=3']);
  assert.deepEqual(mergeEnv(['PATH=/bin', 'A=1'], ['A', 'B', 'C=']), ['PATH=/bin', 'C='], 'a bare name unsets');
});

test('command resolution follows Docker', () => {
  const image = { Entrypoint: ['/entry'], Cmd: ['serve'] };
  const cases: [Parameters<typeof mergeImageConfig>[0], string[]][] = [
    [{}, ['/entry', 'serve']],
    [{ Cmd: ['ls'] }, ['/entry', 'ls']],
    [{ Entrypoint: ['/bin/sh'] }, ['/bin/sh']],
    [{ Entrypoint: ['/bin/sh'], Cmd: ['-c', 'true'] }, ['/bin/sh', '-c', 'true']],
    [{ Entrypoint: [''], Cmd: ['echo'] }, ['echo']],
  ];
  for (const [user, want] of cases) {
    const merged = mergeImageConfig(user, image, 'abc');
    const { path, args } = commandOf(merged);
    assert.deepEqual([path, ...args], want, JSON.stringify(user));
  }
});

test('defaults: hostname, workdir, user, labels merged', () => {
  const m = mergeImageConfig({ Labels: { a: '1' } }, { WorkingDir: '/app', User: 'nobody', Labels: { b: '2' } }, '0123456789ab');
  assert.equal(m.Hostname, '0123456789ab');
  assert.equal(m.WorkingDir, '/app');
  assert.equal(m.User, 'nobody');
  assert.deepEqual(m.Labels, { b: '2', a: '1' });
});

test("dockerd's merge of what the user left empty: the image's own, null or left out when it has none", () => {
  const bare = mergeImageConfig({ Env: [], ExposedPorts: {}, Volumes: {}, Cmd: ['sh'] }, { OnBuild: ['RUN true'] }, 'x');
  assert.equal(bare.Env, null);
  assert.equal(bare.Volumes, null);
  assert.equal(bare.OnBuild, null, "the image's ONBUILD is not the container's");
  assert.equal('ExposedPorts' in bare, false, 'omitempty in dockerd');
  const full = mergeImageConfig({ Env: ['B=2'], ExposedPorts: { '81/tcp': {} }, Volumes: { '/u': {} } }, { Env: ['A=1'], ExposedPorts: { '80/tcp': {} }, Volumes: { '/v': {} } }, 'x');
  assert.deepEqual([full.Env, full.ExposedPorts, full.Volumes], [['A=1', 'B=2'], { '80/tcp': {}, '81/tcp': {} }, { '/v': {}, '/u': {} }]);
  assert.deepEqual(mergeImageConfig({}, { Env: ['A=1'] }, 'x').Env, ['A=1']);
});

test('no command is an error', () => {
  assert.throws(() => commandOf(mergeImageConfig({}, {}, 'x')), /no command specified/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ImageRunConfig } from '../oci/image.js';
import { mergeCommitConfig } from './commit.js';

const container: ImageRunConfig = {
  User: 'app',
  Env: ['PATH=/bin', 'A=1'],
  Entrypoint: ['/entry'],
  Cmd: ['serve'],
  WorkingDir: '/srv',
  Labels: { a: '1' },
  ExposedPorts: { '80/tcp': {} },
  StopSignal: 'SIGINT',
  OnBuild: ['RUN x'],
};

test("commit config: the user's fields win, unset ones come from the container (Docker's merge)", () => {
  const cases: [string, ImageRunConfig, Partial<ImageRunConfig>][] = [
    ['nothing given keeps the container config (ONBUILD is not carried)', {}, { User: 'app', Env: ['PATH=/bin', 'A=1'], Entrypoint: ['/entry'], Cmd: ['serve'], WorkingDir: '/srv', StopSignal: 'SIGINT', OnBuild: undefined }],
    ['CMD replaces the command, keeps the entrypoint', { Cmd: ['x'] }, { Entrypoint: ['/entry'], Cmd: ['x'] }],
    ['ENTRYPOINT drops the container command', { Entrypoint: ['/other'] }, { Entrypoint: ['/other'], Cmd: undefined }],
    ['ENV first, container entries of other names after', { Env: ['A=2', 'B=3'] }, { Env: ['A=2', 'B=3', 'PATH=/bin'] }],
    ['labels and ports are unions', { Labels: { b: '2', a: 'x' }, ExposedPorts: { '53/udp': {} } }, { Labels: { a: 'x', b: '2' }, ExposedPorts: { '80/tcp': {}, '53/udp': {} } }],
    ['scalars', { User: 'root', WorkingDir: '/w', StopSignal: 'SIGTERM' }, { User: 'root', WorkingDir: '/w', StopSignal: 'SIGTERM' }],
  ];
  for (const [name, user, want] of cases) {
    const got = mergeCommitConfig(user, container);
    for (const [k, v] of Object.entries(want)) assert.deepEqual(got[k as keyof ImageRunConfig], v, `${name}: ${k}`);
  }
});

test('commit config: inputs are not modified', () => {
  const user: ImageRunConfig = { Env: ['B=1'] };
  mergeCommitConfig(user, container);
  assert.deepEqual(user, { Env: ['B=1'] });
  assert.deepEqual(container.Env, ['PATH=/bin', 'A=1']);
});

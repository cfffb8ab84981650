import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainCacheMiss } from './cache-explain.js';

const run = (...cmd: string[]) => ({ Cmd: cmd, Env: ['PATH=/bin'] });
const copy = (hash: string, dest = '/app/ ') => run('/bin/sh', '-c', `#(nop) COPY dir:${hash} in ${dest}`);

test('no earlier build on the parent', () => {
  assert.deepEqual(explainCacheMiss(run('/bin/sh', '-c', 'make'), undefined, []), ['no earlier build of any step on this parent image']);
});

test('build args: changed, new, gone', () => {
  const want = run('|2', 'A=2', 'B=1', '/bin/sh', '-c', 'make');
  const was = run('|2', 'A=1', 'C=x', '/bin/sh', '-c', 'make');
  assert.deepEqual(explainCacheMiss(want, undefined, [{ containerConfig: was }]), [
    'build arg A changed: "1" -> "2"',
    'build arg B is new ("1")',
    'build arg C is no longer set (was "x")',
  ]);
});

test('a different command names the earlier one', () => {
  const r = explainCacheMiss(run('/bin/sh', '-c', 'make all'), undefined, [{ containerConfig: run('/bin/sh', '-c', 'make') }]);
  assert.deepEqual(r, ['the step differs from the earlier build on this parent ("/bin/sh -c make")']);
});

test('COPY picks the earlier copy to the same place and lists the files that differ', () => {
  const wantFiles = { 'app/a.py': '1', 'app/b.py': '2', 'app/new.py': '3' };
  const r = explainCacheMiss(copy('bbb'), wantFiles, [
    { containerConfig: run('/bin/sh', '-c', 'make') },
    { containerConfig: copy('aaa'), files: { 'app/a.py': '1', 'app/b.py': 'old', 'app/gone.py': '4' } },
  ]);
  assert.deepEqual(r, ['files copied by COPY /app/ differ: changed: app/b.py; new: app/new.py; gone: app/gone.py']);
  assert.deepEqual(explainCacheMiss(copy('bbb'), undefined, [{ containerConfig: copy('aaa') }]), ['the content copied by COPY /app/ differs']);
});

test('settings other than the command are named', () => {
  const want = { ...run('/bin/sh', '-c', 'make'), WorkingDir: '/src' };
  assert.deepEqual(explainCacheMiss(want, undefined, [{ containerConfig: run('/bin/sh', '-c', 'make') }]), ['the image settings differ: WorkingDir']);
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getRebaseName, prepareArchiveCopy, rebaseEntryName, splitCpArg, type CopyInfo } from './cp-rules.js';

const info = (path: string, exists: boolean, isDir: boolean, rebaseName = ''): CopyInfo => ({ path, exists, isDir, rebaseName });

describe('docker cp rules', () => {
  it('splits CONTAINER:PATH, leaving local paths with a colon alone when explicit', () => {
    assert.deepEqual(splitCpArg('c:/etc'), { container: 'c', path: '/etc' });
    assert.deepEqual(splitCpArg('/abs:x'), { container: '', path: '/abs:x' });
    assert.deepEqual(splitCpArg('./f:x'), { container: '', path: './f:x' });
    assert.deepEqual(splitCpArg('plain'), { container: '', path: 'plain' });
    assert.deepEqual(splitCpArg('-'), { container: '', path: '-' });
  });

  it('prepareArchiveCopy: where the archive goes and how it is renamed', () => {
    assert.deepEqual(prepareArchiveCopy(info('/src/d', true, true), info('/dst', true, true)), { dir: '/dst' });
    assert.throws(() => prepareArchiveCopy(info('/src/d', true, true), info('/dst/f', true, false)), /^Error: cannot copy directory$/);
    assert.deepEqual(prepareArchiveCopy(info('/src/f', true, false), info('/dst/g', true, false)), { dir: '/dst', rebase: { from: 'f', to: 'g' } });
    assert.deepEqual(prepareArchiveCopy(info('/src/d', true, true), info('/dst/new', false, false)), { dir: '/dst', rebase: { from: 'd', to: 'new' } });
    assert.deepEqual(prepareArchiveCopy(info('/src/d/.', true, true), info('/dst/new', false, false)), { dir: '/dst', rebase: { from: '.', to: 'new' } });
    assert.throws(() => prepareArchiveCopy(info('/src/f', true, false), info('/dst/new/', false, false)), /^Error: no such directory$/);
    assert.deepEqual(prepareArchiveCopy(info('/src/link', true, false, 'name'), info('/dst/g', false, false)), { dir: '/dst', rebase: { from: 'name', to: 'g' } });
  });

  it('rebases the first occurrence only, and keeps trailing markers of followed links', () => {
    assert.equal(rebaseEntryName('./a', '.', 'new'), 'new/a');
    assert.equal(rebaseEntryName('d/d/x', 'd', 'e'), 'e/d/x');
    assert.equal(rebaseEntryName('other', 'zz', 'e'), 'other');
    assert.deepEqual(getRebaseName('/a/link', '/a/target'), { resolved: '/a/target', rebaseName: 'link' });
    assert.deepEqual(getRebaseName('/a/link/', '/a/target'), { resolved: '/a/target/', rebaseName: 'link' });
    assert.deepEqual(getRebaseName('/a/link/.', '/a/target'), { resolved: '/a/target/.', rebaseName: '' });
  });
});

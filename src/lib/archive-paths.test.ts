import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { archiveEntryName, goBase, goClean, preserveTrailing, splitPathDirEntry } from './archive-paths.js';

describe('archive paths (Go filepath and docker archive rules)', () => {
  it('goBase and goClean', () => {
    const base: Array<[string, string]> = [['', '.'], ['/', '/'], ['/a/b', 'b'], ['/a/b/', 'b'], ['a/.', '.'], ['//', '/']];
    for (const [p, want] of base) assert.equal(goBase(p), want, p);
    const clean: Array<[string, string]> = [['', '.'], ['/a/../..', '/'], ['a/./b/', 'a/b'], ['/a//b/', '/a/b']];
    for (const [p, want] of clean) assert.equal(goClean(p), want, p);
  });

  it('preserveTrailing keeps "/" and "/."', () => {
    const cases: Array<[string, string, string]> = [
      ['/a', '/a/', '/a/'],
      ['/a', 'a/.', '/a/.'],
      ['/', '.', '/.'],
      ['/', '/', '/'],
      ['/a/b', 'a/b', '/a/b'],
    ];
    for (const [cleaned, original, want] of cases) assert.equal(preserveTrailing(cleaned, original), want, original);
  });

  it('splitPathDirEntry', () => {
    assert.deepEqual(splitPathDirEntry('/a/b'), { dir: '/a', base: 'b' });
    assert.deepEqual(splitPathDirEntry('/a/b/'), { dir: '/a', base: 'b' });
    assert.deepEqual(splitPathDirEntry('/a/b/.'), { dir: '/a/b', base: '.' });
    assert.deepEqual(splitPathDirEntry('/'), { dir: '/', base: '/' });
  });

  it('archiveEntryName names entries as Docker rebases them', () => {
    assert.equal(archiveEntryName('d', ''), 'd');
    assert.equal(archiveEntryName('d', 'x/y'), 'd/x/y');
    assert.equal(archiveEntryName('.', 'x'), './x');
    assert.equal(archiveEntryName('/', ''), '');
    assert.equal(archiveEntryName('/', 'bin'), '/bin');
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DockerignoreMatcher, parseDockerignore } from './dockerignore.js';

test('parse: comments, blanks, cleaning, exceptions', () => {
  assert.deepEqual(parseDockerignore('# c\n\n/a/../b/\n !keep \n./x\n.\n'), ['b', '!keep', 'x']);
});

test('Docker pattern rules', () => {
  const table: [string, string, boolean][] = [
    ['*.md', 'README.md', true],
    ['*.md', 'docs/README.md', false],
    ['**/*.md', 'docs/deep/README.md', true],
    ['**/*.md', 'README.md', true],
    ['docs', 'docs/a/b.txt', true],
    ['docs/**', 'docs/a/b.txt', true],
    ['temp?', 'temp1', true],
    ['temp?', 'temp12', false],
    ['[ab].txt', 'a.txt', true],
    ['[!ab].txt', 'a.txt', false],
    ['node_modules', 'src/node_modules', false],
    ['**/node_modules', 'src/node_modules/x.js', true],
  ];
  for (const [pattern, path, want] of table) {
    assert.equal(new DockerignoreMatcher(parseDockerignore(pattern)).excludes(path), want, `${pattern} ~ ${path}`);
  }
});

test('the last matching pattern wins, and ! re-includes', () => {
  const m = new DockerignoreMatcher(parseDockerignore('*.log\n!important.log\nsecret*'));
  assert.equal(m.excludes('a.log'), true);
  assert.equal(m.excludes('important.log'), false);
  assert.equal(m.excludes('secret.log'), true);
  const dir = new DockerignoreMatcher(parseDockerignore('logs\n!logs/keep.txt'));
  assert.equal(dir.excludes('logs/x.txt'), true);
  assert.equal(dir.excludes('logs/keep.txt'), false);
  assert.equal(dir.mayReinclude('logs'), true);
  assert.equal(new DockerignoreMatcher(['logs']).mayReinclude('logs'), false);
});

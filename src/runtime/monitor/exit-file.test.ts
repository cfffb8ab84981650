import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitWatcher, readExitFile } from './exit-file.js';
import { eventually } from './test-sandbox.js';

test('readExitFile', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-exit-'));
  try {
    const cases: Array<[string | null, number | null]> = [
      ['3', 3],
      ['137\n', 137],
      ['-1', -1],
      ['', null],
      ['x', null],
      [null, null],
    ];
    for (const [i, [content, want]] of cases.entries()) {
      const p = join(dir, `f${i}`);
      if (content !== null) await writeFile(p, content);
      assert.equal(await readExitFile(p), want, String(content));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('ExitWatcher reports existing and new exit files once, and replaced ones again', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-exitw-'));
  const seen: Array<[string, number]> = [];
  const w = new ExitWatcher(join(dir, 'exits'), (id, code) => seen.push([id, code]));
  try {
    await mkdir(join(dir, 'exits'));
    await writeFile(join(dir, 'exits', 'aaa'), '0');
    await w.start();
    assert.deepEqual(seen, [['aaa', 0]]);
    // conmon's way: a temp file renamed into place; the temp name is never reported.
    await writeFile(join(dir, 'exits', 'bbb.XY12AB'), '3');
    await rename(join(dir, 'exits', 'bbb.XY12AB'), join(dir, 'exits', 'bbb'));
    await eventually(() => (seen.length === 2 ? true : undefined), 3000, 'new exit file');
    assert.deepEqual(seen[1], ['bbb', 3]);
    await rm(join(dir, 'exits', 'aaa'));
    await writeFile(join(dir, 'exits', 'aaa.tmp'), '9');
    await rename(join(dir, 'exits', 'aaa.tmp'), join(dir, 'exits', 'aaa'));
    await eventually(() => (seen.some(([id, c]) => id === 'aaa' && c === 9) ? true : undefined), 3000, 'replaced exit file');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(seen.filter(([id]) => id === 'aaa').length, 2);
  } finally {
    w.close();
    await rm(dir, { recursive: true, force: true });
  }
});

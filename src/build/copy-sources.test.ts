import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { hashPlan, planCopy, resolveInScope, writeCopyTar, type PlanRequest } from './copy-sources.js';
import { LayeredFs } from './image-fs.js';
import type { SourceTree } from './source-tree.js';

function withContext(fn: (root: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const root = mkdtempSync(join(tmpdir(), 'berth-copy-'));
    try {
      mkdirSync(join(root, 'dir/sub'), { recursive: true });
      writeFileSync(join(root, 'a.txt'), 'a');
      writeFileSync(join(root, 'b.txt'), 'b');
      writeFileSync(join(root, 'dir/x'), 'x');
      writeFileSync(join(root, 'dir/sub/y'), 'y');
      symlinkSync('/etc', join(root, 'out'));
      symlinkSync('../../..', join(root, 'dir/up'));
      await fn(root);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
}

const req = (root: string, sources: string[], dest: string, extra: Partial<PlanRequest> = {}): PlanRequest => ({
  fs: new LayeredFs([root]),
  what: 'build context',
  sources,
  dest,
  destIsDir: false,
  owner: null,
  chmod: undefined,
  keyword: 'COPY',
  ...extra,
});

const names = (root: string, sources: string[], dest: string, extra: Partial<PlanRequest> = {}): string[] =>
  planCopy(req(root, sources, dest, extra)).entries.map((e) => e.name);

test('trailing-slash and directory rules', withContext((root) => {
  assert.deepEqual(names(root, ['a.txt'], '/app/f'), ['app/f']);
  assert.deepEqual(names(root, ['a.txt'], '/app/'), ['app/a.txt']);
  assert.deepEqual(names(root, ['a.txt'], '/app', { destIsDir: true }), ['app/a.txt']);
  assert.deepEqual(names(root, ['dir'], '/d'), ['d', 'd/sub', 'd/sub/y', 'd/up', 'd/x']);
  assert.deepEqual(names(root, ['*.txt'], '/t/'), ['t/a.txt', 't/b.txt']);
  assert.deepEqual(names(root, ['a.txt', 'b.txt'], '/t/'), ['t/a.txt', 't/b.txt']);
  assert.throws(() => names(root, ['a.txt', 'b.txt'], '/t'), /destination must be a directory and end with a \//);
  assert.throws(() => names(root, ['nope.txt'], '/t'), /COPY failed: file not found in build context or excluded by \.dockerignore: stat nope\.txt/);
  assert.throws(() => names(root, ['*.nope'], '/t/'), /no source files were specified/);
}));

test('never reads outside the context', withContext((root) => {
  assert.throws(() => names(root, ['../etc/passwd'], '/x'), /forbidden path outside the build context/);
  assert.throws(() => names(root, ['dir/../../x'], '/x'), /forbidden path outside the build context/);
  // A symlink pointing out resolves inside the context (as Docker's FollowSymlinkInScope), so it is missing there.
  assert.equal(resolveInScope(new LayeredFs([root]), 'out/passwd'), 'etc/passwd');
  assert.throws(() => names(root, ['out/passwd'], '/x'), /file not found/);
  assert.equal(resolveInScope(new LayeredFs([root]), 'dir/up/a.txt'), 'a.txt');
  // Symlinks inside a copied directory are copied as links, not followed.
  const up = planCopy(req(root, ['dir'], '/d')).entries.find((e) => e.name === 'd/up');
  assert.equal(up?.type, 'symlink');
  assert.equal(up?.linkname, '../../..');
}));

test('owner and mode: root unless --chown, --chmod overrides', withContext((root) => {
  const [e] = planCopy(req(root, ['a.txt'], '/f', { owner: { uid: 5, gid: 6 }, chmod: 0o600 })).entries;
  assert.deepEqual([e?.uid, e?.gid, e?.mode], [5, 6, 0o600]);
  const [d] = planCopy(req(root, ['a.txt'], '/f')).entries;
  assert.deepEqual([d?.uid, d?.gid], [0, 0]);
}));

test('the content hash follows contents and modes, not mtimes', withContext((root) => {
  const h1 = hashPlan(planCopy(req(root, ['dir'], '/d'))).hash;
  writeFileSync(join(root, 'dir/x'), 'x');
  assert.equal(hashPlan(planCopy(req(root, ['dir'], '/d'))).hash, h1);
  writeFileSync(join(root, 'dir/x'), 'changed');
  assert.notEqual(hashPlan(planCopy(req(root, ['dir'], '/d'))).hash, h1);
  assert.notEqual(hashPlan(planCopy(req(root, ['dir'], '/d', { chmod: 0o700 }))).hash, hashPlan(planCopy(req(root, ['dir'], '/d'))).hash);
}));

test('the per-file digests change only for the file that changed', withContext((root) => {
  const before = hashPlan(planCopy(req(root, ['dir'], '/d'))).files;
  writeFileSync(join(root, 'dir/x'), 'changed again');
  const after = hashPlan(planCopy(req(root, ['dir'], '/d'))).files;
  const differ = Object.keys(after).filter((k) => before[k] !== after[k]);
  assert.deepEqual(differ, ['d/x']);
}));

async function tarNames(stream: Readable): Promise<string[]> {
  const out: string[] = [];
  const extract = tar.extract();
  const piped = pipeline(stream, extract);
  // The loop below reports a failure first; this keeps the second report from going unhandled.
  piped.catch(() => undefined);
  for await (const entry of extract) {
    out.push(`${entry.header.type}:${entry.header.name}`);
    entry.resume();
  }
  await piped;
  return out;
}

test('archives unpack under their destination and may not climb out of it', async () => {
  const pack = (input: Readable, names: string[]): Readable => {
    input.resume();
    const p = tar.pack();
    for (const n of names) p.entry({ name: n }, 'data');
    p.finalize();
    return p as unknown as Readable;
  };
  const tree = { openRead: () => Readable.from([Buffer.from('tar')]) } as unknown as SourceTree;
  const plan = { tree, entries: [], archives: [{ source: 'a.tar', dest: 'opt' }] };
  assert.deepEqual(await tarNames(writeCopyTar(plan, async (input) => pack(input, ['x', '/abs', 'd/../y']))), ['file:opt/x', 'file:opt/abs', 'file:opt/y']);
  await assert.rejects(tarNames(writeCopyTar(plan, async (input) => pack(input, ['../../etc/passwd']))), /escapes the destination/);
});

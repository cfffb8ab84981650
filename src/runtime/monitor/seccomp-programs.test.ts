import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { RuntimeSpec } from '../spec/types.js';
import { SECCOMP_BPF_ANNOTATION, SeccompPrograms } from './seccomp-programs.js';

/** crun, its state directory for container `id` being `dir`. */
const crunAt = (dir: string) => ({ runtime: { name: 'crun' as const, root: dirname(dir) }, id: basename(dir) });

function spec(syscalls: string[] | null): RuntimeSpec {
  return {
    ociVersion: '1.0.2',
    process: { terminal: false, user: { uid: 0, gid: 0 }, args: ['true'], env: [], cwd: '/' },
    root: { path: 'rootfs' },
    mounts: [],
    linux: { namespaces: [], ...(syscalls ? { seccomp: { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: syscalls, action: 'SCMP_ACT_ALLOW' }] } } : {}) },
  } as RuntimeSpec;
}

test('a profile compiled once is handed over for the next containers with exactly that profile', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-seccomp-'));
  try {
    const program = Buffer.from(Array.from({ length: 24 }, (_, i) => i));
    await writeFile(join(dir, 'seccomp.bpf'), program);
    const programs = new SeccompPrograms();
    const { runtime: crun, id } = crunAt(dir);
    const first = spec(['read', 'write']);
    assert.equal(programs.annotate(first, crun), false, 'nothing is known before a create');
    assert.equal(first.annotations, undefined);
    await programs.learn(first, crun, id);

    const same = spec(['read', 'write']);
    assert.equal(programs.annotate(same, crun), true);
    assert.equal(same.annotations?.[SECCOMP_BPF_ANNOTATION], program.toString('base64'));
    for (const other of [spec(['read']), spec(null)]) {
      assert.equal(programs.annotate(other, crun), false);
      assert.equal(other.annotations, undefined);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('nothing is learnt from a missing or malformed program, or from a spec without a profile', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-seccomp-'));
  try {
    const programs = new SeccompPrograms();
    const { runtime: crun, id } = crunAt(dir);
    await programs.learn(spec(['read']), crun, id);
    await writeFile(join(dir, 'seccomp.bpf'), Buffer.alloc(13));
    await programs.learn(spec(['read']), crun, id);
    await writeFile(join(dir, 'seccomp.bpf'), Buffer.alloc(0));
    await programs.learn(spec(['read']), crun, id);
    assert.equal(programs.annotate(spec(['read']), crun), false);
    await writeFile(join(dir, 'seccomp.bpf'), Buffer.alloc(16));
    await programs.learn(spec(null), crun, id);
    assert.equal(programs.annotate(spec(null), crun), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

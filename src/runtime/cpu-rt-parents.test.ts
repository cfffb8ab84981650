import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { giveCpuRtToParents } from './cpu-rt-parents.js';

test("each ancestor of the container's cgroup gets the budget, top down; the container's own is left to the runtime", async () => {
  const root = mkdtempSync(join(tmpdir(), 'cpu-rt-'));
  try {
    await giveCpuRtToParents('/a/b/ctr', { period: 0, runtime: 20000 }, root);
    for (const dir of ['a', 'a/b']) {
      assert.equal(readFileSync(join(root, dir, 'cpu.rt_runtime_us'), 'utf8'), '20000');
      // A zero period leaves the kernel's.
      assert.ok(!existsSync(join(root, dir, 'cpu.rt_period_us')));
    }
    assert.ok(!existsSync(join(root, 'a/b/ctr')));
    await giveCpuRtToParents('/berth/ctr', { period: 500000, runtime: 0 }, root);
    assert.equal(readFileSync(join(root, 'berth', 'cpu.rt_period_us'), 'utf8'), '500000');
    assert.ok(!existsSync(join(root, 'berth', 'cpu.rt_runtime_us')));
  } finally {
    rmSync(root, { recursive: true });
  }
});

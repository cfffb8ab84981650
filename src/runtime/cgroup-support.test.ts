import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cgroupSupport } from './cgroup-support.js';

function fakeRoot(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'cgroup-support-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

test('cgroup v1: each setting by its controller file', () => {
  const root = fakeRoot({ 'blkio/blkio.throttle.read_bps_device': '', 'blkio/blkio.throttle.write_iops_device': '', 'cpu/cpu.shares': '' });
  try {
    assert.deepEqual(cgroupSupport(root), {
      blkioWeight: false,
      blkioWeightDevice: false,
      blkioReadBps: true,
      blkioWriteBps: false,
      blkioReadIOps: false,
      blkioWriteIOps: true,
      cpuRealtime: false,
      swapLimit: false,
    });
    writeFileSync(join(root, 'blkio/blkio.bfq.weight'), '');
    writeFileSync(join(root, 'cpu/cpu.rt_period_us'), '');
    mkdirSync(join(root, 'memory'));
    writeFileSync(join(root, 'memory/memory.memsw.limit_in_bytes'), '');
    const s = cgroupSupport(root);
    assert.deepEqual([s.blkioWeight, s.cpuRealtime, s.swapLimit], [true, true, true]);
  } finally {
    rmSync(root, { recursive: true });
  }
});

test('cgroup v2: block I/O through the io controller, no real-time groups', () => {
  const root = fakeRoot({ 'cgroup.controllers': 'cpuset cpu io memory pids\n' });
  try {
    const s = cgroupSupport(root);
    assert.deepEqual([s.blkioWeight, s.blkioWeightDevice, s.blkioReadBps, s.blkioWriteIOps, s.cpuRealtime, s.swapLimit], [true, true, true, true, false, true]);
    writeFileSync(join(root, 'cgroup.controllers'), 'cpu io\n');
    assert.deepEqual([cgroupSupport(root).blkioReadBps, cgroupSupport(root).swapLimit], [true, false]);
  } finally {
    rmSync(root, { recursive: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runProgram } from './exec-file.js';

test('a program that exits without reading its input gives its exit status, not a broken pipe', async () => {
  // More than a pipe holds, so the write meets the closed pipe whatever the timing.
  const r = await runProgram('sh', ['-c', 'echo gone; exit 3'], { input: Buffer.alloc(4 << 20) });
  assert.deepEqual(r, { code: 3, stdout: 'gone\n', stderr: '' });
});

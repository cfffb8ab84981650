import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DownloadBuffers } from './blobs.js';

test('a download pool serves the next download once all its pieces are back', async () => {
  const buffers = new DownloadBuffers();
  const pool = buffers.take();
  const piece = await pool.take();
  pool.release(piece);
  buffers.giveBack(pool);
  assert.equal(buffers.take(), pool);
});

test('a pool with a piece still lent is not reused', async () => {
  const buffers = new DownloadBuffers();
  const pool = buffers.take();
  await pool.take();
  buffers.giveBack(pool);
  const next = buffers.take();
  assert.notEqual(next, pool);
  assert.ok(next.idle > pool.idle);
});

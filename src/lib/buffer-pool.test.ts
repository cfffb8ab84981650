import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BufferPool, SharedLender } from './buffer-pool.js';

test('take waits while every buffer is lent, and a release hands one to the first waiter', async () => {
  const pool = new BufferPool(2, 16);
  const a = await pool.take();
  const b = await pool.take();
  assert.notEqual(a.buffer, b.buffer);
  assert.equal(pool.idle, 0);
  const order: string[] = [];
  const waiting = [pool.take().then((buf) => (order.push('first'), buf)), pool.take().then((buf) => (order.push('second'), buf))];
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, []);
  pool.release(b.subarray(3, 9));
  const first = await waiting[0]!;
  assert.equal(first.buffer, b.buffer);
  assert.equal(first.length, 16, 'a part given back returns its whole buffer');
  pool.release(a);
  assert.equal((await waiting[1]!).buffer, a.buffer);
  assert.deepEqual(order, ['first', 'second']);
});

test('a chunk from outside the pool is not taken in', async () => {
  const pool = new BufferPool(1, 16);
  pool.release(Buffer.alloc(16));
  pool.release(Buffer.from('header'));
  assert.equal(pool.idle, 1);
  const own = await pool.take();
  pool.release(own);
  assert.equal(pool.idle, 1);
});

test('SharedLender: a buffer goes back once each holder has released it; others are ignored', async () => {
  const pool = new BufferPool(2, 16);
  const shared = new SharedLender(pool, 2);
  const a = await pool.take();
  const b = await pool.take();
  shared.release(a.subarray(0, 4));
  assert.equal(shared.idle, 0, 'one holder still has it');
  shared.release(b);
  shared.release(a);
  assert.equal(shared.idle, 1);
  shared.release(Buffer.from('not lent'));
  shared.release(b.subarray(8));
  assert.equal(shared.idle, 2);
  // Lent again, it counts its holders afresh.
  const again = await pool.take();
  shared.release(again);
  assert.equal(shared.idle, 1);
});

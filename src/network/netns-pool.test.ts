import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, basename } from 'node:path';
import { createLogger } from '../lib/logger.js';
import { NetnsPool } from './netns-pool.js';

/** A pool over a record of the namespaces it made and removed; `failNext` makes the next create fail. */
function recordingPool() {
  const made: string[] = [];
  const removed: string[] = [];
  const warnings: string[] = [];
  const ctl = { failNext: false, gate: undefined as Promise<void> | undefined };
  const pool = new NetnsPool({
    dir: '/run/x/netns',
    create: async (path) => {
      await ctl.gate;
      if (ctl.failNext) {
        ctl.failNext = false;
        throw new Error('unshare: no space left');
      }
      made.push(path);
    },
    remove: async (path) => void removed.push(path),
    log: createLogger((line) => warnings.push(line), 'warn'),
  });
  return { pool, made, removed, warnings, ctl };
}

test('NetnsPool: nothing until a refill; then two spares in its directory, taken first made first', async () => {
  const { pool, made } = recordingPool();
  assert.equal(pool.take(), undefined);
  await pool.refill();
  assert.equal(made.length, 2);
  for (const p of made) {
    assert.equal(dirname(p), '/run/x/netns');
    assert.match(basename(p), /^spare-[0-9a-f]{12}$/);
  }
  assert.notEqual(made[0], made[1]);
  assert.ok(pool.holds(made[0]!));
  assert.equal(pool.take(), made[0]);
  assert.ok(!pool.holds(made[0]!), 'a taken spare is the taker’s');
  assert.equal(pool.take(), made[1]);
  assert.equal(pool.take(), undefined);
  await pool.refill();
  assert.equal(made.length, 4, 'a refill makes what was taken');
});

test('NetnsPool: refills under way at once make the pool’s size once', async () => {
  const { pool, made } = recordingPool();
  await Promise.all([pool.refill(), pool.refill(), pool.refill()]);
  assert.equal(made.length, 2);
  await pool.refill();
  assert.equal(made.length, 2, 'a full pool makes none');
});

test('NetnsPool: a failed create is removed and warned about; the next refill tries again', async () => {
  const { pool, made, removed, warnings, ctl } = recordingPool();
  ctl.failNext = true;
  await pool.refill();
  assert.equal(made.length, 0);
  assert.equal(removed.length, 1);
  assert.match(warnings.join('\n'), /spare network namespace: unshare: no space left/);
  assert.equal(pool.take(), undefined);
  await pool.refill();
  assert.equal(made.length, 2);
});

test('NetnsPool: close removes the spares held, and one made meanwhile, and makes no more', async () => {
  const { pool, made, removed, ctl } = recordingPool();
  await pool.refill();
  const taken = pool.take()!;
  let open!: () => void;
  ctl.gate = new Promise((r) => (open = r));
  const filling = pool.refill();
  const closing = pool.close();
  open();
  await Promise.all([filling, closing]);
  assert.equal(made.length, 3);
  assert.deepEqual(new Set(removed), new Set(made.filter((p) => p !== taken)), 'all but the taken one');
  await pool.refill();
  assert.equal(made.length, 3);
  assert.equal(pool.take(), undefined);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { restartAfterExit, RestartBackoff, RestartScheduler, startOnDaemonStart, validateRestartPolicy } from './restart-policy.js';

const exit = (exitCode: number, restartCount = 0, stoppedByUser = false) => ({ exitCode, restartCount, stoppedByUser });

test('restartAfterExit follows each policy', () => {
  assert.equal(restartAfterExit(undefined, exit(1)), false);
  assert.equal(restartAfterExit({ Name: 'no' }, exit(1)), false);
  assert.equal(restartAfterExit({ Name: 'always' }, exit(0)), true);
  assert.equal(restartAfterExit({ Name: 'unless-stopped' }, exit(0, 7)), true);
  assert.equal(restartAfterExit({ Name: 'on-failure' }, exit(0)), false);
  assert.equal(restartAfterExit({ Name: 'on-failure' }, exit(3, 100)), true, 'no maximum');
  assert.equal(restartAfterExit({ Name: 'on-failure', MaximumRetryCount: 2 }, exit(3, 1)), true);
  assert.equal(restartAfterExit({ Name: 'on-failure', MaximumRetryCount: 2 }, exit(3, 2)), false);
  for (const Name of ['always', 'unless-stopped', 'on-failure']) {
    assert.equal(restartAfterExit({ Name }, exit(137, 0, true)), false, `${Name}: a user's stop wins`);
  }
});

test('startOnDaemonStart: always even after a stop, unless-stopped only if not stopped', () => {
  assert.equal(startOnDaemonStart({ Name: 'always' }, exit(143, 0, true)), true);
  assert.equal(startOnDaemonStart({ Name: 'unless-stopped' }, exit(143, 0, true)), false);
  assert.equal(startOnDaemonStart({ Name: 'unless-stopped' }, exit(0)), true);
  assert.equal(startOnDaemonStart({ Name: 'on-failure', MaximumRetryCount: 1 }, exit(1, 1)), false);
  assert.equal(startOnDaemonStart({ Name: 'no' }, exit(1)), false);
});

test('a signal other than the stop signal stops only unless-stopped, as dockerd\'s HasBeenManuallyStopped', () => {
  const signalled = { exitCode: 3, restartCount: 0, stoppedByUser: false, manuallyStopped: true };
  assert.equal(restartAfterExit({ Name: 'unless-stopped' }, signalled), false);
  assert.equal(restartAfterExit({ Name: 'always' }, signalled), true);
  assert.equal(restartAfterExit({ Name: 'on-failure' }, signalled), true);
  assert.equal(startOnDaemonStart({ Name: 'unless-stopped' }, signalled), false);
  assert.equal(startOnDaemonStart({ Name: 'always' }, signalled), true);
});

test('validateRestartPolicy uses dockerd wording', () => {
  validateRestartPolicy(undefined, true);
  validateRestartPolicy({ Name: '', MaximumRetryCount: 3 }, false);
  validateRestartPolicy({ Name: 'on-failure', MaximumRetryCount: 3 }, false);
  validateRestartPolicy({ Name: 'no' }, true);
  assert.throws(() => validateRestartPolicy({ Name: 'sometimes' }, false), {
    message: "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'",
  });
  assert.throws(() => validateRestartPolicy({ Name: 'always', MaximumRetryCount: 2 }, false), {
    message: "invalid restart policy: maximum retry count can only be used with 'on-failure'",
  });
  assert.throws(() => validateRestartPolicy({ Name: 'always', MaximumRetryCount: -2 }, false), {
    message: "invalid restart policy: maximum retry count can only be used with 'on-failure' and cannot be negative",
  });
  assert.throws(() => validateRestartPolicy({ Name: 'on-failure', MaximumRetryCount: -1 }, false), {
    message: 'invalid restart policy: maximum retry count cannot be negative',
  });
  assert.throws(() => validateRestartPolicy({ Name: 'always' }, true), { message: "can't create 'AutoRemove' container with restart policy" });
});

test('RestartBackoff doubles from 100 ms up to a minute and resets after a 10 s run', () => {
  const b = new RestartBackoff();
  const delays = Array.from({ length: 12 }, () => b.next(50));
  assert.deepEqual(delays, [100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000]);
  assert.equal(b.next(10_000), 100);
  assert.equal(b.next(0), 200);
});

test('RestartScheduler runs once unless cancelled', async () => {
  const s = new RestartScheduler();
  let runs = 0;
  assert.equal(s.schedule('a', 0, () => runs++), 100);
  assert.equal(s.schedule('b', 0, () => runs++), 100);
  assert.equal(s.cancel('b'), true);
  assert.equal(s.cancel('b'), false);
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(runs, 1);
  assert.equal(s.schedule('a', 0, () => runs++), 200, 'the back-off grows per container');
  s.reset('a');
  assert.equal(s.schedule('a', 0, () => runs++), 100);
  s.reset('a');
});

import { test } from 'node:test';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { berth, PROJECT_ROOT, runCommand, startPrivateDaemon, uniqueName } from './harness.js';

test('test-cleanup.sh removes the roots of dead test daemons and spares live ones', async () => {
  const live = await startPrivateDaemon(uniqueName('cleanup-live'));
  const dead = uniqueName('cleanup-dead');
  const deadRun = `/run/berth-test-${dead}`;
  const deadData = `/var/lib/berth-test-${dead}`;
  try {
    mkdirSync(deadRun, { recursive: true });
    mkdirSync(join(deadData, 'containers'), { recursive: true });
    // A pid that cannot be alive: beyond the kernel's pid_max.
    writeFileSync(join(deadRun, 'berthd.pid'), '99999999\n');
    // A chain as the dead daemon named it (BERTH-<first 6 hex of sha256 of its exec root>).
    const chain = `BERTH-${createHash('sha256').update(deadRun).digest('hex').slice(0, 6)}-FORWARD`;
    assert.equal((await runCommand('iptables', ['-w', '-N', chain])).code, 0);
    const r = await runCommand('bash', [join(PROJECT_ROOT, 'scripts/test-cleanup.sh')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(existsSync(deadRun), false);
    assert.equal(existsSync(deadData), false);
    assert.notEqual((await runCommand('iptables', ['-w', '-S', chain])).code, 0, `${chain} was removed`);
    assert.equal(existsSync(live.runRoot), true);
    assert.equal(existsSync(live.dataRoot), true);
    const ps = await berth(['ps', '-a'], { host: live.host });
    assert.equal(ps.code, 0, ps.stderr);
  } finally {
    await live.destroy();
  }
});

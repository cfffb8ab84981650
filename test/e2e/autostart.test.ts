import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { api, BERTH_BIN, runCommand, SHARED_HOST } from './harness.js';

const DEFAULT_SOCKET = '/run/berth/berth.sock';

async function defaultDaemonAnswers(): Promise<boolean> {
  if (!existsSync(DEFAULT_SOCKET)) return false;
  try {
    return (await api('GET', '/_ping', undefined, `unix://${DEFAULT_SOCKET}`)).status === 200;
  } catch {
    return false;
  }
}

test('the berth CLI starts berthd when the default socket does not answer', async (t) => {
  if (await defaultDaemonAnswers()) {
    t.skip('a berthd already serves /run/berth/berth.sock; auto-start cannot be observed without stopping it');
    return;
  }
  // The CLI starts without NODE_EXTRA_CA_CERTS (Node would warn about the missing file on stderr);
  // the berthd it starts goes through the launcher, as `berth daemon` does: the launcher's memory
  // settings, and the CA file under the name berthd reads it by.
  const extraCa = '/nonexistent/berth-autostart-ca.pem';
  const env = { BERTH_HOST: '', DOCKER_HOST: '', NODE_EXTRA_CA_CERTS: extraCa };
  const r = await runCommand(BERTH_BIN, ['ps', '-a'], { env, timeoutMs: 30_000 });
  try {
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^berth: starting berthd \(logs in \/var\/log\/berth\/berthd\.log\)\n$/);
    const pid = (await readFile('/run/berth/berthd.pid', 'utf8')).trim();
    const environ = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0');
    assert.ok(environ.includes(`BERTH_NODE_EXTRA_CA_CERTS=${extraCa}`), environ.join(' '));
    assert.ok(environ.includes('MALLOC_ARENA_MAX=1'), environ.join(' '));
    assert.ok(!environ.some((v) => v.startsWith('NODE_EXTRA_CA_CERTS=')), environ.join(' '));
    assert.ok((await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').includes('--max-semi-space-size=1'));
    assert.match(r.stdout, /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES\n/);
    const again = await runCommand(BERTH_BIN, ['version', '--format', '{{.Server.APIVersion}}'], { env });
    assert.equal(again.stdout.trim(), '1.50');
    assert.equal(again.stderr, '', 'a running daemon is not started twice');
  } finally {
    const pid = Number((await readFile('/run/berth/berthd.pid', 'utf8').catch(() => '0')).trim());
    if (pid > 0) {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 100 && existsSync(DEFAULT_SOCKET); i++) await new Promise((res) => setTimeout(res, 50));
    }
  }
});

test('the API socket is root-only', async (t) => {
  const socket = SHARED_HOST.replace(/^unix:\/\//, '');
  if (!existsSync(socket)) {
    t.skip('no shared test daemon');
    return;
  }
  const r = await runCommand('stat', ['-c', '%a %U %G', socket]);
  assert.equal(r.stdout.trim(), '660 root root');
});

/**
 * The installed berth executable (src/bin/berth.sh): the CLI and berthd start without
 * NODE_EXTRA_CA_CERTS, which would cost them start-up time and memory, and the programs they run get
 * the variable back. Node warns on stderr at start-up when that file cannot be read, which shows
 * whether a node process was started with the variable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BERTH_BIN, berth, runCommand } from './harness.js';

const NODE_CA_WARNING = /Ignoring extra certs from/;

test('the berth CLI starts without NODE_EXTRA_CA_CERTS and gives it back to the programs it runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-launcher-'));
  const missingCa = join(dir, 'no-such-ca.pem');
  const seen = join(dir, 'seen');
  try {
    // A credential helper is a program the CLI runs: this one records the variable it was given.
    writeFileSync(join(dir, 'docker-credential-envdump'), `#!/bin/sh\nprintf %s "$NODE_EXTRA_CA_CERTS" > "${seen}"\n`, { mode: 0o755 });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ credsStore: 'envdump' }));
    const env = { NODE_EXTRA_CA_CERTS: missingCa, DOCKER_CONFIG: dir, PATH: `${dir}:${process.env['PATH'] ?? ''}` };
    const r = await berth(['logout', 'registry.example'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Removing login credentials for registry.example\n');
    assert.doesNotMatch(r.stderr, NODE_CA_WARNING, 'the CLI started without the variable');
    assert.equal(r.stderr, '');
    assert.equal(readFileSync(seen, 'utf8'), missingCa, 'the credential helper got the variable back');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('berth daemon starts without NODE_EXTRA_CA_CERTS too', async () => {
  // Its registry connections trust the file's CAs all the same (registry-tls.test.ts).
  const missingCa = '/nonexistent/berth-launcher-ca.pem';
  const r = await runCommand(BERTH_BIN, ['daemon', '--config-file', '/nonexistent/daemon.json'], { env: { NODE_EXTRA_CA_CERTS: missingCa }, timeoutMs: 15_000 });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /unable to configure the berth daemon with file \/nonexistent\/daemon\.json/);
  assert.doesNotMatch(r.stderr, NODE_CA_WARNING);
});

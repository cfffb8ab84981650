/**
 * The installed berth executable (src/bin/berth.sh): the CLI and berthd start without
 * NODE_EXTRA_CA_CERTS, which would cost them start-up time and memory, and the programs they run get
 * the variable back. Node warns on stderr at start-up when that file cannot be read, which shows
 * whether a node process was started with the variable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BERTH_BIN, berth, berthCliModules, runCommand, uniqueName } from './harness.js';

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

test('berth daemon runs node with its memory settings and WebAssembly compiled by Liftoff only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-launcher-'));
  try {
    // A node that prints what it was started with.
    writeFileSync(join(dir, 'node'), '#!/bin/sh\nprintf "%s\\n" "MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX" "$@"\n', { mode: 0o755 });
    const r = await runCommand(BERTH_BIN, ['daemon', '--data-root', '/nonexistent'], { env: { PATH: `${dir}:${process.env['PATH'] ?? ''}` } });
    assert.equal(r.code, 0, r.stderr);
    const args = r.stdout.split('\n');
    assert.equal(args[0], 'MALLOC_ARENA_MAX=1');
    assert.deepEqual(args.slice(1, 3).sort(), ['--liftoff-only', '--max-semi-space-size=1']);
    assert.match(args[3] ?? '', /berth\.mjs$/);
    assert.deepEqual(args.slice(4, 7), ['daemon', '--data-root', '/nonexistent']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the CLI's code cache takes in each command's code the first time that command runs", async () => {
  // A copy of the bundle, so the cache starts out missing and no other test writes it meanwhile.
  const dir = mkdtempSync(join(tmpdir(), 'berth-cli-cache-'));
  try {
    cpSync(dirname(BERTH_BIN), dir, { recursive: true });
    for (const f of readdirSync(dir)) if (f.includes('.cache')) rmSync(join(dir, f));
    const bin = join(dir, 'berth');
    const cacheFile = join(dir, readdirSync(dir).find((f) => /^cli-.*\.cjs$/.test(f)) ?? 'missing');
    const env = { DOCKER_CONFIG: dir };
    const run = async (args: string[]) => {
      const r = await runCommand(bin, args, { env });
      assert.equal(r.code, 0, r.stderr);
    };
    const commands = () => readFileSync(`${cacheFile}.cache.commands`, 'utf8');
    await run(['--version']);
    const first = statSync(`${cacheFile}.cache`);
    assert.equal(commands(), '', 'no command ran: only the start-up code is cached');
    await run(['logout', 'registry.example']);
    const second = statSync(`${cacheFile}.cache`);
    assert.ok(second.size > first.size, `the cache grew with logout's code (${first.size} -> ${second.size} bytes)`);
    assert.equal(commands(), 'berth logout\n');
    await run(['logout', 'registry.example']);
    assert.equal(statSync(`${cacheFile}.cache`).mtimeMs, second.mtimeMs, 'a command already in the cache leaves it as it is');
    await run(['help', 'tag']);
    assert.equal(commands(), 'berth logout\nberth tag\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run -d loads none of the Node modules only a pull, an attach, a streamed request or a daemon auto-start needs', async () => {
  const name = uniqueName('modules');
  try {
    const r = await berthCliModules(['run', '-d', '--name', name, 'busybox', 'sleep', '30']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.modules.includes('NativeModule net'), 'the list is read (the client uses node:net)');
    for (const m of ['http', 'child_process', 'crypto', 'fs/promises', 'os']) assert.ok(!r.modules.includes(`NativeModule ${m}`), `node:${m} is not loaded`);
  } finally {
    await berth(['rm', '-f', name]);
  }
});

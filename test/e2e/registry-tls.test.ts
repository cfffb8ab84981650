import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { berth, makeBusybox, startPrivateDaemon, uniqueName, type PrivateDaemon } from './harness.js';

// A registry that is not on loopback (loopback registries are insecure by default, as Docker's),
// on a bridge of the test's own with a documentation address (TEST-NET-1).
const LINK = 'berth-tlstest';
const ADDR = '192.0.2.10';

let dir = '';
let certsDir = '';
let registry: ChildProcess | undefined;
let loopbackRegistry: ChildProcess | undefined;
let loopbackHost = '';
let host = '';
let daemon: PrivateDaemon | undefined;

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/** A CA, a server certificate for ADDR and a client certificate, all signed by the CA. */
function makeCertificates(): void {
  const p = (n: string) => join(dir, n);
  sh('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', '2', '-subj', '/CN=berth-test-ca']);
  for (const [name, ext] of [['server', `subjectAltName=IP:${ADDR}`], ['client', 'extendedKeyUsage=clientAuth']] as const) {
    sh('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`), '-subj', `/CN=berth-test-${name}`]);
    writeFileSync(p(`${name}.ext`), `${ext}\n`);
    sh('openssl', ['x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p(`${name}.crt`), '-days', '2', '-extfile', p(`${name}.ext`)]);
  }
}

function removeLink(): void {
  spawnSync('ip', ['link', 'del', LINK]);
}

/** docker-registry on `addr` with the test's server certificate, asking for a client certificate if `clientCa`. */
function startRegistry(name: string, addr: string, clientCa: boolean): ChildProcess {
  const config = join(dir, `${name}.yml`);
  const clientCas = clientCa ? `    clientcas:\n      - ${join(dir, 'ca.crt')}\n` : '';
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, `${name}-data`)}\nhttp:\n  addr: ${addr}\n  tls:\n    certificate: ${join(dir, 'server.crt')}\n    key: ${join(dir, 'server.key')}\n${clientCas}`,
  );
  return spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
}

type Run = (args: string[]) => ReturnType<typeof berth>;

/** Pushes `ref`, removes it and pulls it back, each of which must succeed; returns the push. */
async function pushRemovePull(run: Run, ref: string): Promise<Awaited<ReturnType<typeof berth>>> {
  const push = await run(['push', ref]);
  assert.equal(push.code, 0, push.stderr);
  assert.equal((await run(['rmi', ref])).code, 0);
  const pull = await run(['pull', ref]);
  assert.equal(pull.code, 0, pull.stderr);
  return push;
}

before(async () => {
  removeLink();
  dir = mkdtempSync(join(tmpdir(), 'berth-tls-'));
  certsDir = join(dir, 'certs.d');
  sh('ip', ['link', 'add', LINK, 'type', 'bridge']);
  sh('ip', ['addr', 'add', `${ADDR}/32`, 'dev', LINK]);
  sh('ip', ['link', 'set', LINK, 'up']);
  makeCertificates();
  const port = 20000 + Math.floor(Math.random() * 20000);
  host = `${ADDR}:${port}`;
  registry = startRegistry('main', host, true);
  // The same server certificate on loopback, with no client certificate asked for.
  loopbackHost = `127.0.0.1:${port + 1}`;
  loopbackRegistry = startRegistry('loopback', loopbackHost, false);
  daemon = await startPrivateDaemon(uniqueName('tls'), undefined, ['--certs-dir', certsDir]);
  await makeBusybox(daemon.host);
});

after(async () => {
  await daemon?.destroy();
  registry?.kill('SIGTERM');
  loopbackRegistry?.kill('SIGTERM');
  removeLink();
  rmSync(dir, { recursive: true, force: true });
});

test('certs.d: an unknown CA is refused with a hint; ca.crt and client.cert/key make push and pull work', async () => {
  const run: Run = (args) => berth(args, { host: daemon!.host });
  const ref = `${host}/tls/busybox:1`;
  assert.equal((await run(['tag', 'busybox:latest', ref])).code, 0);

  const untrusted = await run(['push', ref]);
  assert.equal(untrusted.code, 1, untrusted.stdout);
  assert.match(untrusted.stderr, /tls: failed to verify certificate/);
  assert.ok(untrusted.stderr.includes(`${certsDir}/${host}/ca.crt`), untrusted.stderr);

  const hostDir = join(certsDir, host);
  mkdirSync(hostDir, { recursive: true });
  copyFileSync(join(dir, 'ca.crt'), join(hostDir, 'ca.crt'));
  // The registry also asks for a client certificate: the CA alone is not enough.
  const noClientCert = await run(['push', ref]);
  assert.equal(noClientCert.code, 1, noClientCert.stdout);

  copyFileSync(join(dir, 'client.crt'), join(hostDir, 'client.cert'));
  const halfPair = await run(['push', ref]);
  assert.equal(halfPair.code, 1);
  assert.match(halfPair.stderr, /missing key client\.key for client certificate client\.cert/);

  copyFileSync(join(dir, 'client.key'), join(hostDir, 'client.key'));
  const push = await pushRemovePull(run, ref);
  assert.match(push.stdout, /^1: digest: sha256:[0-9a-f]{64} size: \d+$/m);
  const echo = await run(['run', '--rm', ref, 'echo', 'over tls']);
  assert.equal(echo.stdout, 'over tls\n');
  unlinkSync(join(hostDir, 'client.key'));
});

test('NODE_EXTRA_CA_CERTS: a CA named there is trusted beside a client certificate from certs.d', async () => {
  // berthd starts without the variable (Node would parse every root at start-up) and adds its CAs
  // to each registry connection itself, also where certs.d gives the connection CAs of its own.
  const extraCertsDir = join(dir, 'certs.d-client-only');
  const hostDir = join(extraCertsDir, host);
  mkdirSync(hostDir, { recursive: true });
  copyFileSync(join(dir, 'client.crt'), join(hostDir, 'client.cert'));
  copyFileSync(join(dir, 'client.key'), join(hostDir, 'client.key'));
  const withCa = await startPrivateDaemon(uniqueName('tlsca'), undefined, ['--certs-dir', extraCertsDir], { NODE_EXTRA_CA_CERTS: join(dir, 'ca.crt') });
  try {
    await makeBusybox(withCa.host);
    const run: Run = (args) => berth(args, { host: withCa.host });
    const ref = `${host}/tls/extra-ca:1`;
    assert.equal((await run(['tag', 'busybox:latest', ref])).code, 0);
    await pushRemovePull(run, ref);
  } finally {
    await withCa.destroy();
  }
});

test('a loopback registry is insecure, as Docker has it: https whose certificate is not checked (unknown CA, other address)', async () => {
  const run: Run = (args) => berth(args, { host: daemon!.host });
  const ref = `${loopbackHost}/tls/busybox:1`;
  assert.equal((await run(['tag', 'busybox:latest', ref])).code, 0);
  const push = await pushRemovePull(run, ref);
  assert.match(push.stdout, /^1: digest: sha256:[0-9a-f]{64} size: \d+$/m);
  assert.equal((await run(['rmi', ref])).code, 0);
});

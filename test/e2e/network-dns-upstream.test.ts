/**
 * The daemon's --dns: the embedded DNS forwards names it does not own there, and default-bridge
 * containers' resolv.conf names it. The upstream is a tiny resolver of the test's own on an address
 * of a bridge the test makes, so nothing leaves the machine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { berth, docker, makeBusybox, runCommand, startPrivateDaemon, uniqueName, type RunResult } from './harness.js';

const OUTSIDE_NAME = 'outside.example.test';
const OUTSIDE_ADDRESS = '192.0.2.77';

function ok(r: RunResult, what: string): string {
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  return r.stdout.trim();
}

/** The question's end: the offset after QNAME, QTYPE and QCLASS of a one-question message. */
function questionEnd(msg: Buffer): number {
  let i = 12;
  while (i < msg.length && msg[i] !== 0) i += (msg[i] ?? 0) + 1;
  return i + 5;
}

/** The name asked for, dotted. */
function questionName(msg: Buffer): string {
  const labels: string[] = [];
  for (let i = 12; i < msg.length && msg[i] !== 0; i += (msg[i] ?? 0) + 1) labels.push(msg.subarray(i + 1, i + 1 + (msg[i] ?? 0)).toString('latin1'));
  return labels.join('.');
}

/**
 * A resolver that knows one name (A `address4`; no data for other types, NXDOMAIN for other
 * names) and, while `silent`, receives queries without answering.
 */
async function tinyResolver(address: string, address4 = OUTSIDE_ADDRESS): Promise<{ socket: Socket; state: { silent: boolean; queries: number } }> {
  const state = { silent: false, queries: 0 };
  const socket = createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    state.queries++;
    if (state.silent || msg.length < 17) return;
    const end = questionEnd(msg);
    const known = questionName(msg).toLowerCase() === OUTSIDE_NAME;
    const isA = msg.readUInt16BE(end - 4) === 1;
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2);
    header.writeUInt16BE(known ? 0x8180 : 0x8183, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(known && isA ? 1 : 0, 6);
    const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...address4.split('.').map(Number)]);
    socket.send(Buffer.concat([header, msg.subarray(12, end), ...(known && isA ? [answer] : [])]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(53, address, () => resolve());
  });
  return { socket, state };
}

/** One A query over udp; the reply's RCODE and how long it took. */
function queryOnce(server: string, name: string): Promise<{ rcode: number; ms: number }> {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')]));
  const query = Buffer.concat([Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, 1, 0, 1])]);
  const socket = createSocket('udp4');
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no answer from ${server} in 15 s`));
    }, 15_000);
    socket.once('message', (reply) => {
      clearTimeout(timer);
      socket.close();
      resolve({ rcode: (reply[3] ?? 0) & 0x0f, ms: Date.now() - started });
    });
    socket.send(query, 53, server);
  });
}

test('daemon and container --dns: the embedded DNS forwards outside names there, SERVFAIL in seconds when none answers; resolv.conf follows --dns, --dns-search, --dns-option', { timeout: 120_000 }, async () => {
  const link = `bdn-${randomBytes(3).toString('hex')}`;
  const third = 1 + ((randomBytes(1)[0] ?? 0) % 250);
  const upstream = `10.216.${third}.53`;
  // The resolver a container names with its own --dns: it knows the name by another address.
  const own = `10.216.${third}.54`;
  const script = `ip link add ${link} type bridge && ip addr add ${upstream}/32 dev ${link} && ip addr add ${own}/32 dev ${link} && ip link set ${link} up`;
  ok(await runCommand('sh', ['-c', script]), 'upstream link');
  let resolver: Awaited<ReturnType<typeof tinyResolver>> | undefined;
  let ownResolver: Awaited<ReturnType<typeof tinyResolver>> | undefined;
  const d = await startPrivateDaemon(uniqueName('net-dns'), undefined, ['--dns', upstream]).catch(async (e: unknown) => {
    await runCommand('ip', ['link', 'del', link]);
    throw e;
  });
  const host = d.host;
  const net = uniqueName('dnsup');
  try {
    resolver = await tinyResolver(upstream);
    ownResolver = await tinyResolver(own, '192.0.2.78');
    await makeBusybox(host);
    ok(await berth(['network', 'create', net], { host }), 'network create');
    const c = ok(await berth(['run', '-d', '--network', net, 'busybox', 'sleep', '120'], { host }), 'run');
    for (const run of [berth, docker]) {
      const found = await run(['exec', c, 'nslookup', '-type=a', OUTSIDE_NAME], { host });
      assert.equal(found.code, 0, found.stdout + found.stderr);
      assert.match(found.stdout, /Server:\s+127\.0\.0\.11/);
      assert.match(found.stdout, new RegExp(`Name:\\s+${OUTSIDE_NAME.replace(/\./g, '\\.')}\\nAddress: ${OUTSIDE_ADDRESS.replace(/\./g, '\\.')}`));
    }
    const withOwn = ok(await berth(['run', '--rm', '--network', net, '--dns', own, 'busybox', 'nslookup', '-type=a', OUTSIDE_NAME], { host }), 'nslookup, own --dns');
    assert.match(withOwn, /Address: 192\.0\.2\.78/, "the container's own --dns comes first");
    const missing = await berth(['exec', c, 'nslookup', '-type=a', 'other.example.test'], { host });
    assert.match(missing.stdout + missing.stderr, /NXDOMAIN/, "the upstream's NXDOMAIN comes through");

    // busybox's nslookup retries a SERVFAIL until its own timeout: one query, from the host to the
    // network's DNS on its gateway (what 127.0.0.11 is NATed to), shows the answer itself.
    const gateway = ok(await berth(['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Gateway}}', net], { host }), 'gateway');
    assert.equal((await queryOnce(gateway, OUTSIDE_NAME)).rcode, 0, 'answered while the upstream answers');
    resolver.state.silent = true;
    const before = resolver.state.queries;
    const dead = await queryOnce(gateway, OUTSIDE_NAME);
    assert.equal(dead.rcode, 2, 'SERVFAIL');
    assert.ok(dead.ms < 6000, `SERVFAIL took ${dead.ms} ms`);
    assert.ok(resolver.state.queries > before, 'the query went to the upstream');
    const inContainer = await berth(['exec', c, 'nslookup', '-type=a', OUTSIDE_NAME], { host });
    assert.notEqual(inContainer.code, 0, 'no answer in the container either');

    const conf = ok(await berth(['run', '--rm', 'busybox', 'cat', '/etc/resolv.conf'], { host }), 'bridge resolv.conf');
    assert.deepEqual(conf.split('\n').filter((l) => l.startsWith('nameserver')), [`nameserver ${upstream}`]);
    for (const run of [berth, docker]) {
      const lines = async (args: string[]) => ok(await run(['run', '--rm', ...args, 'busybox', 'cat', '/etc/resolv.conf'], { host }), 'resolv.conf').split('\n').filter((l) => /^(nameserver|search|options) /.test(l));
      assert.deepEqual(await lines(['--dns', '192.0.2.9', '--dns-search', 'a.test', '--dns-option', 'ndots:2']), ['nameserver 192.0.2.9', 'search a.test', 'options ndots:2']);
      assert.deepEqual(await lines(['--network', net, '--dns-search', 'a.test', '--dns-option', 'timeout:2']), ['nameserver 127.0.0.11', 'search a.test', 'options timeout:2 ndots:0']);
    }
  } finally {
    const ids = (await berth(['ps', '-aq'], { host })).stdout.split('\n').filter(Boolean);
    if (ids.length) await berth(['rm', '-f', ...ids], { host });
    await berth(['network', 'rm', net], { host });
    await d.destroy();
    resolver?.socket.close();
    ownResolver?.socket.close();
    await runCommand('ip', ['link', 'del', link]);
  }
});

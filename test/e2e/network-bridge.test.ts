import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { CLIENTS, berth, freePort, httpGet, makeBusybox, runCommand, startPrivateDaemon, uniqueName, type RunResult } from './harness.js';

/** A non-loopback IPv4 address of the host, if it has one. */
function hostAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal && !a.address.startsWith('172.')) return a.address;
  }
  return undefined;
}

function ok(r: RunResult, what: string): string {
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  return r.stdout.trim();
}

interface Net {
  IPAddress: string;
  Gateway: string;
  IPPrefixLen: number;
  MacAddress: string;
  SandboxKey: string;
  Ports: Record<string, { HostIp: string; HostPort: string }[] | null>;
  Networks: Record<string, { NetworkID: string; EndpointID: string; Gateway: string; IPAddress: string; IPPrefixLen: number; MacAddress: string }>;
}

async function netSettings(ref: string, host?: string): Promise<Net> {
  return JSON.parse(ok(await berth(['inspect', '--format', '{{json .NetworkSettings}}', ref], { host }), 'inspect')) as Net;
}

/** What a container's endpoint leaves on the host: its veth, its namespace file, its DNAT rules. */
async function endpointTraces(id: string, sandboxKey: string): Promise<string[]> {
  const traces: string[] = [];
  const link = await runCommand('ip', ['link', 'show', 'dev', `vb${id.slice(0, 12)}`]);
  if (link.code === 0) traces.push(`veth vb${id.slice(0, 12)}`);
  if (sandboxKey && existsSync(sandboxKey)) traces.push(`netns ${sandboxKey}`);
  const rules = await runCommand('iptables', ['-w', '-t', 'nat', '-S']);
  for (const l of rules.stdout.split('\n')) if (l.includes(`berth:${id.slice(0, 12)}`)) traces.push(`rule ${l}`);
  return traces;
}

const macOf = (ip: string) => `02:42:${ip.split('.').map((b) => Number(b).toString(16).padStart(2, '0')).join(':')}`;

for (const { name: client, run } of CLIENTS) {
  test(`${client}: --add-host names go in /etc/hosts before the container's own, host-gateway as the bridge's gateway; on --net host too`, async () => {
    const gateway = ok(await run(['network', 'inspect', '--format', '{{(index .IPAM.Config 0).Gateway}}', 'bridge']), 'network inspect');
    assert.match(gateway, /^\d+\.\d+\.\d+\.\d+$/);
    const hosts = ok(await run(['run', '--rm', '-h', 'box', '--add-host', 'db:10.1.2.3', '--add-host', 'v6=[2001:db8::7]', '--add-host', 'host.docker.internal:host-gateway', 'busybox', 'cat', '/etc/hosts']), 'run --add-host');
    const lines = hosts.split('\n');
    const own = lines.findIndex((l) => /^\d+\.\d+\.\d+\.\d+\tbox$/.test(l));
    assert.ok(own > 0, `the container's own line in:\n${hosts}`);
    assert.deepEqual(lines.slice(own - 3, own), ['10.1.2.3\tdb', '2001:db8::7\tv6', `${gateway}\thost.docker.internal`], hosts);
    assert.equal(lines[0], '127.0.0.1\tlocalhost');
    const onHost = ok(await run(['run', '--rm', '--net', 'host', '--add-host', 'db:10.1.2.3', 'busybox', 'cat', '/etc/hosts']), 'run --net host --add-host');
    assert.match(onHost, /^127\.0\.0\.1\tlocalhost\n[^]*\n10\.1\.2\.3\tdb$/);
    const bad = await run(['run', '--rm', '--add-host', 'db:nohost', 'busybox', 'true']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /invalid IP address in add-host: "nohost"/);
  });

  test(`${client}: run -p publishes a port on the bridge; inspect, port, ps; gone after stop`, async () => {
    const name = uniqueName('pub');
    const port = await freePort();
    const id = ok(await run(['run', '-d', '--name', name, '-p', `${port}:80`, 'busybox', 'httpd', '-f', '-p', '80']), 'run');
    let key = '';
    try {
      const net = await netSettings(id);
      key = net.SandboxKey;
      assert.match(net.IPAddress, /^\d+\.\d+\.\d+\.\d+$/);
      assert.equal(net.MacAddress, macOf(net.IPAddress));
      assert.equal(net.Gateway, net.IPAddress.replace(/\.\d+\.\d+$/, '.0.1'));
      assert.equal(net.IPPrefixLen, 16);
      assert.ok(existsSync(net.SandboxKey), `SandboxKey ${net.SandboxKey} exists`);
      assert.deepEqual(net.Ports, { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: String(port) }] });
      const br = net.Networks['bridge'];
      assert.ok(br);
      assert.match(br.NetworkID, /^[0-9a-f]{64}$/);
      assert.match(br.EndpointID, /^[0-9a-f]{64}$/);
      assert.deepEqual([br.IPAddress, br.Gateway, br.IPPrefixLen, br.MacAddress], [net.IPAddress, net.Gateway, 16, net.MacAddress]);

      const inside = ok(await run(['exec', name, 'sh', '-c', 'ip -4 addr show eth0; ip route; cat /etc/hosts']), 'exec');
      assert.match(inside, new RegExp(`inet ${net.IPAddress.replace(/\./g, '\\.')}/16`));
      assert.match(inside, new RegExp(`default via ${net.Gateway.replace(/\./g, '\\.')} dev eth0`));
      assert.match(inside, new RegExp(`${net.IPAddress.replace(/\./g, '\\.')}\\t${id.slice(0, 12)}`));

      assert.equal(await httpGet('127.0.0.1', port), 404, 'httpd answers on 127.0.0.1');
      const addr = hostAddress();
      if (addr) assert.equal(await httpGet(addr, port), 404, `httpd answers on ${addr}`);
      assert.equal(await httpGet(net.IPAddress, 80), 404, 'httpd answers on its bridge address');

      assert.equal(ok(await run(['port', name]), 'port'), `80/tcp -> 0.0.0.0:${port}`);
      assert.equal(ok(await run(['port', name, '80/tcp']), 'port 80'), `0.0.0.0:${port}`);
      const none = await run(['port', name, '81']);
      assert.equal(none.code, 1);
      assert.match(none.stderr, new RegExp(`No public port '81' published for ${name}`));
      assert.equal(ok(await run(['ps', '--filter', `name=${name}`, '--format', '{{.Ports}}']), 'ps'), `0.0.0.0:${port}->80/tcp`);

      ok(await run(['stop', '-t', '1', name]), 'stop');
      assert.equal(await httpGet('127.0.0.1', port), 'ECONNREFUSED', 'nothing answers once stopped');
      const after = await netSettings(id);
      assert.deepEqual([after.IPAddress, after.MacAddress, after.Ports], ['', '', {}]);
      assert.deepEqual(await endpointTraces(id, key), []);
    } finally {
      await run(['rm', '-f', name]);
    }
    assert.deepEqual(await endpointTraces(id, key), []);
  });
}

test('containers on the bridge reach each other by address and through published ports', async () => {
  const port = await freePort();
  const a = ok(await berth(['run', '-d', '-p', `${port}:80`, 'busybox', 'httpd', '-f', '-p', '80']), 'run a');
  const b = ok(await berth(['run', '-d', 'busybox', 'sleep', '60']), 'run b');
  try {
    const [na, nb] = [await netSettings(a), await netSettings(b)];
    assert.notEqual(na.IPAddress, nb.IPAddress);
    const get = (host: string, p: number) => `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${host} ${p} | head -1`;
    assert.match(ok(await berth(['exec', b, 'sh', '-c', get(na.IPAddress, 80)]), 'b -> a'), /^HTTP\/1\.[01] 404/);
    assert.match(ok(await berth(['exec', b, 'sh', '-c', get(na.Gateway, port)]), 'b -> host port'), /^HTTP\/1\.[01] 404/);
    // The hairpin: a container reaching its own published port through a host address.
    assert.match(ok(await berth(['exec', a, 'sh', '-c', get(na.Gateway, port)]), 'a -> own port'), /^HTTP\/1\.[01] 404/);
    ok(await berth(['exec', a, 'ping', '-c', '1', '-W', '2', nb.IPAddress]), 'ping a -> b');
  } finally {
    await berth(['rm', '-f', a, b]);
  }
});

test('-P, ephemeral, ip-bound and udp ports', async () => {
  const udp = await freePort();
  const name = uniqueName('ports');
  const id = ok(
    await berth(['run', '-d', '--name', name, '--expose', '7000', '-P', '-p', '127.0.0.1::80', '-p', `${udp}:53/udp`, 'busybox', 'httpd', '-f', '-p', '80']),
    'run',
  );
  try {
    const net = await netSettings(id);
    const [tcp80] = net.Ports['80/tcp'] ?? [];
    const [tcp7000] = net.Ports['7000/tcp'] ?? [];
    assert.equal(tcp80?.HostIp, '127.0.0.1');
    assert.match(tcp80?.HostPort ?? '', /^[1-9]\d+$/);
    assert.equal(tcp7000?.HostIp, '0.0.0.0');
    assert.match(tcp7000?.HostPort ?? '', /^[1-9]\d+$/);
    assert.deepEqual(net.Ports['53/udp'], [{ HostIp: '0.0.0.0', HostPort: String(udp) }]);
    assert.equal(await httpGet('127.0.0.1', Number(tcp80?.HostPort)), 404);
    assert.equal(
      ok(await berth(['port', name]), 'port'),
      [`53/udp -> 0.0.0.0:${udp}`, `80/tcp -> 127.0.0.1:${tcp80?.HostPort}`, `7000/tcp -> 0.0.0.0:${tcp7000?.HostPort}`].join('\n'),
    );
  } finally {
    await berth(['rm', '-f', name]);
  }
});

test('a host port in use fails the start, names the port and leaves nothing behind', async () => {
  const holder = createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
  const port = (holder.address() as AddressInfo).port;
  const name = uniqueName('busy');
  try {
    const r = await berth(['run', '-d', '--name', name, '-p', `127.0.0.1:${port}:80`, 'busybox', 'sleep', '60']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${port}.*address already in use`));
    assert.match(r.stderr, /held by node pid \d+/);
    const id = ok(await berth(['inspect', '--format', '{{.Id}}', name]), 'inspect');
    assert.deepEqual(await endpointTraces(id, ''), []);
    // Two containers cannot publish one port either.
    const first = uniqueName('first');
    const free = await freePort();
    ok(await berth(['run', '-d', '--name', first, '-p', `${free}:80`, 'busybox', 'sleep', '60']), 'first');
    try {
      const second = await berth(['run', '--rm', '-p', `${free}:80`, 'busybox', 'true']);
      assert.notEqual(second.code, 0);
      assert.match(second.stderr, new RegExp(`Bind for 0\\.0\\.0\\.0:${free} failed: port is already allocated`));
    } finally {
      await berth(['rm', '-f', first]);
    }
  } finally {
    holder.close();
    await berth(['rm', '-f', name]);
  }
});

test('50 containers started in parallel get distinct addresses and answer on their ports; a killed one releases its endpoint', async () => {
  const label = uniqueName('par');
  const ports = await Promise.all(Array.from({ length: 50 }, () => freePort()));
  const ids = await Promise.all(
    ports.map(async (p) => ok(await berth(['run', '-d', '--label', label, '-p', `${p}:80`, 'busybox', 'httpd', '-f', '-p', '80']), 'run')),
  );
  try {
    const nets = await Promise.all(ids.map((id) => netSettings(id)));
    assert.equal(new Set(nets.map((n) => n.IPAddress)).size, ids.length, nets.map((n) => n.IPAddress).join(' '));
    const answers = await Promise.all(ports.map((p) => httpGet('127.0.0.1', p)));
    assert.deepEqual(answers, ports.map(() => 404));
    const [victim = ''] = ids;
    ok(await berth(['kill', victim]), 'kill');
    assert.deepEqual(await endpointTraces(victim, nets[0]?.SandboxKey ?? ''), []);
    assert.equal(await httpGet('127.0.0.1', ports[0] ?? 0), 'ECONNREFUSED');
  } finally {
    await berth(['rm', '-f', ...ids]);
  }
  for (const id of ids) assert.deepEqual(await endpointTraces(id, ''), []);
});

test('--net none has loopback only; --net host sees the host interfaces', async () => {
  const none = ok(await berth(['run', '--rm', '--net', 'none', 'busybox', 'ip', '-o', 'link']), 'none');
  assert.deepEqual(none.split('\n').map((l) => l.split(':')[1]?.trim()), ['lo']);
  const names = (text: string) => text.split('\n').map((l) => (l.split(':')[1] ?? '').trim().replace(/@.*$/, ''));
  const inside = new Set(names(ok(await berth(['run', '--rm', '--net', 'host', 'busybox', 'ip', '-o', 'link']), 'host')));
  // Links of containers and other daemons come and go meanwhile; the host's own must all be there.
  const stable = names(ok(await runCommand('ip', ['-o', 'link']), 'ip link')).filter((n) => !/^(vb|veth|berth|br-|docker)/.test(n));
  assert.ok(stable.length >= 2, stable.join(' '));
  for (const n of stable) assert.ok(inside.has(n), `${n} seen with --net host`);
});

test('daemon killed with SIGKILL and restarted: the container keeps its address and port; rm cleans up', async () => {
  const d = await startPrivateDaemon(`net-${Date.now().toString(36)}`);
  let id = '';
  let key = '';
  let cleaned = false;
  try {
    await makeBusybox(d.host);
    const port = await freePort();
    id = ok(await berth(['run', '-d', '-p', `${port}:80`, 'busybox', 'httpd', '-f', '-p', '80'], { host: d.host }), 'run');
    const before = await netSettings(id, d.host);
    key = before.SandboxKey;
    assert.equal(await httpGet('127.0.0.1', port), 404);
    await d.kill();
    // The rules are in the kernel: the port answers with no daemon at all.
    assert.equal(await httpGet('127.0.0.1', port), 404);
    // A rule lost while the daemon is down is put back by the restarted daemon.
    const nat = await runCommand('iptables', ['-w', '-t', 'nat', '-S']);
    const lost = nat.stdout.split('\n').filter((l) => l.includes(`berth:${id.slice(0, 12)}`));
    assert.equal(lost.length, 1, nat.stdout);
    const args = (lost[0] ?? '').replace(/^-A /, '').replace(/"/g, '').split(' ');
    ok(await runCommand('iptables', ['-w', '-t', 'nat', '-D', ...args]), 'delete rule');
    assert.equal(await httpGet('127.0.0.1', port), 'ECONNREFUSED');
    const d2 = await startPrivateDaemon('restarted', { dataRoot: d.dataRoot, runRoot: d.runRoot });
    try {
      const after = await netSettings(id, d2.host);
      assert.deepEqual([after.IPAddress, after.MacAddress, after.Ports], [before.IPAddress, before.MacAddress, before.Ports]);
      assert.equal(await httpGet('127.0.0.1', port), 404);
      // The restarted daemon holds the port again: another container cannot take it.
      const clash = await berth(['run', '--rm', '-p', `${port}:80`, 'busybox', 'true'], { host: d2.host });
      assert.notEqual(clash.code, 0);
      // And the address is not handed out twice.
      const other = ok(await berth(['run', '-d', 'busybox', 'sleep', '30'], { host: d2.host }), 'run other');
      assert.notEqual((await netSettings(other, d2.host)).IPAddress, before.IPAddress);
    } finally {
      const rm = await berth(['rm', '-f', id], { host: d2.host });
      cleaned = true;
      await d2.destroy().catch((e: unknown) => assert.fail(`destroy: ${String(e)} (rm -f ${id}: ${rm.code} ${rm.stderr})`));
    }
    assert.deepEqual(await endpointTraces(id, key), []);
  } finally {
    await d.kill().catch(() => undefined);
    // Failed before the restarted daemon could remove the container: a daemon on the same roots does.
    if (!cleaned) await (await startPrivateDaemon('cleanup', { dataRoot: d.dataRoot, runRoot: d.runRoot })).destroy();
  }
});

for (const { name: client, run } of CLIENTS) {
  test(`${client}: network ls and inspect show the predefined networks and the bridge's containers`, async () => {
    const ls = ok(await run(['network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}}']), 'network ls');
    assert.deepEqual(ls.split('\n').sort(), ['bridge bridge local', 'host host local', 'none null local']);
    const id = ok(await run(['run', '-d', 'busybox', 'sleep', '30']), 'run');
    try {
      const net = await netSettings(id);
      const inspect = JSON.parse(ok(await run(['network', 'inspect', 'bridge']), 'network inspect')) as {
        Id: string;
        Driver: string;
        IPAM: { Config: { Subnet: string; Gateway: string }[] };
        Containers: Record<string, { Name: string; EndpointID: string; IPv4Address: string; MacAddress: string; IPv6Address: string }>;
      }[];
      const [bridge] = inspect;
      assert.equal(bridge?.Id, net.Networks['bridge']?.NetworkID);
      assert.equal(bridge?.Driver, 'bridge');
      assert.equal(bridge?.IPAM.Config[0]?.Gateway, net.Gateway);
      const name = ok(await run(['inspect', '-f', '{{.Name}}', id]), 'name').replace(/^\//, '');
      assert.deepEqual(bridge?.Containers[id], {
        Name: name,
        EndpointID: net.Networks['bridge']?.EndpointID,
        MacAddress: net.MacAddress,
        IPv4Address: `${net.IPAddress}/16`,
        IPv6Address: '',
      });
      const byId = ok(await run(['network', 'inspect', '-f', '{{.Name}}', bridge?.Id.slice(0, 12) ?? '']), 'inspect by id');
      assert.equal(byId, 'bridge');
      const missing = await run(['network', 'inspect', 'nosuch-net']);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /network nosuch-net not found/);
    } finally {
      await run(['rm', '-f', id]);
    }
  });
}

test('a daemon whose bridge was deleted behind its back still removes its chains when it stops', async () => {
  const d = await startPrivateDaemon(uniqueName('net-gone'));
  try {
    await makeBusybox(d.host);
    const r = await berth(['run', '--rm', 'busybox', 'true'], { host: d.host });
    assert.equal(r.code, 0, r.stderr);
    const tag = (await runCommand('sh', ['-c', `printf '%s' '${d.runRoot}' | sha256sum | cut -c1-6`])).stdout.trim();
    assert.equal((await runCommand('ip', ['link', 'del', `berth-${tag}`])).code, 0, 'the daemon made its bridge');
    await d.stop();
    const rules = `${(await runCommand('iptables', ['-w', '-S'])).stdout}${(await runCommand('iptables', ['-w', '-t', 'nat', '-S'])).stdout}`;
    assert.doesNotMatch(rules, new RegExp(`BERTH-${tag}`));
  } finally {
    await d.destroy();
  }
});

test('a daemon whose default pool is taken says so in info (both CLIs) and uses the next free subnet', async () => {
  const first = '172.17.0.0/16';
  const routes = ok(await runCommand('ip', ['-4', 'route', 'show', 'table', 'main']), 'routes');
  // Another daemon may hold 172.17.0.0/16 already; otherwise the test takes it with a bridge of its own (this kernel may lack the dummy driver).
  const holder = /^172\.17\.0\.0\/16 dev (\S+)/m.exec(routes)?.[1];
  const standIn = holder ? undefined : `bdm-${uniqueName('x').slice(-6)}`;
  if (standIn) {
    ok(await runCommand('sh', ['-c', `ip link add ${standIn} type bridge && ip addr add 172.17.255.254/16 dev ${standIn} && ip link set ${standIn} up`]), 'stand-in bridge');
  }
  const d = await startPrivateDaemon(uniqueName('net-moved'));
  try {
    for (const { name: client, run } of CLIENTS) {
      const info = await run(['info'], { host: d.host });
      assert.equal(info.code, 0, `${client}: ${info.stderr}`);
      const subnet = ok(await run(['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Subnet}}', 'bridge'], { host: d.host }), 'inspect');
      assert.notEqual(subnet, first);
      const warning = info.stderr.split('\n').find((l) => l.startsWith('WARNING: the default bridge network uses'));
      assert.equal(warning, `WARNING: the default bridge network uses ${subnet}: ${first} overlaps the host route ${first} dev ${holder ?? standIn}`, `${client}: ${info.stderr}`);
      const warnings = ok(await run(['info', '--format', '{{json .Warnings}}'], { host: d.host }), 'info --format');
      // Other host notices (crun on a hybrid cgroup host) may stand beside it.
      assert.deepEqual((JSON.parse(warnings) as string[]).filter((w) => w.includes('default bridge')), [warning]);
    }
  } finally {
    await d.destroy();
    if (standIn) await runCommand('ip', ['link', 'del', standIn]);
  }
});

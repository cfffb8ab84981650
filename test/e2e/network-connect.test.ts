import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { CLIENTS, SHARED_HOST, api, berth, freePort, httpGet, makeBusybox, runCommand, startPrivateDaemon, uniqueName } from './harness.js';

interface Endpoint {
  NetworkID: string;
  EndpointID: string;
  IPAddress: string;
  Gateway: string;
  MacAddress: string;
  Aliases: string[] | null;
  DNSNames: string[] | null;
}

async function networksOf(ref: string): Promise<Record<string, Endpoint>> {
  const r = await berth(['inspect', '-f', '{{json .NetworkSettings.Networks}}', ref]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, Endpoint>;
}

/** Host links, netns files and netfilter rules that still name the container. */
async function leftovers(id: string, host = SHARED_HOST): Promise<string[]> {
  const short = id.slice(0, 12);
  const links = (await runCommand('ip', ['-o', 'link'])).stdout.split('\n').filter((l) => l.includes(short));
  const rules = [
    ...(await runCommand('iptables', ['-w', '-t', 'nat', '-S'])).stdout.split('\n'),
    ...(await runCommand('iptables', ['-w', '-S'])).stdout.split('\n'),
  ].filter((l) => l.includes(`berth:${short}`));
  const netnsDir = host.replace(/^unix:\/\//, '').replace(/\/[^/]+$/, '/netns');
  const netns = (await readdir(netnsDir).catch(() => [] as string[])).filter((n) => n === id);
  return [...links, ...rules, ...netns];
}

const unixNow = (): string => (Date.now() / 1000).toFixed(3);

async function createNetwork(...flags: string[]): Promise<string> {
  const name = uniqueName('ncnet');
  const r = await berth(['network', 'create', ...flags, name]);
  assert.equal(r.code, 0, r.stderr);
  return name;
}

async function inspectId(ref: string): Promise<string> {
  return (await berth(['inspect', '-f', '{{.Id}}', ref])).stdout.trim();
}

/** Whether container `from` reaches `name` (resolved by the embedded DNS) with one ping. */
async function resolves(from: string, name: string): Promise<boolean> {
  const r = await berth(['exec', from, 'ping', '-c1', '-W2', name]);
  return r.code === 0;
}

for (const { name: client, run } of CLIENTS) {
  test(`${client}: network connect a running container to a second network, then disconnect`, async () => {
    const [netA, netB] = [await createNetwork(), await createNetwork()];
    const [a, b] = [uniqueName('nca'), uniqueName('ncb')];
    let ids: string[] = [];
    try {
      assert.equal((await run(['run', '-d', '--name', a, '--network', netA, 'busybox', 'sleep', '300'])).code, 0);
      assert.equal((await run(['run', '-d', '--name', b, '--network', netB, 'busybox', 'sleep', '300'])).code, 0);
      ids = [await inspectId(a), await inspectId(b)];
      assert.equal(await resolves(a, b), false, 'networks are isolated before connect');

      const since = unixNow();
      const conn = await run(['network', 'connect', '--alias', 'second', netB, a]);
      assert.equal(conn.code, 0, conn.stderr);
      assert.equal(await resolves(a, b), true, 'a reaches b by name on the second network');
      assert.equal(await resolves(b, 'second'), true, 'the alias answers on the second network');
      assert.equal(await resolves(b, a), true, 'b reaches a by name');
      const eth1 = await berth(['exec', a, 'ip', '-o', '-4', 'addr', 'show', 'eth1']);
      assert.equal(eth1.code, 0, eth1.stderr);
      const route = await berth(['exec', a, 'ip', 'route', 'show', 'default']);
      assert.match(route.stdout, /dev eth0/, 'the default route stays with the first network');

      const nets = await networksOf(a);
      assert.deepEqual(Object.keys(nets).sort(), [netA, netB].sort());
      const epB = nets[netB];
      assert.ok(epB);
      assert.match(epB.IPAddress, /^\d+\.\d+\.\d+\.\d+$/);
      assert.ok(eth1.stdout.includes(`${epB.IPAddress}/`), 'eth1 has the address inspect shows');
      assert.match(epB.EndpointID, /^[0-9a-f]{64}$/);
      assert.notEqual(epB.EndpointID, nets[netA]?.EndpointID);
      assert.match(epB.MacAddress, /^02:42:/);
      assert.deepEqual(epB.Aliases, ['second']);
      assert.ok(epB.DNSNames?.includes(a) && epB.DNSNames.includes('second'));
      const netInspect = await run(['network', 'inspect', '-f', '{{json .Containers}}', netB]);
      const members = JSON.parse(netInspect.stdout) as Record<string, { Name: string; IPv4Address: string }>;
      assert.equal(members[ids[0] ?? '']?.IPv4Address, `${epB.IPAddress}/16`);

      const again = await run(['network', 'connect', netB, a]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, new RegExp(`endpoint with name ${a} already exists in network ${netB}`));

      const disc = await run(['network', 'disconnect', netB, a]);
      assert.equal(disc.code, 0, disc.stderr);
      assert.equal(await resolves(a, b), false, 'the name stops resolving after disconnect');
      assert.notEqual((await berth(['exec', a, 'ip', 'link', 'show', 'eth1'])).code, 0, 'eth1 is gone');
      assert.deepEqual(Object.keys(await networksOf(a)), [netA]);
      const twice = await run(['network', 'disconnect', netB, a]);
      assert.equal(twice.code, 1);
      assert.match(twice.stderr, /is not connected to network/);
      const events = await run(['events', '--since', since, '--until', unixNow(), '--filter', 'type=network', '--filter', `network=${netB}`, '--format', '{{.Action}} {{index .Actor.Attributes "container"}}']);
      assert.equal(events.code, 0, events.stderr);
      assert.deepEqual(events.stdout.split('\n').filter(Boolean), [`connect ${ids[0]}`, `disconnect ${ids[0]}`]);
    } finally {
      await berth(['rm', '-f', a, b]);
      await berth(['network', 'rm', netA, netB]);
    }
    for (const id of ids) assert.deepEqual(await leftovers(id), [], 'nothing of the container is left after rm');
  });

  test(`${client}: create with two --network; both endpoints at start, the first holds the default route`, async () => {
    const [netA, netB] = [await createNetwork(), await createNetwork()];
    const [c, peer] = [uniqueName('nc2'), uniqueName('ncp')];
    let id = '';
    try {
      assert.equal((await run(['run', '-d', '--name', peer, '--network', netB, 'busybox', 'sleep', '300'])).code, 0);
      const cr = await run(['create', '--name', c, '--network', netA, '--network', netB, 'busybox', 'sleep', '300']);
      assert.equal(cr.code, 0, cr.stderr);
      id = await inspectId(c);
      assert.deepEqual(Object.keys(await networksOf(c)).sort(), [netA, netB].sort());
      assert.equal((await run(['start', c])).code, 0);
      const addrs = await berth(['exec', c, 'ip', '-o', '-4', 'addr']);
      assert.match(addrs.stdout, /eth0/);
      assert.match(addrs.stdout, /eth1/);
      const nets = await networksOf(c);
      const gwA = nets[netA]?.Gateway ?? '';
      assert.match((await berth(['exec', c, 'ip', 'route', 'show', 'default'])).stdout, new RegExp(`via ${gwA.replace(/\./g, '\\.')} dev eth0`));
      assert.equal(await resolves(c, peer), true, 'names on the second network resolve');
      const hosts = await berth(['exec', c, 'cat', '/etc/hosts']);
      for (const ep of Object.values(nets)) assert.ok(hosts.stdout.includes(ep.IPAddress), `/etc/hosts lists ${ep.IPAddress}`);
    } finally {
      await berth(['rm', '-f', c, peer]);
      await berth(['network', 'rm', netA, netB]);
    }
    assert.deepEqual(await leftovers(id), []);
  });
}

test('compose-style: disconnect then connect of the same network on a created container, then start', async () => {
  const net = await createNetwork();
  const [svc, probe] = [uniqueName('svc'), uniqueName('probe')];
  try {
    const cr = await api('POST', `/v1.50/containers/create?name=${svc}`, {
      Image: 'busybox',
      Cmd: ['sleep', '300'],
      HostConfig: { NetworkMode: net },
      NetworkingConfig: { EndpointsConfig: { [net]: { Aliases: ['web'] } } },
    });
    assert.equal(cr.status, 201, cr.body);
    const id = (cr.json() as { Id: string }).Id;
    const short = id.slice(0, 12);
    const disc = await api('POST', `/v1.50/networks/${net}/disconnect`, { Container: id });
    assert.equal(disc.status, 200, disc.body);
    assert.deepEqual(await networksOf(id), {});
    const conn = await api('POST', `/v1.50/networks/${net}/connect`, { Container: id, EndpointConfig: { Aliases: ['web', short] } });
    assert.equal(conn.status, 200, conn.body);
    assert.deepEqual((await networksOf(id))[net]?.Aliases, ['web', short]);
    // Connecting a stopped container to a network it is on is a no-op, as in Docker.
    assert.equal((await api('POST', `/v1.50/networks/${net}/connect`, { Container: id })).status, 200);
    assert.equal((await api('POST', `/v1.50/containers/${id}/start`)).status, 204);
    const ep = (await networksOf(id))[net];
    assert.match(ep?.IPAddress ?? '', /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal((await berth(['run', '-d', '--name', probe, '--network', net, 'busybox', 'sleep', '300'])).code, 0);
    for (const name of ['web', short, svc]) {
      const r = await berth(['exec', probe, 'nslookup', name]);
      assert.ok(r.stdout.includes(ep?.IPAddress ?? '?'), `${name} resolves to the service: ${r.stdout}`);
    }
  } finally {
    await berth(['rm', '-f', svc, probe]);
    await berth(['network', 'rm', net]);
  }
});

test('127.0.0.11 follows connect and disconnect: host resolvers on the default bridge, the remaining user network after a disconnect', async () => {
  const [netA, netB] = [await createNetwork(), await createNetwork()];
  const [c, peerA, peerB] = [uniqueName('dnsc'), uniqueName('dnspa'), uniqueName('dnspb')];
  const firstLine = async () => (await berth(['exec', c, 'head', '-n', '1', '/etc/resolv.conf'])).stdout;
  const lookup = async (name: string) => (await berth(['exec', c, 'nslookup', name])).stdout;
  try {
    for (const [p, n] of [[peerA, netA], [peerB, netB]] as const) assert.equal((await berth(['run', '-d', '--name', p, '--network', n, 'busybox', 'sleep', '300'])).code, 0);
    assert.equal((await berth(['run', '-d', '--name', c, 'busybox', 'sleep', '300'])).code, 0);
    assert.notEqual(await firstLine(), 'nameserver 127.0.0.11\n', 'the default bridge has no embedded DNS');
    assert.equal((await berth(['network', 'connect', netA, c])).code, 0);
    assert.equal((await berth(['network', 'connect', netB, c])).code, 0);
    assert.equal(await firstLine(), 'nameserver 127.0.0.11\n');
    const addrB = (await networksOf(peerB))[netB]?.IPAddress ?? '?';
    assert.ok((await lookup(peerB)).includes(`Address: ${addrB}`), 'a name of the second network');
    // The DNS was reached through netA's gateway: it must move to netB's when netA goes.
    assert.equal((await berth(['network', 'disconnect', netA, c])).code, 0);
    assert.ok((await lookup(peerB)).includes(`Address: ${addrB}`), 'still answered through the remaining network');
    assert.doesNotMatch(await lookup(peerA), /Address: \d/, 'the left network no longer resolves');
    assert.equal((await berth(['network', 'disconnect', netB, c])).code, 0);
    assert.notEqual(await firstLine(), 'nameserver 127.0.0.11\n', 'back to the host resolvers');
  } finally {
    await berth(['rm', '-f', c, peerA, peerB]);
    await berth(['network', 'rm', netA, netB]);
  }
});

test('network connect/disconnect errors and the default bridge', async () => {
  // A subnet of the test's own: fixed addresses need one the user chose.
  const subnet = `10.${150 + Math.floor(Math.random() * 100)}.${Math.floor(Math.random() * 256)}.0/24`;
  const net = await createNetwork('--subnet', subnet);
  const auto = await createNetwork();
  const [host, plain] = [uniqueName('nch'), uniqueName('ncd')];
  try {
    assert.equal((await berth(['create', '--name', host, '--network', 'host', 'busybox', 'true'])).code, 0);
    const toHost = await api('POST', `/v1.50/networks/${net}/connect`, { Container: host });
    assert.equal(toHost.status, 400);
    assert.match(toHost.body, /container cannot be disconnected from host network or connected to host network/);
    const noNet = await api('POST', '/v1.50/networks/no-such-net-x/connect', { Container: host });
    assert.equal(noNet.status, 404);
    assert.match(noNet.body, /network no-such-net-x not found/);
    const noCtr = await api('POST', `/v1.50/networks/${net}/connect`, { Container: 'no-such-ctr-x' });
    assert.equal(noCtr.status, 404);
    assert.match(noCtr.body, /No such container: no-such-ctr-x/);
    const alias = await api('POST', '/v1.50/networks/bridge/connect', { Container: host, EndpointConfig: { Aliases: ['x'] } });
    assert.equal(alias.status, 400);

    assert.equal((await berth(['run', '-d', '--name', plain, 'busybox', 'sleep', '300'])).code, 0);
    const outside = await berth(['network', 'connect', '--ip', '192.0.2.55', net, plain]);
    assert.equal(outside.code, 1);
    assert.match(outside.stderr, /no configured subnet or ip-range contain the IP address 192\.0\.2\.55/);
    assert.notEqual((await berth(['exec', plain, 'ip', 'link', 'show', 'eth1'])).code, 0, 'a failed connect leaves no interface');
    assert.deepEqual(Object.keys(await networksOf(plain)), ['bridge']);
    const fromBridge = await berth(['network', 'disconnect', 'bridge', plain]);
    assert.equal(fromBridge.code, 0, fromBridge.stderr);
    assert.notEqual((await berth(['exec', plain, 'ip', 'link', 'show', 'eth0'])).code, 0, 'eth0 is gone');
    assert.deepEqual(await networksOf(plain), {});
    const notChosen = await berth(['network', 'connect', '--ip', '10.0.0.9', auto, plain]);
    assert.equal(notChosen.code, 1);
    assert.match(notChosen.stderr, /user specified IP address is supported only when connecting to networks with user configured subnets/);
    const fixed = subnet.replace(/\.0\/\d+$/, '.200');
    const back = await berth(['network', 'connect', '--ip', fixed, net, plain]);
    assert.equal(back.code, 0, back.stderr);
    assert.match((await berth(['exec', plain, 'ip', 'route', 'show', 'default'])).stdout, /dev eth0/, 'the only network gets the default route');
    assert.match((await berth(['exec', plain, 'ip', '-o', '-4', 'addr', 'show', 'eth0'])).stdout, new RegExp(`${fixed.replace(/\./g, '\\.')}/`));
    const taken = await berth(['run', '--rm', '--network', net, '--ip', fixed, 'busybox', 'true']);
    assert.notEqual(taken.code, 0);
    assert.match(taken.stderr, /Address already in use/);
  } finally {
    await berth(['rm', '-f', host, plain]);
    await berth(['network', 'rm', net, auto]);
  }
});

test('daemon killed with SIGKILL and restarted: a container on two networks keeps both endpoints; the route moves on disconnect', async () => {
  const d = await startPrivateDaemon(`ncr-${Date.now().toString(36)}`);
  let d2: Awaited<ReturnType<typeof startPrivateDaemon>> | undefined;
  let host = d.host;
  const [netA, netB] = [uniqueName('ncra'), uniqueName('ncrb')];
  let id = '';
  try {
    await makeBusybox(d.host);
    for (const n of [netA, netB]) assert.equal((await berth(['network', 'create', n], { host })).code, 0);
    assert.equal((await berth(['run', '-d', '--name', 'db', '--network', netB, 'busybox', 'sleep', '300'], { host })).code, 0);
    const r = await berth(['run', '-d', '--name', 'app', '--network', netA, 'busybox', 'sleep', '300'], { host });
    assert.equal(r.code, 0, r.stderr);
    id = r.stdout.trim();
    assert.equal((await berth(['network', 'connect', '--alias', 'api', netB, 'app'], { host })).code, 0);
    const nets = async () => {
      const out = await berth(['inspect', '-f', '{{json .NetworkSettings.Networks}}', 'app'], { host });
      return JSON.parse(out.stdout) as Record<string, Endpoint>;
    };
    const before = await nets();
    await d.kill();
    d2 = await startPrivateDaemon(`ncr2-${Date.now().toString(36)}`, { dataRoot: d.dataRoot, runRoot: d.runRoot });
    host = d2.host;
    const after = await nets();
    for (const n of [netA, netB]) assert.equal(after[n]?.IPAddress, before[n]?.IPAddress, `${n} keeps its address`);
    const lookup = await berth(['exec', 'db', 'nslookup', 'api'], { host });
    assert.ok(lookup.stdout.includes(before[netB]?.IPAddress ?? '?'), `the alias still answers after the restart: ${lookup.stdout}`);
    // A new container on B gets an address of its own: the restored endpoint's is held.
    const fresh = await berth(['run', '--rm', '--network', netB, 'busybox', 'ip', '-o', '-4', 'addr', 'show', 'eth0'], { host });
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.ok(!fresh.stdout.includes(`${before[netB]?.IPAddress}/`), 'the address is not handed out twice');

    assert.equal((await berth(['network', 'disconnect', netA, 'app'], { host })).code, 0);
    const route = await berth(['exec', 'app', 'ip', 'route', 'show', 'default'], { host });
    assert.match(route.stdout, new RegExp(`via ${(before[netB]?.Gateway ?? '?').replace(/\./g, '\\.')} dev eth1`), 'the default route moves to the remaining network');
  } finally {
    await berth(['rm', '-f', 'app', 'db'], { host });
    await berth(['network', 'rm', netA, netB], { host });
    const left = id ? await leftovers(id, host) : [];
    await (d2 ?? d).destroy();
    await d.kill().catch(() => undefined);
    assert.deepEqual(left, [], 'nothing is left after rm');
  }
});

for (const { name: client, run } of CLIENTS) {
  test(`${client}: published ports follow the default route: disconnecting the first network keeps them on the next`, async () => {
    const net = await createNetwork();
    const name = uniqueName('follow');
    const port = await freePort();
    const ports = async () => (await run(['port', name, '80'])).stdout.trim();
    try {
      const r = await run(['run', '-d', '--name', name, '-p', `${port}:80`, 'busybox', 'httpd', '-f', '-p', '80']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await run(['network', 'connect', net, name])).code, 0);
      assert.equal(await httpGet('127.0.0.1', port), 404, 'published on the bridge');
      const d = await run(['network', 'disconnect', 'bridge', name]);
      assert.equal(d.code, 0, d.stderr);
      assert.deepEqual(Object.keys(await networksOf(name)), [net]);
      assert.equal(await httpGet('127.0.0.1', port), 404, 'still published once the route moved to the user network');
      assert.equal(await ports(), `0.0.0.0:${port}`);
      assert.equal((await run(['network', 'disconnect', net, name])).code, 0);
      assert.equal(await httpGet('127.0.0.1', port), 'ECONNREFUSED', 'no network, no published port');
      assert.equal(await ports(), '');
      assert.equal((await run(['network', 'connect', 'bridge', name])).code, 0);
      assert.equal(await httpGet('127.0.0.1', port), 404, 'published again on the network that takes the route');
      assert.equal(await ports(), `0.0.0.0:${port}`);
    } finally {
      await run(['rm', '-f', name]);
      await run(['network', 'rm', net]);
    }
  });
}

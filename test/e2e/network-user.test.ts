import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENTS, api, berth, makeBusybox, runCommand, startPrivateDaemon, uniqueName } from './harness.js';

/** Whether a link (bridge) of this name exists on the host. */
async function linkExists(name: string): Promise<boolean> {
  return (await runCommand('ip', ['link', 'show', 'dev', name])).code === 0;
}

/** berth's filter rules naming a network's chains (tagged with the first 10 characters of its id). */
async function chainsOf(id: string): Promise<string> {
  const r = await runCommand('iptables', ['-w', '-S']);
  const nat = await runCommand('iptables', ['-w', '-t', 'nat', '-S']);
  return `${r.stdout}${nat.stdout}`
    .split('\n')
    .filter((l) => l.includes(`BERTH-${id.slice(0, 10)}`) || l.includes(`br-${id.slice(0, 12)}`))
    .join('\n');
}

for (const { name: client, run } of CLIENTS) {
  test(`${client}: network create, ls, inspect, rm`, async () => {
    const name = uniqueName('net');
    const c = await run(['network', 'create', '--label', 'purpose=test', name]);
    assert.equal(c.code, 0, c.stderr);
    const id = c.stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    try {
      assert.ok(await linkExists(`br-${id.slice(0, 12)}`), 'the network has a bridge of its own');
      const ls = await run(['network', 'ls', '--filter', `name=${name}`, '--format', '{{.ID}} {{.Name}} {{.Driver}} {{.Scope}}']);
      assert.equal(ls.stdout, `${id.slice(0, 12)} ${name} bridge local\n`);
      const custom = await run(['network', 'ls', '-q', '--filter', 'type=custom']);
      assert.ok(custom.stdout.split('\n').includes(id.slice(0, 12)));
      const badType = await run(['network', 'ls', '--filter', 'type=bogus']);
      assert.notEqual(badType.code, 0);
      assert.match(badType.stderr, /invalid filter: 'type'='bogus'/);
      const badDangling = await run(['network', 'ls', '--filter', 'dangling=maybe']);
      assert.match(badDangling.stderr, /invalid value for filter 'dangling'/);
      const ins = await run(['network', 'inspect', name]);
      assert.equal(ins.code, 0, ins.stderr);
      const [n] = JSON.parse(ins.stdout) as { Id: string; Driver: string; Internal: boolean; Labels: Record<string, string>; IPAM: { Config: { Subnet: string; Gateway: string }[] } }[];
      assert.equal(n?.Id, id);
      assert.equal(n?.Driver, 'bridge');
      assert.equal(n?.Internal, false);
      assert.deepEqual(n?.Labels, { purpose: 'test' });
      const cfg = n?.IPAM.Config[0];
      assert.match(cfg?.Subnet ?? '', /^\d+\.\d+\.\d+\.0\/\d+$/);
      assert.equal(cfg?.Gateway, (cfg?.Subnet ?? '').replace(/0\/\d+$/, '1'));

      const dup = await run(['network', 'create', name]);
      assert.equal(dup.code, 1);
      assert.match(dup.stderr, new RegExp(`network with name ${name} already exists`));
      const predefined = await run(['network', 'rm', 'bridge']);
      assert.equal(predefined.code, 1);
      assert.match(predefined.stderr, /bridge is a pre-defined network and cannot be removed/);
      const driver = await run(['network', 'create', '-d', 'nosuchdriver', uniqueName('net')]);
      assert.notEqual(driver.code, 0);
      assert.match(driver.stderr, /plugin "nosuchdriver" not found/);
    } finally {
      const rm = await run(['network', 'rm', name]);
      assert.equal(rm.code, 0, rm.stderr);
      assert.equal(rm.stdout, `${name}\n`);
    }
    assert.equal(await linkExists(`br-${id.slice(0, 12)}`), false, 'network rm removes the bridge');
    assert.equal(await chainsOf(id), '', 'network rm removes its iptables chains and rules');
    const gone = await run(['network', 'inspect', name]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, new RegExp(`network ${name} not found`));
    const missing = await run(['network', 'rm', name]);
    assert.equal(missing.code, 1);
    const forced = await run(['network', 'rm', '-f', name]);
    assert.equal(forced.code, 0, forced.stderr);
  });
}

for (const { name: client, run } of CLIENTS) {
  test(`${client}: network create --ip-range, --aux-address, --attachable as dockerd records and uses them; its IPAM and predefined-name errors`, async () => {
    const name = uniqueName('net');
    const ctr = uniqueName('ctr');
    const c = await run(['network', 'create', '--subnet', '10.124.0.0/16', '--ip-range', '10.124.7.0/24', '--gateway', '10.124.0.254', '--aux-address', 'host1=10.124.7.2', '--attachable', name]);
    assert.equal(c.code, 0, c.stderr);
    try {
      const ins = await run(['network', 'inspect', '-f', '{{json .IPAM}} {{.Attachable}} {{.EnableIPv4}}', name]);
      assert.equal(
        ins.stdout,
        '{"Driver":"default","Options":{},"Config":[{"Subnet":"10.124.0.0/16","IPRange":"10.124.7.0/24","Gateway":"10.124.0.254","AuxiliaryAddresses":{"host1":"10.124.7.2"}}]} true true\n',
      );
      const r = await run(['run', '-d', '--name', ctr, '--network', name, 'busybox', 'sleep', '60']);
      assert.equal(r.code, 0, r.stderr);
      const addr = (await run(['inspect', '-f', `{{(index .NetworkSettings.Networks "${name}").IPAddress}}`, ctr])).stdout.trim();
      assert.match(addr, /^10\.124\.7\.\d+$/, 'an address from the range');
      assert.notEqual(addr, '10.124.7.2', 'never an auxiliary address');
      // dockerd names the endpoint that keeps the network: the container's name and the endpoint's short id.
      const endpoint = (await run(['network', 'inspect', '-f', '{{range .Containers}}{{.EndpointID}}{{end}}', name])).stdout.trim();
      const busy = await run(['network', 'rm', name]);
      assert.equal(busy.code, 1);
      assert.match(busy.stderr, new RegExp(`network ${name} has active endpoints \\(name:"${ctr}" id:"${endpoint.slice(0, 12)}"\\)`));
    } finally {
      await run(['rm', '-f', ctr]);
      assert.equal((await run(['network', 'rm', name])).code, 0);
    }
    for (const predefined of ['bridge', 'host', 'none', 'default']) {
      const p = await run(['network', 'create', predefined]);
      assert.equal(p.code, 1);
      // The daemon's text ends in a space, which both CLIs trim.
      assert.equal(p.stderr, `Error response from daemon: operation is not permitted on predefined ${predefined} network\n`);
    }
    const bad: [string[], string][] = [
      [['--subnet', '10.124.0.5/16'], 'invalid subnet 10.124.0.5/16: it should be 10.124.0.0/16'],
      [['--subnet', '10.124.0.0/33'], 'invalid subnet 10.124.0.0/33: invalid CIDR block notation'],
      [
        ['--subnet', '10.124.0.0/16', '--ip-range', '10.124.0.0/8'],
        '* invalid ip-range 10.124.0.0/8: CIDR block is bigger than its parent subnet 10.124.0.0/16\n* invalid ip-range 10.124.0.0/8: it should be 10.0.0.0/8',
      ],
    ];
    for (const [flags, message] of bad) {
      const e = await run(['network', 'create', ...flags, uniqueName('net')]);
      assert.equal(e.code, 1, flags.join(' '));
      assert.equal(e.stderr, `Error response from daemon: invalid network config:\n${message}\n`);
    }
    const ipamDriver = await run(['network', 'create', '--ipam-driver', 'nosuchipam', uniqueName('net')]);
    assert.equal(ipamDriver.stderr, 'Error response from daemon: plugin "nosuchipam" not found\n');
    const atBase = await run(['network', 'create', '--subnet', '10.124.0.0/16', '--gateway', '10.124.0.0', uniqueName('net')]);
    assert.equal(atBase.stderr, 'Error response from daemon: failed to allocate gateway (10.124.0.0): Address already in use\n');
    // A subnet given without a gateway: dockerd shows the config as given, without the gateway it chose.
    const plain = uniqueName('net');
    assert.equal((await run(['network', 'create', '--subnet', '10.124.0.0/16', plain])).code, 0);
    try {
      const plainIpam = await run(['network', 'inspect', '-f', '{{json .IPAM.Config}}', plain]);
      assert.equal(plainIpam.stdout, '[{"Subnet":"10.124.0.0/16"}]\n');
    } finally {
      assert.equal((await run(['network', 'rm', plain])).code, 0);
    }
    const left = await run(['network', 'ls', '-q', '--filter', 'name=^net-']);
    assert.equal(left.stdout, '', 'a refused create leaves no network');
  });
}

test('network create -o com.docker.network.bridge.name names the bridge; a name another network or the host has is refused; rm removes it', async () => {
  const name = uniqueName('net');
  const bridge = `bt-${name.slice(-8)}`;
  const c = await berth(['network', 'create', '-o', `com.docker.network.bridge.name=${bridge}`, name]);
  assert.equal(c.code, 0, c.stderr);
  const id = c.stdout.trim();
  try {
    assert.ok(await linkExists(bridge), 'the bridge has the name asked for');
    assert.equal(await linkExists(`br-${id.slice(0, 12)}`), false);
    const opts = await berth(['network', 'inspect', '-f', '{{json .Options}}', name]);
    assert.equal(opts.stdout, `{"com.docker.network.bridge.name":"${bridge}"}\n`);
    for (const { name: client, run } of CLIENTS) {
      const again = await run(['network', 'create', '-o', `com.docker.network.bridge.name=${bridge}`, uniqueName('net')]);
      assert.equal(again.code, 1, client);
      assert.match(again.stderr, new RegExp(`conflicts with network ${id} \\(${bridge}\\): networks have same bridge name`), client);
      const host = await run(['network', 'create', '-o', 'com.docker.network.bridge.name=lo', uniqueName('net')]);
      assert.match(host.stderr, /bridge lo exists on the host/, client);
      const long = await run(['network', 'create', '-o', 'com.docker.network.bridge.name=averyveryverylongname', uniqueName('net')]);
      assert.match(long.stderr, /failed to check bridge interface existence: numerical result out of range/, client);
    }
  } finally {
    assert.equal((await berth(['network', 'rm', name])).code, 0);
  }
  assert.equal(await linkExists(bridge), false, 'network rm removes the bridge it made');
});

test("network list and inspect as dockerd 28's API: host and none have IPv4 on and no IPAM config, the list leaves endpoints out, name and id filters are expressions", async () => {
  const name = uniqueName('listnet');
  const ctr = uniqueName('ctr');
  assert.equal((await berth(['network', 'create', name])).code, 0);
  try {
    assert.equal((await berth(['run', '-d', '--name', ctr, '--network', name, 'busybox', 'sleep', '60'])).code, 0);
    for (const n of ['host', 'none']) {
      const r = await api('GET', `/v1.50/networks/${n}`);
      const j = r.json() as { EnableIPv4: boolean; IPAM: { Config: unknown } };
      assert.equal(j.EnableIPv4, true, n);
      assert.equal(j.IPAM.Config, null, n);
    }
    const filters = encodeURIComponent(JSON.stringify({ name: { [`^${name}$`]: true } }));
    const listed = (await api('GET', `/v1.50/networks?filters=${filters}`)).json() as { Name: string; Containers: object }[];
    assert.deepEqual(listed.map((n) => [n.Name, n.Containers]), [[name, {}]]);
    const old = (await api('GET', `/v1.27/networks?filters=${filters}`)).json() as { Containers: object }[];
    assert.equal(Object.keys(old[0]?.Containers ?? {}).length, 1, 'before API 1.28 the list has the endpoints');
    const inspected = (await api('GET', `/v1.50/networks/${name}`)).json() as { Id: string; Containers: object };
    assert.equal(Object.keys(inspected.Containers).length, 1);
    for (const { name: client, run } of CLIENTS) {
      const anchored = await run(['network', 'ls', '--format', '{{.Name}}', '--filter', `name=^${name.slice(0, 10)}`, '--filter', 'name=^nomatch']);
      assert.equal(anchored.stdout, `${name}\n`, client);
      const tail = await run(['network', 'ls', '--format', '{{.Name}}', '--filter', `id=${inspected.Id.slice(20, 30)}`]);
      assert.equal(tail.stdout, `${name}\n`, `${client}: id matches anywhere, as dockerd`);
    }
  } finally {
    await berth(['rm', '-f', ctr]);
    await berth(['network', 'rm', name]);
  }
});

test('an internal network with an explicit subnet and gateway; overlapping subnets are refused', async () => {
  const name = uniqueName('net');
  const other = uniqueName('net');
  const c = await berth(['network', 'create', '--internal', '--subnet', '10.123.45.0/24', '--gateway', '10.123.45.254', name]);
  assert.equal(c.code, 0, c.stderr);
  try {
    const ins = await berth(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}} {{.Internal}}', name]);
    assert.equal(ins.stdout, '10.123.45.0/24 10.123.45.254 true\n');
    const overlap = await berth(['network', 'create', '--subnet', '10.123.45.128/25', other]);
    assert.equal(overlap.code, 1);
    assert.match(overlap.stderr, /Pool overlaps with other one on this address space/);
    const r = await berth(['run', '--rm', '--network', name, 'busybox', 'ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /inet 10\.123\.45\.2\/24 /);
  } finally {
    await berth(['network', 'rm', '-f', other]);
    await berth(['network', 'rm', name]);
  }
});

test('containers on one network reach each other; networks are isolated from each other and from the default bridge', async () => {
  const netA = uniqueName('neta');
  const netB = uniqueName('netb');
  const server = uniqueName('srv');
  const plain = uniqueName('plain');
  try {
    for (const n of [netA, netB]) assert.equal((await berth(['network', 'create', n])).code, 0);
    const s = await berth(['run', '-d', '--name', server, '--network', netA, 'busybox', 'nc', '-ll', '-p', '80', '-e', 'echo', 'hello']);
    assert.equal(s.code, 0, s.stderr);
    const p = await berth(['run', '-d', '--name', plain, 'busybox', 'nc', '-ll', '-p', '80', '-e', 'echo', 'hello']);
    assert.equal(p.code, 0, p.stderr);
    const addr = (await berth(['inspect', '-f', `{{(index .NetworkSettings.Networks "${netA}").IPAddress}}`, server])).stdout.trim();
    assert.match(addr, /^\d+\.\d+\.\d+\.\d+$/);
    const top = await berth(['inspect', '-f', '{{.NetworkSettings.IPAddress}}|{{.HostConfig.NetworkMode}}', server]);
    assert.equal(top.stdout, `|${netA}\n`, 'top-level address fields are for the default bridge only');
    const plainAddr = (await berth(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', plain])).stdout.trim();

    const members = await berth(['network', 'inspect', '-f', '{{range .Containers}}{{.Name}} {{.IPv4Address}}{{end}}', netA]);
    assert.match(members.stdout, new RegExp(`^${server} ${addr.replace(/\./g, '\\.')}/\\d+\n$`));

    const probe = (net: string[], target: string) => berth(['run', '--rm', ...net, 'busybox', 'sh', '-c', `nc -w 1 ${target} 80 </dev/null`]);
    const same = await probe(['--network', netA], addr);
    assert.equal(same.stdout, 'hello\n', same.stderr);
    const [cross, fromDefault, toDefault] = await Promise.all([probe(['--network', netB], addr), probe([], addr), probe(['--network', netA], plainAddr)]);
    assert.notEqual(cross.stdout, 'hello\n', 'another user network must not reach the container');
    assert.notEqual(fromDefault.stdout, 'hello\n', 'the default bridge must not reach a user network');
    assert.notEqual(toDefault.stdout, 'hello\n', 'a user network must not reach the default bridge');

    const busy = await berth(['network', 'rm', netA]);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, new RegExp(`error while removing network: network ${netA} has active endpoints \\(name:"${server}"`));
  } finally {
    await berth(['rm', '-f', server, plain]);
    for (const n of [netA, netB]) {
      const rm = await berth(['network', 'rm', n]);
      assert.equal(rm.code, 0, rm.stderr);
    }
  }
});

test('run --network with an unknown network fails at the start, as dockerd: no image pull, --rm leaves nothing, else a created container', async () => {
  for (const { name: client, run } of CLIENTS) {
    const r = await run(['run', '--rm', '--network', 'nosuch-net-xyz', 'busybox', 'true']);
    assert.equal(r.code, 125, `${client}: ${r.stderr}`);
    assert.match(r.stderr, /network nosuch-net-xyz not found/);
    assert.doesNotMatch(r.stderr, /Unable to find image/, client);
    const name = uniqueName('nonet');
    try {
      const kept = await run(['run', '--name', name, '--network', 'nosuch-net-xyz', 'busybox', 'true']);
      assert.equal(kept.code, 125, `${client}: ${kept.stderr}`);
      const state = await run(['inspect', '-f', '{{.State.Status}} {{.HostConfig.NetworkMode}}', name]);
      assert.equal(state.stdout.trim(), 'created nosuch-net-xyz', client);
    } finally {
      await run(['rm', '-f', name]);
    }
  }
  const left = (await berth(['ps', '-a', '--filter', 'network=nosuch-net-xyz', '-q'])).stdout;
  assert.equal(left, '');
});

test('network prune removes unused networks matching the filter', async () => {
  const label = `prune-${uniqueName('l')}`;
  const unused = uniqueName('net');
  const used = uniqueName('net');
  const ctr = uniqueName('ctr');
  try {
    for (const n of [unused, used]) assert.equal((await berth(['network', 'create', '--label', label, n])).code, 0);
    assert.equal((await berth(['create', '--name', ctr, '--network', used, 'busybox', 'true'])).code, 0);
    const r = await berth(['network', 'prune', '-f', '--filter', `label=${label}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Deleted Networks:\n${unused}\n\n`);
    assert.equal((await berth(['network', 'inspect', used])).code, 0, 'a network a container refers to is kept');
  } finally {
    await berth(['rm', '-f', ctr]);
    await berth(['network', 'rm', '-f', unused, used]);
  }
});

for (const { name: client, run } of CLIENTS) {
  test(`${client}: the embedded DNS on 127.0.0.11 answers names, aliases and short ids of the network's containers, over udp and tcp`, async () => {
    const net = uniqueName('dnsnet');
    const other = uniqueName('dnsother');
    const srv = uniqueName('srv');
    try {
      for (const n of [net, other]) assert.equal((await run(['network', 'create', n])).code, 0);
      const s = await run(['run', '-d', '--name', srv, '--network', net, '--network-alias', 'dbalias', 'busybox', 'sleep', '60']);
      assert.equal(s.code, 0, s.stderr);
      const short = s.stdout.trim().slice(0, 12);
      const addr = (await run(['inspect', '-f', `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`, srv])).stdout.trim();
      // A DNS query for srv's A record over TCP (two-byte length prefix), written in octal for busybox printf.
      const qname = [...Buffer.from(srv)].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
      const len = `\\${(18 + srv.length).toString(8).padStart(3, '0')}`;
      const tcpQuery = `printf "\\000${len}\\022\\064\\001\\000\\000\\001\\000\\000\\000\\000\\000\\000\\${srv.length.toString(8).padStart(3, '0')}${qname}\\000\\000\\001\\000\\001" | nc -w 3 127.0.0.11 53 | od -An -tu1 | tr -s " \\n" " "`;
      const script = [
        'cat /etc/resolv.conf',
        `for n in ${srv} dbalias ${short}; do nslookup $n | grep -A1 "^Name:" | tail -n 1; done`,
        `nslookup -type=a ${srv} 127.0.0.11 | grep -A1 "^Name:" | tail -n 1`,
        tcpQuery,
      ].join('; ');
      const r = await run(['run', '--rm', '--network', net, 'busybox', 'sh', '-c', script]);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.split('\n');
      assert.equal(lines[0], 'nameserver 127.0.0.11', 'the embedded DNS, as Docker names it');
      assert.ok(lines.slice(1).some((l) => /^options .*\bndots:0\b/.test(l)), r.stdout);
      assert.ok(!lines.some((l) => /^nameserver /.test(l) && l !== 'nameserver 127.0.0.11'), 'no other resolver');
      assert.deepEqual(lines.filter((l) => l.startsWith('Address: ')), Array(4).fill(`Address: ${addr}`), 'names, alias and short id over udp');
      assert.match(r.stdout, new RegExp(` ${addr.split('.').join(' ')} ?\n?$`), `srv over tcp: ${r.stdout}`);
      const aliases = await run(['inspect', '-f', `{{json (index .NetworkSettings.Networks "${net}").Aliases}}`, srv]);
      assert.equal(aliases.stdout, '["dbalias"]\n');
      const missing = await run(['run', '--rm', '--network', other, 'busybox', 'nslookup', srv]);
      assert.notEqual(missing.code, 0, 'another network does not resolve the container');
      assert.match(missing.stdout + missing.stderr, /NXDOMAIN/);
    } finally {
      await run(['rm', '-f', srv]);
      for (const n of [net, other]) await run(['network', 'rm', n]);
    }
  });
}

test('--network container:<name> joins its namespace; the owner cannot be removed while it is used unless forced', async () => {
  const owner = uniqueName('owner');
  const guest = uniqueName('guest');
  try {
    assert.equal((await berth(['run', '-d', '--name', owner, 'busybox', 'sleep', '60'])).code, 0);
    const addr = (await berth(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', owner])).stdout.trim();
    const r = await berth(['run', '--rm', '--network', `container:${owner}`, 'busybox', 'ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`inet ${addr.replace(/\./g, '\\.')}/`));
    const ports = await berth(['run', '--rm', '--network', `container:${owner}`, '-p', '80:80', 'busybox', 'true']);
    assert.notEqual(ports.code, 0);
    assert.match(ports.stderr, /conflicting options: port publishing and the container type network mode/);
    const g = await berth(['run', '-d', '--name', guest, '--network', `container:${owner}`, 'busybox', 'sleep', '60']);
    assert.equal(g.code, 0, g.stderr);
    const mode = await berth(['inspect', '-f', '{{.HostConfig.NetworkMode}}', guest]);
    assert.match(mode.stdout, /^container:[0-9a-f]{64}\n$/);
    assert.equal((await berth(['stop', '-t', '0', owner])).code, 0);
    const rm = await berth(['rm', owner]);
    assert.equal(rm.code, 1);
    assert.match(rm.stderr, new RegExp(`cannot remove container "/${owner}": container ${guest} \\([0-9a-f]{12}\\) uses its network namespace`));
    const forced = await berth(['rm', '-f', owner]);
    assert.equal(forced.code, 0, forced.stderr);
  } finally {
    await berth(['rm', '-f', guest, owner]);
  }
});

for (const { name: client, run } of CLIENTS) {
  test(`${client}: --network container:<name> shares the owner's hostname, /etc/hosts and resolv.conf, and its DNS`, async () => {
    const net = uniqueName('cnet');
    const owner = uniqueName('owner');
    const peer = uniqueName('peer');
    const guest = uniqueName('guest');
    try {
      assert.equal((await run(['network', 'create', net])).code, 0);
      for (const [n, extra] of [[owner, ['-h', 'ownerhost']], [peer, []]] as const) {
        const r = await run(['run', '-d', '--name', n, '--network', net, ...extra, 'busybox', 'sleep', '60']);
        assert.equal(r.code, 0, r.stderr);
      }
      const files = 'hostname; cat /etc/hostname /etc/hosts /etc/resolv.conf';
      const own = await run(['exec', owner, 'sh', '-c', files]);
      assert.equal(own.code, 0, own.stderr);
      assert.match(own.stdout, /^ownerhost\nownerhost\n/);
      assert.match(own.stdout, /nameserver 127\.0\.0\.11/);
      const g = await run(['run', '-d', '--name', guest, '--network', `container:${owner}`, 'busybox', 'sleep', '60']);
      assert.equal(g.code, 0, g.stderr);
      const seen = await run(['exec', guest, 'sh', '-c', files]);
      assert.equal(seen.code, 0, seen.stderr);
      assert.equal(seen.stdout, own.stdout, "the guest sees the owner's files");
      const lookup = await run(['exec', guest, 'nslookup', peer]);
      assert.equal(lookup.code, 0, lookup.stdout + lookup.stderr);
      for (const [flags, what] of [
        [['-h', 'mine'], 'hostname and the network mode'],
        [['--dns', '192.0.2.1'], 'dns and the network mode'],
        [['--add-host', 'x:192.0.2.2'], 'custom host-to-IP mapping and the network mode'],
        [['--mac-address', '02:42:00:00:00:01'], 'mac-address and the network mode'],
      ] as const) {
        const refused = await run(['run', '--rm', ...flags, '--network', `container:${owner}`, 'busybox', 'true']);
        assert.equal(refused.code, 125, `${what}: ${refused.stderr}`);
        assert.match(refused.stderr, new RegExp(`conflicting options: ${what}`));
      }
      const paths = '{{.HostnamePath}} {{.HostsPath}} {{.ResolvConfPath}}';
      const [gp, op] = [await run(['inspect', '-f', paths, guest]), await run(['inspect', '-f', paths, owner])];
      assert.equal(gp.stdout, op.stdout, 'inspect shows the shared files, as dockerd does');
    } finally {
      await run(['rm', '-f', guest, owner, peer]);
      await run(['network', 'rm', net]);
    }
  });
}

test('daemon killed with SIGKILL and restarted: user networks, addresses and DNS come back; network rm cleans up', async () => {
  const d = await startPrivateDaemon(`unet-${Date.now().toString(36)}`);
  let host = d.host;
  let d2: Awaited<ReturnType<typeof startPrivateDaemon>> | undefined;
  const net = uniqueName('rnet');
  let bridge = '';
  try {
    await makeBusybox(d.host);
    const c = await berth(['network', 'create', net], { host });
    assert.equal(c.code, 0, c.stderr);
    bridge = `br-${c.stdout.trim().slice(0, 12)}`;
    const s = await berth(['run', '-d', '--name', 'srv', '--network', net, 'busybox', 'sleep', '60'], { host });
    assert.equal(s.code, 0, s.stderr);
    const addrOf = async (name: string) => (await berth(['inspect', '-f', `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`, name], { host })).stdout.trim();
    const before = await addrOf('srv');
    await d.kill();
    d2 = await startPrivateDaemon('restarted', { dataRoot: d.dataRoot, runRoot: d.runRoot });
    host = d2.host;
    assert.equal(await addrOf('srv'), before);
    const r = await berth(['run', '--rm', '--network', net, 'busybox', 'sh', '-c', 'nslookup srv | grep -A1 "^Name:" | tail -n 1; ip -4 -o addr show dev eth0'], { host });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], `Address: ${before}`);
    assert.doesNotMatch(lines[1] ?? '', new RegExp(`inet ${before.replace(/\./g, '\\.')}/`), 'the address is not handed out twice');
  } finally {
    await berth(['rm', '-f', 'srv'], { host });
    const rm = await berth(['network', 'rm', net], { host });
    await (d2 ?? d).destroy();
    await d.kill().catch(() => undefined);
    assert.equal(rm.code, 0, rm.stderr);
  }
  assert.equal(await linkExists(bridge), false);
});

for (const { name: client, run } of CLIENTS) {
  test(`${client}: run --network with docker's advanced form: name, aliases, ip, mac-address, driver-opt; its errors`, async () => {
    const net = uniqueName('advnet');
    const c = uniqueName('adv');
    const third = 1 + Math.floor(Math.random() * 250);
    const ip = `10.124.${third}.77`;
    const mac = '02:42:0a:7c:00:99';
    try {
      const created = await run(['network', 'create', '--subnet', `10.124.${third}.0/24`, net]);
      assert.equal(created.code, 0, created.stderr);
      const r = await run(['run', '-d', '--name', c, '--network', `name=${net},alias=one,alias=two,ip=${ip},mac-address=${mac},driver-opt=com.example.opt=v1`, 'busybox', 'sleep', '60']);
      assert.equal(r.code, 0, r.stderr);
      const ep = JSON.parse((await run(['inspect', '-f', `{{json (index .NetworkSettings.Networks "${net}")}}`, c])).stdout) as Record<string, unknown>;
      assert.deepEqual(
        [ep['Aliases'], ep['IPAMConfig'], ep['IPAddress'], ep['MacAddress'], ep['DriverOpts']],
        [['one', 'two'], { IPv4Address: ip }, ip, mac, { 'com.example.opt': 'v1' }],
      );
      const inside = await run(['exec', c, 'sh', '-c', 'cat /sys/class/net/eth0/address; nslookup two | grep -A1 "^Name:" | tail -n 1']);
      assert.equal(inside.stdout, `${mac}\nAddress: ${ip}\n`, inside.stderr);
      const badKey = await run(['run', '--rm', '--network', `name=${net},colour=blue`, 'busybox', 'true']);
      assert.equal(badKey.code, 125);
      assert.match(badKey.stderr, new RegExp(`invalid argument "name=${net},colour=blue" for "--network" flag: invalid field key colour`));
      const both = await run(['run', '--rm', '--network-alias', 'x', '--network', `name=${net},alias=y`, 'busybox', 'true']);
      assert.equal(both.code, 125);
      assert.match(both.stderr, /conflicting options: cannot specify both --network-alias and per-network alias/);
    } finally {
      await run(['rm', '-f', c]);
      await run(['network', 'rm', net]);
    }
  });
}

test('network connect --driver-opt records the options on the endpoint', async () => {
  const net = uniqueName('dopt');
  const c = uniqueName('doptc');
  try {
    assert.equal((await berth(['network', 'create', net])).code, 0);
    assert.equal((await berth(['run', '-d', '--name', c, 'busybox', 'sleep', '60'])).code, 0);
    const r = await berth(['network', 'connect', '--driver-opt', 'com.example.a=1', net, c]);
    assert.equal(r.code, 0, r.stderr);
    const opts = await berth(['inspect', '-f', `{{json (index .NetworkSettings.Networks "${net}").DriverOpts}}`, c]);
    assert.equal(opts.stdout, '{"com.example.a":"1"}\n');
  } finally {
    await berth(['rm', '-f', c]);
    await berth(['network', 'rm', net]);
  }
});

test('a network id prefix shared by several networks is refused, as dockerd: 400 "network X is ambiguous"', async () => {
  // Among 17 networks (with bridge, host and none, 20) two ids share a first hex digit.
  const made: string[] = [];
  try {
    const ids = new Map<string, string>();
    for (const line of (await berth(['network', 'ls', '--no-trunc', '-q'])).stdout.split('\n').filter(Boolean)) ids.set(line, line);
    let shared: string | undefined;
    while (shared === undefined) {
      const name = uniqueName('ambig');
      const c = await berth(['network', 'create', name]);
      assert.equal(c.code, 0, c.stderr);
      made.push(name);
      const id = c.stdout.trim();
      shared = [...ids.keys()].find((other) => other[0] === id[0]) === undefined ? undefined : id[0];
      ids.set(id, name);
    }
    const prefix: string = shared;
    const matches = [...ids.keys()].filter((id) => id.startsWith(prefix)).length;
    for (const { name: client, run } of CLIENTS) {
      const r = await run(['network', 'inspect', prefix]);
      assert.equal(r.code, 1, client);
      assert.match(r.stderr, new RegExp(`network ${prefix} is ambiguous \\(${matches} matches found based on ID prefix\\)`), client);
      const rm = await run(['network', 'rm', prefix]);
      assert.notEqual(rm.code, 0, client);
      assert.match(rm.stderr, /is ambiguous/, client);
    }
    const res = await api('GET', `/v1.50/networks/${prefix}`);
    assert.equal(res.status, 400);
  } finally {
    if (made.length > 0) await berth(['network', 'rm', ...made]);
  }
});

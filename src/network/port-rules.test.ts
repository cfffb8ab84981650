import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bridgeRules, chainNames, jumpRules, portRequests, portRules, ruleTag } from './port-rules.js';

test('port requests from PortBindings, ExposedPorts and PublishAllPorts', () => {
  const cases: [string, Parameters<typeof portRequests>, ReturnType<typeof portRequests>][] = [
    ['nothing', [null, null, false], []],
    [
      'host:container',
      [{ '80/tcp': [{ HostIp: '', HostPort: '9527' }] }, { '80/tcp': {} }, false],
      [{ proto: 'tcp', containerPort: 80, hostIp: '', hostPort: [9527, 9527] }],
    ],
    [
      'ip::container is ephemeral, udp kept',
      [{ '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }], '53/udp': [{ HostPort: '5353' }] }, null, false],
      [
        { proto: 'udp', containerPort: 53, hostIp: '', hostPort: [5353, 5353] },
        { proto: 'tcp', containerPort: 80, hostIp: '127.0.0.1', hostPort: [0, 0] },
      ],
    ],
    [
      'host range for one port',
      [{ '80/tcp': [{ HostPort: '8000-8003' }] }, null, false],
      [{ proto: 'tcp', containerPort: 80, hostIp: '', hostPort: [8000, 8003] }],
    ],
    [
      '-P publishes exposed ports that have no binding',
      [{ '80/tcp': [{ HostPort: '8080' }] }, { '80/tcp': {}, '443/tcp': {}, '53/udp': {} }, true],
      [
        { proto: 'udp', containerPort: 53, hostIp: '', hostPort: [0, 0] },
        { proto: 'tcp', containerPort: 80, hostIp: '', hostPort: [8080, 8080] },
        { proto: 'tcp', containerPort: 443, hostIp: '', hostPort: [0, 0] },
      ],
    ],
    ['exposed without -P is not published', [null, { '80/tcp': {} }, false], []],
    ['a null binding list is exposed only', [{ '80/tcp': null }, null, false], []],
  ];
  for (const [name, args, want] of cases) assert.deepEqual(portRequests(...args), want, name);
  assert.throws(() => portRequests({ '99999/tcp': [{ HostPort: '1' }] }, null, false), /invalid port/);
  assert.throws(() => portRequests({ '80/tcp': [{ HostPort: '9-1' }] }, null, false), /invalid hostPort/);
});

test("chain names: the default daemon's and a tagged daemon's", () => {
  assert.deepEqual(chainNames('berth0', ''), { bridge: 'berth0', dnat: 'BERTH', postrouting: 'BERTH-POSTROUTING', forward: 'BERTH-FORWARD' });
  const n = chainNames('berth-abc123', 'abc123');
  assert.equal(n.postrouting, 'BERTH-abc123-POSTROUTING');
  // iptables chain names are at most 28 characters.
  for (const c of [n.dnat, n.postrouting, n.forward]) assert.ok(c.length <= 28, c);
});

test('rules stay in berth chains except the jumps', () => {
  const n = chainNames('berth0', '');
  const own = new Set([n.dnat, n.postrouting, n.forward]);
  for (const r of bridgeRules(n, '172.17.0.0/16')) assert.ok(own.has(r.chain), r.chain);
  for (const r of jumpRules(n)) {
    assert.ok(['PREROUTING', 'OUTPUT', 'POSTROUTING', 'FORWARD'].includes(r.chain));
    assert.ok(own.has(r.args[r.args.length - 1]!), 'a jump targets our chain');
  }
  assert.deepEqual(
    bridgeRules(n, '172.17.0.0/16').find((r) => r.args.includes('!')),
    { table: 'nat', chain: 'BERTH-POSTROUTING', args: ['-s', '172.17.0.0/16', '!', '-o', 'berth0', '-j', 'MASQUERADE'] },
  );
});

test('DNAT rules of published ports carry the container tag', () => {
  const n = chainNames('berth0', '');
  const id = 'abcdef0123456789'.repeat(4);
  const rules = portRules(n, id, '172.17.0.2', [
    { proto: 'tcp', containerPort: 80, hostIp: '0.0.0.0', hostPort: 9527 },
    { proto: 'udp', containerPort: 53, hostIp: '127.0.0.1', hostPort: 5353 },
  ]);
  assert.deepEqual(rules, [
    {
      table: 'nat',
      chain: 'BERTH',
      args: ['-p', 'tcp', '-m', 'tcp', '--dport', '9527', '-m', 'comment', '--comment', 'berth:abcdef012345', '-j', 'DNAT', '--to-destination', '172.17.0.2:80'],
    },
    {
      table: 'nat',
      chain: 'BERTH',
      args: ['-d', '127.0.0.1/32', '-p', 'udp', '-m', 'udp', '--dport', '5353', '-m', 'comment', '--comment', 'berth:abcdef012345', '-j', 'DNAT', '--to-destination', '172.17.0.2:53'],
    },
  ]);
  assert.equal(ruleTag(id), 'berth:abcdef012345');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseSubnet, conflictingRoute, defaultPools, ipamProblems, nextFreeAddress, type IpamRequest } from './ipam.js';
import { contains, formatIpv4, formatSubnet, macFromIpv4, overlaps, parseIpv4, parseSubnet } from './ipv4.js';

test('IPv4 parse and format round-trip; bad addresses are refused', () => {
  for (const ip of ['0.0.0.0', '172.17.0.2', '255.255.255.255', '10.1.2.3']) assert.equal(formatIpv4(parseIpv4(ip)), ip);
  for (const bad of ['1.2.3', '256.1.1.1', 'a.b.c.d', '1.2.3.4.5', '']) assert.throws(() => parseIpv4(bad), /invalid IPv4/);
});

test('subnets: host bits cleared, containment and overlap', () => {
  assert.equal(formatSubnet(parseSubnet('172.17.5.9/16')), '172.17.0.0/16');
  const cases: [string, string, boolean][] = [
    ['172.17.0.0/16', '172.17.3.0/24', true],
    ['172.17.0.0/16', '172.18.0.0/16', false],
    ['10.0.0.0/8', '10.255.255.53/32', true],
    ['0.0.0.0/0', '192.168.1.0/24', true],
    ['192.168.0.0/20', '192.168.16.0/20', false],
  ];
  for (const [a, b, want] of cases) {
    assert.equal(overlaps(parseSubnet(a), parseSubnet(b)), want, `${a} vs ${b}`);
    assert.equal(overlaps(parseSubnet(b), parseSubnet(a)), want, `${b} vs ${a}`);
  }
  assert.ok(contains(parseSubnet('172.17.0.0/16'), parseIpv4('172.17.255.254')));
  assert.ok(!contains(parseSubnet('172.17.0.0/16'), parseIpv4('172.18.0.1')));
  assert.throws(() => parseSubnet('172.17.0.0/33'), /invalid CIDR/);
});

test("MAC derived from the address as Docker's", () => {
  assert.equal(macFromIpv4(parseIpv4('172.17.0.2')), '02:42:ac:11:00:02');
  assert.equal(macFromIpv4(parseIpv4('192.168.16.255')), '02:42:c0:a8:10:ff');
});

test('subnet choice: first default pool not overlapping a host route', () => {
  const pools = defaultPools();
  assert.equal(formatSubnet(pools[0]!), '172.17.0.0/16');
  assert.equal(formatSubnet(pools[14]!), '172.31.0.0/16');
  assert.equal(formatSubnet(pools[15]!), '192.168.0.0/20');
  const cases: [string[], string][] = [
    [[], '172.17.0.0/16'],
    [['192.0.2.0/24', '10.255.255.53/32'], '172.17.0.0/16'],
    [['172.17.0.0/16'], '172.18.0.0/16'],
    [['172.17.42.0/24', '172.18.0.1/32'], '172.19.0.0/16'],
    [['172.16.0.0/12'], '192.168.0.0/20'],
    [['172.16.0.0/12', '192.168.0.0/24'], '192.168.16.0/20'],
  ];
  for (const [routes, want] of cases) assert.equal(formatSubnet(chooseSubnet(pools, routes.map(parseSubnet))), want, routes.join(','));
  assert.throws(() => chooseSubnet(pools, [parseSubnet('0.0.0.0/0')]), /non-overlapping/);
  assert.equal(formatSubnet(conflictingRoute(parseSubnet('172.17.0.0/16'), [parseSubnet('10.0.0.0/8'), parseSubnet('172.17.1.0/24')])!), '172.17.1.0/24');
  assert.equal(conflictingRoute(parseSubnet('172.17.0.0/16'), [parseSubnet('10.0.0.0/8')]), undefined);
});

test('addresses from .2 upwards, skipping used ones and the broadcast', () => {
  const s16 = parseSubnet('172.17.0.0/16');
  const ip = (t: string) => parseIpv4(t);
  const cases: [string, string[], string][] = [
    ['172.17.0.0/16', [], '172.17.0.2'],
    ['172.17.0.0/16', ['172.17.0.2'], '172.17.0.3'],
    ['172.17.0.0/16', ['172.17.0.2', '172.17.0.4'], '172.17.0.3'],
    ['10.0.0.0/30', [], '10.0.0.2'],
  ];
  for (const [subnet, used, want] of cases) assert.equal(formatIpv4(nextFreeAddress(parseSubnet(subnet), new Set(used.map(ip)))), want);
  const all = new Set<number>();
  for (let i = 2; i < 255; i++) all.add(ip(`10.9.8.${i}`));
  assert.throws(() => nextFreeAddress(parseSubnet('10.9.8.0/24'), all), /no available IPv4 addresses/);
  assert.throws(() => nextFreeAddress(parseSubnet('10.0.0.0/31'), new Set()), /too small/);
  // 255 allocations in a row never repeat an address.
  const used = new Set<number>();
  for (let i = 0; i < 255; i++) {
    const next = nextFreeAddress(s16, used);
    assert.ok(!used.has(next));
    used.add(next);
  }
  assert.equal(used.size, 255);
});

test('nextFreeAddress within an --ip-range: its addresses only, never the subnet broadcast', () => {
  const s = parseSubnet('10.1.0.0/16');
  const cases: [string, string[], string][] = [
    ['10.1.7.0/24', [], '10.1.7.0'],
    ['10.1.7.0/24', ['10.1.7.0', '10.1.7.1'], '10.1.7.2'],
    ['10.1.0.0/24', ['10.1.0.1'], '10.1.0.2'],
  ];
  for (const [range, used, want] of cases) {
    assert.equal(formatIpv4(nextFreeAddress(s, new Set(used.map(parseIpv4)), parseSubnet(range))), want, `${range} ${used.join(',')}`);
  }
  const full = new Set([parseIpv4('10.1.255.252'), parseIpv4('10.1.255.253'), parseIpv4('10.1.255.254')]);
  assert.throws(() => nextFreeAddress(s, full, parseSubnet('10.1.255.252/30')), /no available IPv4 addresses/);
});

test("ipamProblems: dockerd's ValidateIPAM texts, one complaint a line, several as a list", () => {
  const table: [IpamRequest, string | undefined][] = [
    [{ subnet: '10.1.0.0/16', ipRange: '10.1.2.0/24', gateway: '10.1.0.254', auxAddresses: { a: '10.1.0.5' } }, undefined],
    [{ subnet: '10.1.0.0/33' }, 'invalid subnet 10.1.0.0/33: invalid CIDR block notation'],
    [{ subnet: '' }, 'invalid subnet : invalid CIDR block notation'],
    [{ subnet: '10.01.0.0/16' }, 'invalid subnet 10.01.0.0/16: invalid CIDR block notation'],
    [{ subnet: '10.1.0.5/16' }, 'invalid subnet 10.1.0.5/16: it should be 10.1.0.0/16'],
    [{ subnet: '10.1.0.0/16', ipRange: '10.2.0.0/24' }, "invalid ip-range 10.2.0.0/24: parent subnet 10.1.0.0/16 doesn't contain ip-range"],
    [{ subnet: '10.1.0.0/16', ipRange: 'x' }, 'invalid ip-range x: invalid CIDR block notation'],
    [{ subnet: '10.1.0.0/16', gateway: '10.2.0.1' }, "invalid gateway 10.2.0.1: parent subnet 10.1.0.0/16 doesn't contain this address"],
    [{ subnet: '10.1.0.0/16', gateway: 'foo' }, 'invalid gateway foo: invalid address'],
    [{ subnet: '10.1.0.0/16', auxAddresses: { h: '10.3.0.1' } }, "invalid auxiliary address h: parent subnet 10.1.0.0/16 doesn't contain this address"],
    [
      { subnet: '10.1.0.0/16', ipRange: '10.0.0.0/8', gateway: '10.9.0.1' },
      "* invalid ip-range 10.0.0.0/8: CIDR block is bigger than its parent subnet 10.1.0.0/16\n* invalid gateway 10.9.0.1: parent subnet 10.1.0.0/16 doesn't contain this address",
    ],
  ];
  for (const [req, want] of table) assert.equal(ipamProblems(req), want === undefined ? undefined : `invalid network config:\n${want}`, JSON.stringify(req));
});

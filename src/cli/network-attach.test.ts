import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkingFromFlags, parseNetworkAttachment } from './network-attach.js';

test('parseNetworkAttachment: bare names and modes, and the advanced form', () => {
  const bare = { aliases: [], linkLocalIps: [], links: [], driverOpts: {} };
  assert.deepEqual(parseNetworkAttachment('mynet'), { target: 'mynet', ...bare });
  assert.deepEqual(parseNetworkAttachment('container:abc'), { target: 'container:abc', ...bare });
  assert.deepEqual(parseNetworkAttachment('name=n1,alias=a,alias=b,ip=10.1.2.3,ip6=2001:db8::3,link-local-ip=169.254.1.1,driver-opt=Com.X=1,mac-address=02:42:0a:01:02:03'), {
    target: 'n1',
    aliases: ['a', 'b'],
    ipv4: '10.1.2.3',
    ipv6: '2001:db8::3',
    linkLocalIps: ['169.254.1.1'],
    links: [],
    mac: '02:42:0a:01:02:03',
    driverOpts: { 'com.x': '1' },
  });
  assert.throws(() => parseNetworkAttachment('name=n1,foo=bar'), /^Error: invalid field key foo$/);
  assert.throws(() => parseNetworkAttachment('name=n1,alias'), /^Error: invalid field alias$/);
  assert.throws(() => parseNetworkAttachment('name=n1,driver-opt=x'), /invalid key value pair format in driver options/);
});

test('networkingFromFlags: mode, endpoints and docker\'s checks', () => {
  const none = { aliases: [] };
  assert.deepEqual(networkingFromFlags([], none), { mode: 'default', endpoints: {} });
  assert.deepEqual(networkingFromFlags(['n1'], none), { mode: 'n1', endpoints: {} }, 'a lone network without settings sends no endpoint');
  assert.deepEqual(networkingFromFlags(['n1', 'name=n2,alias=x'], { aliases: ['a'], ip: '10.0.0.9' }), {
    mode: 'n1',
    endpoints: { n1: { Aliases: ['a'], IPAMConfig: { IPv4Address: '10.0.0.9' } }, n2: { Aliases: ['x'] } },
  });
  assert.deepEqual(networkingFromFlags([], { aliases: [], mac: '02:00:00:00:00:01' }), { mode: 'default', endpoints: { default: { MacAddress: '02:00:00:00:00:01' } } });
  assert.deepEqual(networkingFromFlags([], { aliases: [], ip6: '2001:db8::9', linkLocalIps: ['169.254.0.9'], links: ['db'] }), {
    mode: 'default',
    endpoints: { default: { IPAMConfig: { IPv6Address: '2001:db8::9', LinkLocalIPs: ['169.254.0.9'] } } },
  }, 'on the default bridge --link is no endpoint setting');
  assert.deepEqual(networkingFromFlags(['n1'], { aliases: [], links: ['db:d'] }), { mode: 'n1', endpoints: { n1: { Links: ['db:d'] } } }, 'on a user network it is');
  const bad: [string[], object, RegExp][] = [
    [['name=n1,alias=x'], { aliases: ['a'] }, /cannot specify both --network-alias and per-network alias/],
    [['name=n1,ip=10.0.0.2'], { aliases: [], ip: '10.0.0.3' }, /cannot specify both --ip and per-network IPv4 address/],
    [['name=n1,mac-address=02:00:00:00:00:01'], { aliases: [], mac: '02:00:00:00:00:02' }, /cannot specify both --mac-address and per-network MAC address/],
    [['name=n1,ip6=2001:db8::1'], { aliases: [], ip6: '2001:db8::2' }, /cannot specify both --ip6 and per-network IPv6 address/],
    [['name=n1,link-local-ip=169.254.0.1'], { aliases: [], linkLocalIps: ['169.254.0.2'] }, /cannot specify both --link-local-ip and per-network link-local IP addresses/],
    [['n1', 'name=n1'], none, /network "n1" is specified multiple times/],
    [['bridge', 'n1'], none, /cannot attach both user-defined and non-user-defined network-modes/],
    [['name=bridge,alias=x'], none, /network-scoped aliases are only supported for user-defined networks/],
    [['alias=x'], none, /no name set for network/],
    [['name=n1,mac-address=zz'], none, /zz is not a valid mac address/],
  ];
  for (const [values, legacy, message] of bad) assert.throws(() => networkingFromFlags(values, { aliases: [], ...legacy }), message, values.join(' '));
});

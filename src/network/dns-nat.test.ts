import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dnsNatRules } from './dns-nat.js';

test('dnsNatRules: DNAT to the gateway and SNAT to the container address, udp and tcp', () => {
  const text = dnsNatRules({ gateway: '172.18.0.1', address: '172.18.0.5' });
  assert.match(text, /^\*nat\n/);
  assert.match(text, /-A OUTPUT -d 127\.0\.0\.11\/32 -p udp -m udp --dport 53 -j DNAT --to-destination 172\.18\.0\.1:53/);
  assert.match(text, /-A OUTPUT -d 127\.0\.0\.11\/32 -p tcp -m tcp --dport 53 -j DNAT --to-destination 172\.18\.0\.1:53/);
  assert.match(text, /-A POSTROUTING -s 127\.0\.0\.0\/8 -d 172\.18\.0\.1\/32 -p tcp -m tcp --dport 53 -j SNAT --to-source 172\.18\.0\.5/);
  assert.match(text, /COMMIT\n$/);
});

test('dnsNatRules: no target empties the table', () => {
  assert.doesNotMatch(dnsNatRules(), /-A /);
});

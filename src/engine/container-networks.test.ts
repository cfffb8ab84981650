import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BridgeEndpoint } from '../network/bridge-network.js';
import { dnsNames, etcNetwork, resolveName, upstreamsFor } from './container-networks.js';
import type { ContainerRecord, ContainerStatus, NetworkAttachment } from './container-model.js';

function ep(address: string, gateway: string): BridgeEndpoint {
  return { networkId: 'n', endpointId: 'e', sandboxKey: '/run/x', address, prefixLen: 16, gateway, mac: '02:42:00:00:00:00', ports: [] };
}

function rec(id: string, name: string, status: ContainerStatus, networks: NetworkAttachment[]): ContainerRecord {
  return {
    id: id.padEnd(64, '0'),
    name,
    config: { Hostname: id.slice(0, 12) },
    hostConfig: {},
    state: { status },
    networks,
  } as unknown as ContainerRecord;
}

const front = (addr: string, aliases?: string[]): NetworkAttachment => ({ network: 'front', endpoint: ep(addr, '10.1.0.1'), ...(aliases ? { aliases } : {}) });
const back = (addr: string): NetworkAttachment => ({ network: 'back', endpoint: ep(addr, '10.2.0.1') });

const web = rec('aaaaaaaaaaaa', 'web', 'running', [front('10.1.0.2', ['www']), back('10.2.0.2')]);
const db = rec('bbbbbbbbbbbb', 'db', 'running', [back('10.2.0.3')]);
const proxy = rec('cccccccccccc', 'proxy', 'running', [front('10.1.0.3')]);
const gone = rec('dddddddddddd', 'gone', 'exited', [back('10.2.0.9')]);
const all = [web, db, proxy, gone];

test('the embedded DNS answers names on every network the asker shares with the target', () => {
  const cases: { network: string; name: string; from: string; want: string[] }[] = [
    { network: 'front', name: 'proxy', from: '10.1.0.2', want: ['10.1.0.3'] },
    // web asks through front's server for db, which is only on back: web is on back too.
    { network: 'front', name: 'db', from: '10.1.0.2', want: ['10.2.0.3'] },
    // proxy shares no network with db.
    { network: 'front', name: 'db', from: '10.1.0.3', want: [] },
    // The queried network's address first: web is on both.
    { network: 'front', name: 'web', from: '10.1.0.3', want: ['10.1.0.2'] },
    { network: 'back', name: 'web', from: '10.2.0.3', want: ['10.2.0.2'] },
    { network: 'front', name: 'WWW', from: '10.1.0.3', want: ['10.1.0.2'] },
    // Aliases are per network: www is web's alias on front only.
    { network: 'back', name: 'www', from: '10.2.0.3', want: [] },
    { network: 'back', name: 'aaaaaaaaaaaa', from: '10.2.0.3', want: ['10.2.0.2'] },
    { network: 'back', name: 'gone', from: '10.2.0.3', want: [] },
    // An unknown asker gets the queried network's names.
    { network: 'back', name: 'db', from: '192.0.2.1', want: ['10.2.0.3'] },
  ];
  for (const c of cases) assert.deepEqual(resolveName(all, c.network, c.name, c.from), c.want, `${c.name} from ${c.from} via ${c.network}`);
});

test('a container that just started asks before its record says running', () => {
  const starting = rec('eeeeeeeeeeee', 'starting', 'created', [front('10.1.0.7'), back('10.2.0.7')]);
  assert.deepEqual(resolveName([...all, starting], 'front', 'db', '10.1.0.7'), ['10.2.0.3']);
});

test("upstreams: the asking container's --dns, else the daemon's; unknown askers get the daemon's", () => {
  const withDns = { ...proxy, hostConfig: { Dns: ['192.0.2.1'] } } as ContainerRecord;
  const list = [web, withDns];
  assert.deepEqual(upstreamsFor(list, 'front', '10.1.0.3', ['192.0.2.9']), ['192.0.2.1']);
  assert.deepEqual(upstreamsFor(list, 'front', '10.1.0.2', ['192.0.2.9']), ['192.0.2.9']);
  assert.deepEqual(upstreamsFor(list, 'front', '10.1.0.99', []), []);
});

test('DNSNames: name, aliases, short id, hostname, without repeats', () => {
  assert.deepEqual(dnsNames(web, front('10.1.0.2', ['www', 'web'])), ['web', 'www', 'aaaaaaaaaaaa']);
});

test('etc files: one hosts line per endpoint; the first user network serves DNS', () => {
  const c = rec('ffffffffffff', 'x', 'created', [{ network: 'bridge', endpoint: ep('172.17.0.2', '172.17.0.1') }, back('10.2.0.5')]);
  assert.deepEqual(etcNetwork(c), { addresses: ['172.17.0.2', '10.2.0.5'], dns: { gateway: '10.2.0.1', address: '10.2.0.5' } });
  const onlyBridge = rec('ffffffffffff', 'x', 'created', [{ network: 'bridge', endpoint: ep('172.17.0.2', '172.17.0.1') }]);
  assert.deepEqual(etcNetwork(onlyBridge), { addresses: ['172.17.0.2'], dns: undefined });
});

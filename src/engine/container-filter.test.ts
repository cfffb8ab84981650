import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterContainers } from './container-filter.js';
import type { ContainerRecord } from './container-model.js';

function rec(id: string, name: string, status: ContainerRecord['state']['status'], extra: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    id,
    name,
    created: `2026-01-0${id.length % 9}T00:00:00Z`,
    image: 'busybox',
    imageId: 'sha256:x',
    config: { Labels: { app: name } },
    hostConfig: {},
    path: 'sh',
    args: [],
    state: { status, pid: 0, exitCode: status === 'exited' ? 3 : 0, error: '', startedAt: '', finishedAt: '', oomKilled: false },
    runtime: 'runc',
    snapshotKey: id,
    restartCount: 0,
    conmonPid: 0,
    stoppedByUser: false,
    ...extra,
  } as ContainerRecord;
}

const all = [
  rec('aaa111', 'web', 'running', { created: '2026-01-01T00:00:00Z' }),
  rec('bbb222', 'db', 'exited', { created: '2026-01-02T00:00:00Z' }),
  rec('ccc333', 'web2', 'created', { created: '2026-01-03T00:00:00Z' }),
];
const helpers = {
  resolve: (ref: string) => all.find((c) => c.name === ref) ?? (() => { throw new Error(ref); })(),
  imageMatches: (_c: ContainerRecord, ref: string) => ref === 'busybox',
};
const names = (f: Record<string, string[]>) => filterContainers(all, new Map(Object.entries(f)), helpers).map((c) => c.name);

test('container filters as docker ps applies them', () => {
  assert.deepEqual(names({ status: ['running', 'created'] }), ['web', 'web2']);
  assert.deepEqual(names({ name: ['web'] }), ['web', 'web2']);
  assert.deepEqual(names({ name: ['^web$'] }), ['web']);
  assert.deepEqual(names({ id: ['bbb'] }), ['db']);
  assert.deepEqual(names({ label: ['app=db'] }), ['db']);
  assert.deepEqual(names({ label: ['app'] }), ['web', 'db', 'web2']);
  assert.deepEqual(names({ exited: ['3'] }), ['db']);
  assert.deepEqual(names({ ancestor: ['alpine'] }), []);
  assert.deepEqual(names({ before: ['web2'] }), ['web', 'db']);
  assert.deepEqual(names({ since: ['web'] }), ['db', 'web2']);
  assert.deepEqual(names({ network: ['bridge'] }), ['web', 'db', 'web2']);
  assert.deepEqual(names({ network: ['host'] }), []);
  const multi = rec('ddd444', 'multi', 'running', { networks: [{ network: 'front' }, { network: 'back' }] });
  assert.deepEqual(filterContainers([multi], new Map([['network', ['back']]]), { resolve: () => multi, imageMatches: () => false }).map((c) => c.name), ['multi']);
  assert.deepEqual(names({ publish: ['80'] }), []);
  assert.deepEqual(names({ health: ['none'] }), ['web', 'db', 'web2']);
  assert.deepEqual(names({ health: ['healthy'] }), []);
  assert.deepEqual(names({ 'is-task': ['true'] }), []);
});

test('publish matches a published host port (ranges, protocols), expose a listed container port; neither matches a stopped container', () => {
  const ep = { networkId: 'n1', endpointId: 'e1', sandboxKey: '', address: '172.17.0.2', prefixLen: 16, gateway: '172.17.0.1', mac: '', ports: [{ proto: 'tcp' as const, containerPort: 80, hostIp: '0.0.0.0', hostPort: 8089 }] };
  const web = rec('fff666', 'pub', 'running', { networks: [{ network: 'bridge', endpoint: ep }], config: { ExposedPorts: { '53/udp': {} } } });
  const stopped = rec('ggg777', 'stopped', 'exited', { networks: [{ network: 'bridge' }], config: { ExposedPorts: { '53/udp': {} } } });
  const pick = (f: Record<string, string[]>) => filterContainers([web, stopped], new Map(Object.entries(f)), helpers).map((c) => c.name);
  assert.deepEqual(pick({ publish: ['8089'] }), ['pub']);
  assert.deepEqual(pick({ publish: ['8080-8090/tcp'] }), ['pub']);
  assert.deepEqual(pick({ publish: ['8089/udp'] }), []);
  assert.deepEqual(pick({ publish: ['80'] }), []);
  assert.deepEqual(pick({ expose: ['80'] }), ['pub']);
  assert.deepEqual(pick({ expose: ['53/udp'] }), ['pub']);
  assert.throws(() => pick({ publish: ['127.0.0.1:8089'] }), { message: "filter for 'publish' should not contain ':': 127.0.0.1:8089" });
  assert.throws(() => pick({ expose: ['90-80'] }), /error while looking up for expose 90-80/);
});

test('volume matches a mount by destination, volume name or bind source; network by name, id or id prefix', () => {
  const mounts = [
    { Type: 'volume' as const, Name: 'data', Source: '/v/data', Destination: '/data', Mode: '', RW: true, Propagation: '' },
    { Type: 'bind' as const, Source: '/srv', Destination: '/www', Mode: '', RW: true, Propagation: '' },
  ];
  const c = rec('hhh888', 'vol', 'running', { mounts, networks: [{ network: 'front' }] });
  const pick = (f: Record<string, string[]>) => filterContainers([c], new Map(Object.entries(f)), { ...helpers, networkId: (n) => (n === 'front' ? 'abcdef0123' : undefined) }).map((x) => x.name);
  for (const v of ['/data', 'data', '/srv', '/www']) assert.deepEqual(pick({ volume: [v] }), ['vol'], v);
  assert.deepEqual(pick({ volume: ['/v/data'] }), []);
  for (const v of ['front', 'abcdef0123', 'abc']) assert.deepEqual(pick({ network: [v] }), ['vol'], v);
  assert.deepEqual(pick({ network: ['bcd'] }), []);
});

test("exited needs a number, is-task true or false, as dockerd's; isolation is default on Linux", () => {
  assert.throws(() => names({ exited: ['abc'] }), { message: 'strconv.Atoi: parsing "abc": invalid syntax' });
  assert.throws(() => names({ 'is-task': ['maybe'] }), { message: "Invalid filter 'is-task=[maybe]'" });
  assert.deepEqual(names({ isolation: ['default'] }), ['web', 'db', 'web2']);
  assert.deepEqual(names({ isolation: ['hyperv'] }), []);
});

test('bad filters are errors, not ignored', () => {
  assert.throws(() => names({ color: ['red'] }), { message: "invalid filter 'color'" });
  assert.throws(() => names({ status: ['sleeping'] }), { message: "invalid filter 'status=sleeping': invalid value" });
});

test('health filter: the healthcheck status, none without one', () => {
  const withHealth = (id: string, name: string, status?: 'starting' | 'healthy' | 'unhealthy') => {
    const c = rec(id, name, 'running');
    if (status) c.state.health = { status, failingStreak: 0, log: [] };
    return c;
  };
  const list = [withHealth('h1', 'ok', 'healthy'), withHealth('h2', 'bad', 'unhealthy'), withHealth('h3', 'new', 'starting'), withHealth('h4', 'plain')];
  const pick = (v: string[]) => filterContainers(list, new Map([['health', v]]), helpers).map((c) => c.name);
  assert.deepEqual(pick(['healthy']), ['ok']);
  assert.deepEqual(pick(['unhealthy', 'starting']), ['bad', 'new']);
  assert.deepEqual(pick(['none']), ['plain']);
  assert.throws(() => pick(['sick']), { message: 'Unrecognised filter value for health: sick' });
});

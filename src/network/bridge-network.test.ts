import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bridgeIdentity, vethName, vethOwner } from './bridge-network.js';

test("bridge identity: berth0 for the default exec root, a hashed bridge and chain tag for the others", () => {
  const hash = (s: string) => (s === '/run/berth-test' ? 'a6de3f00' : '0123456789');
  assert.deepEqual(bridgeIdentity('/run/berth', '/run/berth', hash), { bridge: 'berth0', chainTag: '' });
  assert.deepEqual(bridgeIdentity('/run/berth-test', '/run/berth', hash), { bridge: 'berth-a6de3f', chainTag: 'a6de3f' });
  // Interface names are at most 15 characters.
  assert.ok(bridgeIdentity('/x', '/run/berth', hash).bridge.length <= 15);
});

test('veth names come from the container id and fit IFNAMSIZ', () => {
  const id = '26c1c402d71da201dff88efcd4a1e3453a58b8220283b05b16fa2e1433448d83';
  assert.equal(vethName(id), 'vb26c1c402d71d');
  assert.ok(vethName(id).length <= 15);
  assert.throws(() => vethName('../etc'), /invalid container id/);
});

test('each interface of a container has its own veth, and the owner is read back from the name', () => {
  const id = '26c1c402d71da201dff88efcd4a1e3453a58b8220283b05b16fa2e1433448d83';
  const cases: [number, string][] = [
    [0, 'vb26c1c402d71d'],
    [1, 'v126c1c402d71d'],
    [11, 'v1126c1c402d71d'],
    [99, 'v9926c1c402d71d'],
  ];
  for (const [index, name] of cases) {
    assert.equal(vethName(id, index), name);
    assert.ok(name.length <= 15);
    assert.equal(vethOwner(name), '26c1c402d71d');
  }
  assert.throws(() => vethName(id, 100), /invalid interface index/);
  for (const other of ['eth0', 'docker0', 'vethabc123', 'v026c1c402d71d', 'berth0']) assert.equal(vethOwner(other), undefined);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkEnv, renameInLink } from './container-links.js';

test('linkEnv writes moby’s variables: tcp ports first, a consecutive run as START/END, the env but HOME and PATH', () => {
  const env = linkEnv('/app/my-db', '172.17.0.2', ['PATH=/bin', 'HOME=/root', 'PASS=x=y', 'BARE'], ['53/udp', '6380/tcp', '6379/tcp']);
  assert.deepEqual(env, [
    'MY_DB_PORT=tcp://172.17.0.2:6379',
    'MY_DB_PORT_6379_TCP=tcp://172.17.0.2:6379',
    'MY_DB_PORT_6379_TCP_ADDR=172.17.0.2',
    'MY_DB_PORT_6379_TCP_PORT=6379',
    'MY_DB_PORT_6379_TCP_PROTO=tcp',
    'MY_DB_PORT_6380_TCP=tcp://172.17.0.2:6380',
    'MY_DB_PORT_6380_TCP_ADDR=172.17.0.2',
    'MY_DB_PORT_6380_TCP_PORT=6380',
    'MY_DB_PORT_6380_TCP_PROTO=tcp',
    'MY_DB_PORT_53_UDP=udp://172.17.0.2:53',
    'MY_DB_PORT_53_UDP_ADDR=172.17.0.2',
    'MY_DB_PORT_53_UDP_PORT=53',
    'MY_DB_PORT_53_UDP_PROTO=udp',
    'MY_DB_PORT_6379_TCP_START=tcp://172.17.0.2:6379',
    'MY_DB_PORT_6379_TCP_PORT_START=6379',
    'MY_DB_PORT_6379_TCP_END=tcp://172.17.0.2:6380',
    'MY_DB_PORT_6379_TCP_PORT_END=6380',
    'MY_DB_NAME=/app/my-db',
    'MY_DB_ENV_PASS=x=y',
  ]);
  assert.deepEqual(linkEnv('/a/b', '10.0.0.1', [], []), ['B_NAME=/a/b']);
});

test('renameInLink: the linked container and the linking one follow a rename', () => {
  assert.equal(renameInLink('/db:/app/data', 'db', 'db2'), '/db2:/app/data');
  assert.equal(renameInLink('/db:/app/data', 'app', 'web'), '/db:/web/data');
  assert.equal(renameInLink('/db:/app/data', 'ap', 'x'), '/db:/app/data');
  assert.equal(renameInLink('db', 'db', 'x'), 'db', 'as a client sent it');
});

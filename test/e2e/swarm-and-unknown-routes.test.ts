/**
 * What berth does not have: swarm mode (answered as a Docker daemon with swarm inactive), plugins
 * (none installed), and routes that do not exist (404 with Docker's error JSON, never a crash).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { api, docker, SHARED_HOST } from './harness.js';

const NOT_MANAGER =
  'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';

/** Sends a request line as given (odd targets the http module would refuse) and returns the status line and body. */
function rawRequest(requestLine: string): Promise<{ status: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(SHARED_HOST.replace(/^unix:\/\//, ''));
    let text = '';
    socket.on('data', (b: Buffer) => (text += b.toString()));
    socket.on('error', reject);
    socket.on('end', () => {
      const [head = '', body = ''] = text.split('\r\n\r\n');
      resolve({ status: head.split('\r\n')[0] ?? '', body });
    });
    socket.write(`${requestLine}\r\nHost: berth\r\nConnection: close\r\n\r\n`);
  });
}

test('swarm, node, service, task, secret and config routes answer 503 as an inactive node', async () => {
  const routes = [
    'GET /swarm',
    'GET /v1.50/nodes',
    'GET /services',
    'GET /services/x',
    'POST /services/create',
    'GET /tasks',
    'GET /secrets',
    'POST /secrets/create',
    'GET /configs',
    'DELETE /configs/x',
    'GET /swarm/unlockkey',
  ];
  for (const route of routes) {
    const [method = '', path = ''] = route.split(' ');
    const r = await api(method, path, method === 'POST' ? {} : undefined);
    assert.equal(r.status, 503, route);
    assert.equal(r.headers['content-type'], 'application/json', route);
    assert.deepEqual(r.json(), { message: NOT_MANAGER }, route);
  }
  const leave = await api('POST', '/swarm/leave?force=1');
  assert.equal(leave.status, 503);
  assert.deepEqual(leave.json(), { message: 'This node is not part of a swarm' });
  const info = (await api('GET', '/info')).json() as { Swarm: { LocalNodeState: string; ControlAvailable: boolean } };
  assert.equal(info.Swarm.LocalNodeState, 'inactive');
  assert.equal(info.Swarm.ControlAvailable, false);
});

test('plugins: none installed, and inspecting one is a 404', async () => {
  const list = await api('GET', '/plugins');
  assert.equal(list.status, 200);
  assert.deepEqual(list.json(), []);
  const one = await api('GET', '/plugins/vieux/sshfs:latest/json');
  assert.equal(one.status, 404);
  assert.deepEqual(one.json(), { message: 'plugin "vieux/sshfs:latest" not found' });
});

test('the docker CLI prints the daemon\'s swarm errors and fails', async () => {
  const table: [string[], string][] = [
    [['swarm', 'leave'], 'Error response from daemon: This node is not part of a swarm\n'],
    [['node', 'ls'], `Error response from daemon: ${NOT_MANAGER}\n`],
    [['service', 'ls'], `Error response from daemon: ${NOT_MANAGER}\n`],
    [['secret', 'ls'], `Error response from daemon: ${NOT_MANAGER}\n`],
  ];
  for (const [args, stderr] of table) {
    const r = await docker(args);
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(r.stderr, stderr, args.join(' '));
  }
  const plugins = await docker(['plugin', 'ls', '--format', '{{.Name}}']);
  assert.equal(plugins.code, 0, plugins.stderr);
  assert.equal(plugins.stdout, '');
});

test('unknown routes: 404 with Docker\'s error JSON for every method and odd path', async () => {
  const cases = ['GET /nope', 'POST /containers', 'PUT /v1.50/x/y/z', 'DELETE /images', 'PATCH /info', 'OPTIONS /_ping', 'GET //', 'GET //containers/json', 'GET /v1.50/', 'GET /%zz'];
  for (const c of cases) {
    const [method = '', path = ''] = c.split(' ');
    const r = await api(method, path);
    assert.equal(r.status, 404, c);
    assert.equal(r.headers['content-type'], 'application/json', c);
    assert.deepEqual(r.json(), { message: 'page not found' }, c);
  }
  const star = await rawRequest('GET * HTTP/1.1');
  assert.match(star.status, /^HTTP\/1\.1 404/);
  assert.equal(star.body, '{"message":"page not found"}');
  const absolute = await rawRequest('GET http://berth/_ping HTTP/1.1');
  assert.match(absolute.status, /^HTTP\/1\.1 200/);
  const badEscape = await api('GET', '/containers/%zz/json');
  assert.equal(badEscape.status, 400);
  // The daemon still answers.
  assert.equal((await api('GET', '/_ping')).status, 200);
});

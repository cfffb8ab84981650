// An Engine API stand-in for bench/run.sh that answers at once with canned bytes: a client's figure
// against it is that client's own share of the figure (its start-up, its requests, its rendering),
// the floor no daemon work can go under.
//
// Usage: node instant-engine.mjs SOCKET PS_BODY_FILE
//   HEAD/GET /_ping, GET /containers/json (PS_BODY_FILE's bytes), POST /containers/create (201, a
//   fixed id), POST /containers/{id}/wait (the head only), POST /containers/{id}/start (204);
//   versioned paths too. Anything else: 404.
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';

const [socket, psBodyFile] = process.argv.slice(2);
if (!socket || !psBodyFile) {
  process.stderr.write('usage: instant-engine.mjs SOCKET PS_BODY_FILE\n');
  process.exit(2);
}
const psBody = readFileSync(psBodyFile);
const createBody = Buffer.from(JSON.stringify({ Id: 'b'.repeat(64), Warnings: [] }));
// The headers berthd (and dockerd) send on every response; the docker CLI reads the API version from them.
const common = { 'Api-Version': '1.50', Ostype: 'linux', 'Docker-Experimental': 'false', Server: 'Docker/28.2.2 (linux)' };

rmSync(socket, { force: true });
createServer((req, res) => {
  const path = (req.url ?? '').replace(/^\/v1\.\d+/, '').split('?')[0];
  const send = (status, type, body) => {
    res.writeHead(status, { ...common, 'Content-Type': type, 'Content-Length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  if (path === '/_ping') send(200, 'text/plain; charset=utf-8', Buffer.from('OK'));
  else if (req.method === 'GET' && path === '/containers/json') send(200, 'application/json', psBody);
  else if (req.method === 'POST' && path === '/containers/create') req.resume().on('end', () => send(201, 'application/json', createBody));
  else if (req.method === 'POST' && /^\/containers\/[^/]+\/start$/.test(path)) res.writeHead(204, common).end();
  // The docker CLI's `run` asks before the start: the head goes at once, the body never (the container runs on).
  else if (req.method === 'POST' && /^\/containers\/[^/]+\/wait$/.test(path)) res.writeHead(200, { ...common, 'Content-Type': 'application/json' }).flushHeaders();
  else send(404, 'application/json', Buffer.from(JSON.stringify({ message: `instant-engine: no canned answer for ${req.method} ${path}` })));
}).listen(socket);

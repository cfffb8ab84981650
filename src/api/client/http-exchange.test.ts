import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChunkedDecoder, exchange, streamingExchange, upgrade } from './http-exchange.js';

/** A node:http server on a unix socket in a fresh directory, for the length of `body`. */
async function withServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  body: (socketPath: string) => Promise<void>,
  onUpgrade?: (req: IncomingMessage, socket: Socket) => void,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-exchange-'));
  const socketPath = join(dir, 's.sock');
  const server = createServer(handler);
  if (onUpgrade) server.on('upgrade', onUpgrade);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  try {
    await body(socketPath);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

const readRequest = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => resolve(Buffer.concat(parts).toString()));
  });

test('ChunkedDecoder: data fed a byte at a time, with chunk extensions and trailers', () => {
  const wire = Buffer.from('5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\n');
  const d = new ChunkedDecoder();
  const out: Buffer[] = [];
  const done = [...wire].map((b) => d.feed(Buffer.from([b]), (x) => out.push(Buffer.from(x))));
  assert.equal(Buffer.concat(out).toString(), 'hello world');
  assert.deepEqual(
    done.map((v, i) => [v, i]).filter(([v]) => v),
    [[true, wire.length - 1]],
    'complete only at the last byte',
  );
  assert.throws(() => new ChunkedDecoder().feed(Buffer.from('zz\r\n'), () => undefined), /malformed chunk size/);
});

test('exchange: request line, headers and body out; status, headers and a Content-Length body back', async () => {
  await withServer(
    (req, res) => {
      void readRequest(req).then((text) => {
        const reply = JSON.stringify({ method: req.method, url: req.url, agent: req.headers['user-agent'], length: req.headers['content-length'], text });
        res.writeHead(201, 'Created', { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(reply), 'X-Two': ['a', 'b'] }).end(reply);
      });
    },
    async (socketPath) => {
      const ex = await exchange(socketPath, { method: 'POST', path: '/v1/things?x=1', headers: { 'User-Agent': 'test' }, body: Buffer.from('{"a":1}') });
      assert.equal(ex.head.status, 201);
      assert.equal(ex.head.statusText, 'Created');
      assert.equal(ex.head.headers['x-two'], 'a, b');
      assert.deepEqual(JSON.parse((await ex.body).toString()), { method: 'POST', url: '/v1/things?x=1', agent: 'test', length: '7', text: '{"a":1}' });
      const bodiless = await exchange(socketPath, { method: 'POST', path: '/empty', headers: {} });
      assert.equal(JSON.parse((await bodiless.body).toString()).length, '0', 'a POST without a body says so');
    },
  );
});

test('exchange: a chunked body written in pieces over time, a 204, and HEAD', async () => {
  await withServer(
    (req, res) => {
      if (req.url === '/chunked') {
        res.writeHead(200);
        res.flushHeaders();
        res.write('first ');
        setTimeout(() => res.end('second'), 20);
      } else if (req.url === '/nothing') res.writeHead(204).end();
      else res.writeHead(200, { 'Content-Length': '10' }).end();
    },
    async (socketPath) => {
      const chunked = await exchange(socketPath, { method: 'GET', path: '/chunked', headers: {} });
      assert.equal(chunked.head.headers['transfer-encoding'], 'chunked');
      assert.equal((await chunked.body).toString(), 'first second');
      assert.equal((await (await exchange(socketPath, { method: 'DELETE', path: '/nothing', headers: {} })).body).length, 0);
      const head = await exchange(socketPath, { method: 'HEAD', path: '/head', headers: {} });
      assert.equal(head.head.headers['content-length'], '10');
      assert.equal((await head.body).length, 0, 'a HEAD answer has no body, whatever its length says');
    },
  );
});

test('streamingExchange: each piece of a chunked body comes as it is written; destroying the stream closes the connection', { timeout: 10_000 }, async () => {
  let closed: Promise<void> = Promise.resolve();
  let sendSecond: () => void = () => undefined;
  const secondWanted = new Promise<void>((resolve) => (sendSecond = resolve));
  await withServer(
    (req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"status":"one"}\n');
      if (req.url === '/endless') closed = new Promise((resolve) => res.on('close', resolve));
      // The second piece is written only once the client has the first: a reader that got the body
      // only at its end would wait for ever (and the test time out).
      else void secondWanted.then(() => res.end('{"status":"two"}\n'));
    },
    async (socketPath) => {
      const answer = await streamingExchange(socketPath, { method: 'POST', path: '/progress', headers: {}, body: Buffer.from('x') });
      assert.equal(answer.head.status, 200);
      const pieces: string[] = [];
      for await (const piece of answer.body) {
        pieces.push((piece as Buffer).toString());
        sendSecond();
      }
      assert.equal(pieces.join(''), '{"status":"one"}\n{"status":"two"}\n');
      const endless = await streamingExchange(socketPath, { method: 'GET', path: '/endless', headers: {} });
      for await (const piece of endless.body) {
        assert.equal((piece as Buffer).toString(), '{"status":"one"}\n');
        break;
      }
      await closed;
    },
  );
});

test('exchange: a path or header that would break the request is refused before connecting', async () => {
  // The socket does not exist: a connection attempt would reject with ENOENT instead.
  const nowhere = '/nonexistent/berth-exchange.sock';
  await assert.rejects(exchange(nowhere, { method: 'GET', path: '/images/a b/json', headers: {} }), /unescaped characters/);
  await assert.rejects(exchange(nowhere, { method: 'GET', path: '/x', headers: { 'X-Registry-Auth': 'a\r\nX-Evil: 1' } }), /invalid character in header/);
});

test('exchange: a connection that cannot be made rejects with its code; a cut-off answer rejects', async () => {
  await assert.rejects(exchange('/nonexistent/berth-exchange.sock', { method: 'GET', path: '/', headers: {} }), { code: 'ENOENT' });
  await withServer(
    (_req, res) => {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('short');
      setTimeout(() => res.destroy(), 20);
    },
    async (socketPath) => {
      const ex = await exchange(socketPath, { method: 'GET', path: '/', headers: {} });
      await assert.rejects(ex.body, /closed the connection in the middle/);
    },
  );
});

test('upgrade: after a 101 the socket is the stream, with the bytes that came with the head put back', async () => {
  await withServer(
    (_req, res) => res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"message":"no such container"}'),
    async (socketPath) => {
      const up = await upgrade(socketPath, { method: 'POST', path: '/attach', headers: { Connection: 'Upgrade', Upgrade: 'tcp' }, body: Buffer.alloc(0) });
      assert.equal(up.head.status, 101);
      up.socket.write('ping');
      const got = await new Promise<string>((resolve) => {
        let text = '';
        up.socket.on('data', (b: Buffer) => {
          text += b.toString();
          if (text === 'early+pong') resolve(text);
        });
      });
      assert.equal(got, 'early+pong');
      up.socket.destroy();
      const refused = await upgrade(socketPath, { method: 'POST', path: '/other', headers: {}, body: Buffer.alloc(0) });
      assert.equal(refused.head.status, 404);
      assert.equal((await refused.body()).toString(), '{"message":"no such container"}');
    },
    (req, socket) => {
      if (req.url !== '/attach') {
        socket.destroy();
        return;
      }
      // The head and the first bytes of the stream in one write.
      socket.write('HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nearly+');
      socket.once('data', () => socket.write('pong'));
      // Upgraded sockets are half-open: the server's end goes when the client's does.
      socket.on('end', () => socket.end());
    },
  );
});

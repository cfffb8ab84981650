import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { BufferPool } from '../lib/buffer-pool.js';
import { isBerthError } from '../lib/errors.js';
import { getBlobBody, type BlobBody, type BlobGet } from './blob-body.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(t: { after: (fn: () => void) => void }, handler: Handler): Promise<{ origin: string; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const get = (origin: string, path = '/v2/r/blobs/b', headers: Record<string, string> = {}): BlobGet => ({ url: new URL(path, origin), headers, tls: {} });

/** Reads every piece, releasing each after `holdMs` (a consumer slower than the network); checks they come from the pool. */
async function readAll(body: BlobBody, pool: BufferPool, holdMs = 0): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const piece of body.pieces as AsyncIterable<Buffer>) {
    assert.ok(pool.owns(piece), 'a piece lent out of the pool');
    parts.push(Buffer.from(piece));
    if (holdMs > 0) await sleep(holdMs);
    pool.release(piece);
  }
  return Buffer.concat(parts);
}

test('a 200 body arrives whole in the pool\'s pieces, while the consumer holds them up', async (t) => {
  const data = randomBytes(300_000);
  const { origin } = await serve(t, (_req, res) => res.writeHead(200, { 'Content-Length': String(data.length) }).end(data));
  // Two pieces of 16 KiB: the socket waits for a free one over and over.
  const pool = new BufferPool(2, 16 * 1024);
  const progress: number[] = [];
  const body = await getBlobBody(get(origin), data.length, pool, (n) => progress.push(n));
  assert.ok('pieces' in body);
  assert.ok((await readAll(body, pool, 1)).equals(data));
  assert.equal(progress.at(-1), data.length);
  assert.equal(pool.idle, 2, 'every piece back in the pool');
});

test('redirects are followed, without the Authorization header to another origin', async (t) => {
  const data = randomBytes(5000);
  const storage = await serve(t, (_req, res) => res.writeHead(200, { 'Content-Length': String(data.length) }).end(data));
  const registry = await serve(t, (req, res) => {
    if (req.url === '/v2/r/blobs/b') res.writeHead(307, { Location: '/v2/r/blobs/here' }).end();
    else res.writeHead(302, { Location: `${storage.origin}/bucket/b?sig=1` }).end();
  });
  const pool = new BufferPool(4, 1024 * 1024);
  const body = await getBlobBody(get(registry.origin, '/v2/r/blobs/b', { Authorization: 'Bearer secret' }), data.length, pool, () => undefined);
  assert.ok('pieces' in body);
  assert.ok((await readAll(body, pool)).equals(data));
  assert.deepEqual(registry.seen.map((r) => [r.url, r.headers.authorization]), [['/v2/r/blobs/b', 'Bearer secret'], ['/v2/r/blobs/here', 'Bearer secret']]);
  assert.deepEqual(storage.seen.map((r) => [r.url, r.headers.authorization]), [['/bucket/b?sig=1', undefined]]);
});

test('an error status, a chunked body or a length other than the descriptor\'s is handed back unread', async (t) => {
  const { origin } = await serve(t, (req, res) => {
    if (req.url === '/missing') res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"BLOB_UNKNOWN"}]}');
    else if (req.url === '/chunked') res.writeHead(200).end('x'.repeat(10));
    else res.writeHead(200, { 'Content-Length': '11' }).end('x'.repeat(11));
  });
  const pool = new BufferPool(2, 1024);
  assert.deepEqual(await getBlobBody(get(origin, '/missing'), 10, pool, () => undefined), { status: 404 });
  assert.deepEqual(await getBlobBody(get(origin, '/chunked'), 10, pool, () => undefined), { status: 200 });
  assert.deepEqual(await getBlobBody(get(origin, '/long'), 10, pool, () => undefined), { status: 200 });
  assert.equal(pool.idle, 2);
});

test('a body cut short fails the pieces as a retriable short blob', async (t) => {
  const { origin } = await serve(t, (_req, res) => {
    res.writeHead(200, { 'Content-Length': '100000' });
    res.write(randomBytes(40_000), () => res.socket?.destroy());
  });
  const pool = new BufferPool(4, 16 * 1024);
  const body = await getBlobBody(get(origin), 100_000, pool, () => undefined);
  assert.ok('pieces' in body);
  await assert.rejects(readAll(body, pool), (e: unknown) => isBerthError(e, 'Unavailable') && (e as { code: string }).code === 'short_blob');
});

test('a registry that does not answer is a retriable error', async () => {
  await assert.rejects(getBlobBody(get('http://127.0.0.1:1'), 10, new BufferPool(1, 1024), () => undefined), (e: unknown) => isBerthError(e, 'Unavailable'));
});

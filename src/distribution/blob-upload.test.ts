import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { uploadBlob, uploadStream, type BlobSource } from './blob-upload.js';
import { RegistryClient } from './registry-client.js';

interface FakeOptions {
  /** Sent as OCI-Chunk-Min-Length when an upload starts. */
  minChunk?: number;
  /** Answer a PUT that carries bytes with 405, as a registry that wants chunks. */
  refuseMonolithic?: boolean;
  /** Whether the n-th PATCH (1-based) loses its connection before the registry reads it. */
  dropPatch?: (n: number) => boolean;
  /** Read a PATCH's body late and slowly, so that the client's writes back up. */
  slowPatch?: boolean;
}

/**
 * A registry of the distribution spec's upload endpoints, strict where clients go wrong: each
 * request must use the Location of the previous answer (its state token changes every time) and a
 * chunk must start where the upload stands.
 */
async function fakeRegistry(opts: FakeOptions = {}) {
  const log: string[] = [];
  let pings = 0;
  const blobs = new Map<string, Buffer>();
  const uploads = new Map<string, { data: Buffer; state: number }>();
  let patches = 0;
  let next = 0;
  const location = (id: string): string => `/v2/r/blobs/uploads/${id}?_state=${uploads.get(id)!.state}`;
  const body = async (req: IncomingMessage, slow = false): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    if (slow) await new Promise((r) => setTimeout(r, 100));
    for await (const c of req) {
      chunks.push(c as Buffer);
      if (slow) await new Promise((r) => setImmediate(r));
    }
    return Buffer.concat(chunks);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const range = req.headers['content-range'];
      if (url.pathname === '/v2/') return void (pings++, res.writeHead(200).end());
      log.push(`${req.method}${range ? ` ${range}` : ''}${url.searchParams.has('digest') ? ' ?digest' : ''}`);
      if (req.method === 'POST' && url.pathname === '/v2/r/blobs/uploads/') {
        const id = String(++next);
        uploads.set(id, { data: Buffer.alloc(0), state: 0 });
        const headers: Record<string, string> = { Location: location(id), Range: '0-0' };
        if (opts.minChunk) headers['OCI-Chunk-Min-Length'] = String(opts.minChunk);
        return res.writeHead(202, headers).end();
      }
      const id = /^\/v2\/r\/blobs\/uploads\/(.+)$/.exec(url.pathname)?.[1] ?? '';
      const up = uploads.get(id);
      if (!up) return res.writeHead(404).end();
      if (url.searchParams.get('_state') !== String(up.state)) return res.writeHead(400).end('stale location');
      const answer = (status: number): void => {
        up.state++;
        res.writeHead(status, { Location: location(id), Range: up.data.length ? `0-${up.data.length - 1}` : '0-0' }).end();
      };
      if (req.method === 'GET') return answer(204);
      if (req.method === 'PATCH') {
        if (opts.dropPatch?.(++patches)) return req.socket.destroy();
        const bytes = await body(req, opts.slowPatch);
        if (range) {
          const [start] = range.split('-').map(Number);
          if (start !== up.data.length) return res.writeHead(416).end();
        }
        up.data = Buffer.concat([up.data, bytes]);
        return answer(202);
      }
      if (req.method === 'PUT') {
        const bytes = await body(req);
        if (bytes.length > 0 && opts.refuseMonolithic) return res.writeHead(405).end();
        const data = Buffer.concat([up.data, bytes]);
        const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
        if (digest !== url.searchParams.get('digest')) return res.writeHead(400).end('{"errors":[{"code":"DIGEST_INVALID","message":"digest did not match"}]}');
        uploads.delete(id);
        blobs.set(digest, data);
        return res.writeHead(201, { Location: `/v2/r/blobs/${digest}` }).end();
      }
      res.writeHead(405).end();
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    client: new RegistryClient({ host: `127.0.0.1:${port}`, insecure: true }),
    log,
    pings: () => pings,
    blobs,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

function source(data: Buffer): BlobSource {
  return { digest: `sha256:${createHash('sha256').update(data).digest('hex')}`, size: data.length, open: (s, e) => Readable.from([data.subarray(s, e)]) };
}

const cases: { name: string; size: number; chunkSize: number; fake?: FakeOptions; log: string[] }[] = [
  { name: 'a blob up to one chunk goes in one PUT', size: 2500, chunkSize: 4096, log: ['POST', 'PUT ?digest'] },
  {
    name: 'a bigger blob goes in chunks with Content-Range, each to the latest Location',
    size: 2500,
    chunkSize: 1000,
    log: ['POST', 'PATCH 0-999', 'PATCH 1000-1999', 'PATCH 2000-2499', 'PUT ?digest'],
  },
  { name: "chunks are at least the registry's OCI-Chunk-Min-Length", size: 2500, chunkSize: 1000, fake: { minChunk: 1500 }, log: ['POST', 'PATCH 0-1499', 'PATCH 1500-2499', 'PUT ?digest'] },
  {
    name: 'a refused monolithic PUT falls back to chunks in a new session',
    size: 1200,
    chunkSize: 4096,
    fake: { refuseMonolithic: true },
    log: ['POST', 'PUT ?digest', 'DELETE', 'POST', 'PATCH 0-1199', 'PUT ?digest'],
  },
  {
    name: 'a chunk whose connection drops resumes from the offset the registry reports',
    size: 3000,
    chunkSize: 1000,
    fake: { dropPatch: (n) => n === 2 },
    log: ['POST', 'PATCH 0-999', 'PATCH 1000-1999', 'GET', 'PATCH 1000-1999', 'PATCH 2000-2999', 'PUT ?digest'],
  },
];

for (const c of cases) {
  test(`uploadBlob: ${c.name}`, async () => {
    const fake = await fakeRegistry(c.fake);
    try {
      const data = randomBytes(c.size);
      const src = source(data);
      let last = 0;
      await uploadBlob(fake.client, 'r', src, (current) => (last = current), { chunkSize: c.chunkSize });
      assert.deepEqual(fake.log, c.log);
      assert.ok(fake.blobs.get(src.digest)?.equals(data), 'the registry holds the bytes');
      assert.equal(last, c.size);
    } finally {
      await fake.close();
    }
  });
}

test('uploadBlob: a chunk that keeps failing gives up after three attempts', async () => {
  const fake = await fakeRegistry({ dropPatch: (n) => n >= 2 });
  try {
    await assert.rejects(uploadBlob(fake.client, 'r', source(randomBytes(3000)), () => undefined, { chunkSize: 1000 }), { kind: 'Unavailable' });
    assert.deepEqual(fake.log, ['POST', 'PATCH 0-999', 'PATCH 1000-1999', 'GET', 'PATCH 1000-1999', 'GET', 'PATCH 1000-1999']);
  } finally {
    await fake.close();
  }
});

test('uploadStream: one PATCH of the whole stream, then PUT with the digest computed on the way', async () => {
  const fake = await fakeRegistry();
  try {
    const parts = [randomBytes(700), randomBytes(900)];
    const data = Buffer.concat(parts);
    const sizes: number[] = [];
    const up = await uploadStream(fake.client, 'r', Readable.from(parts), (n) => sizes.push(n));
    assert.equal(up.size, data.length);
    assert.equal(up.digest, source(data).digest);
    assert.deepEqual(fake.log, ['POST', 'PATCH', 'PUT ?digest']);
    assert.ok(fake.blobs.get(up.digest)?.equals(data));
    assert.equal(sizes.at(-1), data.length);
  } finally {
    await fake.close();
  }
});

test('uploadStream: with digestOf, the digest comes from there once the bytes are sent', async () => {
  const fake = await fakeRegistry();
  try {
    const data = randomBytes(1500);
    const up = await uploadStream(fake.client, 'r', Readable.from([data]), () => undefined, async () => source(data).digest);
    assert.equal(up.digest, source(data).digest);
    assert.ok(fake.blobs.get(up.digest)?.equals(data));
    await assert.rejects(uploadStream(fake.client, 'r', Readable.from([data]), () => undefined, async () => `sha256:${'0'.repeat(64)}`), /digest did not match/);
  } finally {
    await fake.close();
  }
});

test('uploadStream: asks for a chunk only once the previous one is written out, so a reused buffer goes up intact', async () => {
  const fake = await fakeRegistry({ slowPatch: true });
  try {
    // One 1 MiB buffer refilled for every chunk, more of them than the sockets' buffers hold.
    const buf = Buffer.alloc(1024 * 1024);
    const sent: Buffer[] = [];
    async function* refilled(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 24; i++) {
        buf.fill(i);
        sent.push(Buffer.from(buf));
        yield buf;
      }
    }
    const up = await uploadStream(fake.client, 'r', refilled(), () => undefined);
    assert.equal(up.digest, source(Buffer.concat(sent)).digest);
    assert.ok(fake.blobs.get(up.digest)?.equals(Buffer.concat(sent)));
  } finally {
    await fake.close();
  }
});

test("registry exchanges read headers without loading Node's own fetch (its Headers costs a first contact ~40 ms)", async () => {
  const fake = await fakeRegistry();
  try {
    const data = randomBytes(100);
    await uploadBlob(fake.client, 'r', source(data), () => undefined);
    assert.ok(fake.blobs.has(source(data).digest));
    // Node's list of the internal modules it has loaded (not in its types).
    const loaded = (process as unknown as { moduleLoadList: string[] }).moduleLoadList;
    assert.deepEqual(loaded.filter((m) => m.includes('deps/undici')), []);
  } finally {
    await fake.close();
  }
});

test('uploads started at once on a new client share one probe of the registry', async () => {
  const fake = await fakeRegistry();
  try {
    const data = [randomBytes(100), randomBytes(200), randomBytes(300)];
    await Promise.all(data.map((d) => uploadBlob(fake.client, 'r', source(d), () => undefined)));
    assert.equal(fake.pings(), 1);
    assert.equal(fake.blobs.size, 3);
  } finally {
    await fake.close();
  }
});

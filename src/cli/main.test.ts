import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { encodeFrame } from '../api/client/frame-demuxer.js';
import type { CliIo } from './io.js';
import { main } from './main.js';

const ID = 'a'.repeat(64);

interface Fake {
  calls: string[];
  images: Set<string>;
  exitCode: number;
  startError?: string;
}

const fake: Fake = { calls: [], images: new Set(), exitCode: 0 };
let server: http.Server;
let dir: string;
let socketPath: string;
let attachSocket: Socket | undefined;
let pendingWait: http.ServerResponse | undefined;
let echoing = false;

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let s = '';
    req.on('data', (c: Buffer) => (s += c.toString()));
    req.on('end', () => resolve(s));
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berth-cli-'));
  socketPath = join(dir, 'api.sock');
  server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    fake.calls.push(`${req.method} ${url.pathname}${url.search}`);
    const body = await readBody(req);
    const p = url.pathname.replace(/^\/v1\.50/, '');
    if (p === '/containers/create') {
      const image = (JSON.parse(body) as { Image: string }).Image;
      if (!fake.images.has(image)) return json(res, 404, { message: `No such image: ${image}:latest` });
      return json(res, 201, { Id: ID, Warnings: [] });
    }
    if (p === '/images/create') {
      fake.images.add(url.searchParams.get('fromImage')?.replace('docker.io/library/', '') ?? '');
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"status":"Pulling from library/busybox","id":"latest"}\r\n');
      res.end('{"status":"Status: Downloaded newer image for busybox:latest"}\r\n');
      return;
    }
    if (p === `/containers/${ID}/wait`) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      pendingWait = res;
      return;
    }
    if (p === `/containers/${ID}/start`) {
      if (fake.startError !== undefined) return json(res, 400, { message: fake.startError });
      res.writeHead(204).end();
      if (echoing) return;
      attachSocket?.end(Buffer.concat([encodeFrame(1, 'out\n'), encodeFrame(2, 'err\n')]));
      attachSocket = undefined;
      pendingWait?.end(JSON.stringify({ StatusCode: fake.exitCode }));
      pendingWait = undefined;
      return;
    }
    if (p === '/containers/json') {
      return json(res, 200, [
        {
          Id: 'f'.repeat(64),
          Names: ['/web'],
          Image: 'nginx',
          ImageID: 'sha256:' + 'c'.repeat(64),
          Command: "/docker-entrypoint.sh nginx -g 'daemon off;'",
          Created: Math.floor(Date.now() / 1000) - 125,
          Ports: [
            { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
            { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
          ],
          Labels: {},
          State: 'running',
          Status: 'Up 2 minutes',
          HostConfig: { NetworkMode: 'bridge' },
          NetworkSettings: { Networks: {} },
          Mounts: [],
        },
      ]);
    }
    if (p === '/images/json') {
      return json(res, 200, [
        {
          Id: 'sha256:' + 'd'.repeat(64),
          ParentId: '',
          RepoTags: ['busybox:latest'],
          RepoDigests: [],
          Created: Math.floor(Date.now() / 1000) - 3 * 86400 - 5,
          Size: 4_261_550,
          SharedSize: -1,
          Labels: null,
          Containers: -1,
        },
      ]);
    }
    if (p === '/containers/nope') return json(res, 404, { message: 'No such container: nope' });
    if (p.startsWith('/containers/') && req.method === 'DELETE') return res.writeHead(204).end();
    json(res, 404, { message: 'page not found' });
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket) => {
    fake.calls.push(`UPGRADE ${req.url ?? ''}`);
    socket.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
    socket.on('error', () => undefined);
    if (req.url?.includes('stdin=1') === true) {
      // Echo mode: the "container" copies stdin to stdout and exits when stdin reaches EOF.
      echoing = true;
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('end', () => {
        socket.end(encodeFrame(1, Buffer.concat(chunks)));
        // The "container" exits only after its output is written, as a real one would.
        setTimeout(() => {
          pendingWait?.end(JSON.stringify({ StatusCode: 5 }));
          pendingWait = undefined;
          echoing = false;
        }, 20);
      });
      return;
    }
    attachSocket = socket;
  });
  await new Promise<void>((r) => server.listen(socketPath, r));
});

after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

function harness(): { io: CliIo; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (c: Buffer) => (o += c.toString()));
  stderr.on('data', (c: Buffer) => (e += c.toString()));
  return {
    io: { stdin: new PassThrough(), stdout, stderr, env: { DOCKER_HOST: `unix://${socketPath}` } },
    out: () => o,
    err: () => e,
  };
}

const run = async (...args: string[]) => {
  const h = harness();
  const code = await main(['node', '/usr/bin/berth', ...args], h.io);
  return { code, out: h.out(), err: h.err() };
};

test('run pulls a missing image, attaches, arms wait before start, and exits with the status', async () => {
  fake.calls = [];
  fake.exitCode = 3;
  const r = await run('run', '--rm', 'busybox', 'echo', 'hi');
  assert.equal(r.code, 3);
  assert.equal(r.out, 'out\n');
  assert.equal(
    r.err,
    "Unable to find image 'busybox:latest' locally\nlatest: Pulling from library/busybox\nStatus: Downloaded newer image for busybox:latest\nerr\n",
  );
  assert.deepEqual(
    fake.calls.map((c) => c.replace(/\?.*/, '')),
    [
      'POST /v1.50/containers/create',
      'POST /v1.50/images/create',
      'POST /v1.50/containers/create',
      `UPGRADE /v1.50/containers/${ID}/attach?stream=1&stdout=1&stderr=1`,
      `POST /v1.50/containers/${ID}/wait`,
      `POST /v1.50/containers/${ID}/start`,
    ].map((c) => c.replace(/\?.*/, '')),
  );
  assert.ok(fake.calls.includes(`POST /v1.50/containers/${ID}/wait?condition=removed`));
  assert.ok(fake.calls.includes('POST /v1.50/images/create?fromImage=docker.io%2Flibrary%2Fbusybox&tag=latest'));
});

test('run maps start failures to docker exit codes', async () => {
  fake.startError = 'exec: "nope": executable file not found in $PATH';
  const r = await run('run', 'busybox', 'nope');
  fake.startError = undefined;
  assert.equal(r.code, 127);
  assert.equal(
    r.err,
    'berth: Error response from daemon: exec: "nope": executable file not found in $PATH\n\nRun \'berth run --help\' for more information\n',
  );
});

test('run -i forwards stdin, half-closes at EOF and still reads the output', async () => {
  const h = harness();
  const stdin = new PassThrough();
  h.io.stdin = stdin;
  stdin.end('hi\n');
  const code = await main(['node', '/usr/bin/berth', 'run', '-i', 'busybox', 'cat'], h.io);
  assert.deepEqual([code, h.out()], [5, 'hi\n']);
});

test('run -d prints the full ID', async () => {
  const r = await run('run', '-d', 'busybox');
  assert.deepEqual([r.code, r.out], [0, `${ID}\n`]);
});

test('usage errors follow docker', async (t) => {
  const cases: [string[], number, string][] = [
    [['rm'], 1, "berth: 'berth rm' requires at least 1 argument\n\nUsage:  berth rm [OPTIONS] CONTAINER [CONTAINER...]\n\nSee 'berth rm --help' for more information\n"],
    [['run', '--foo'], 125, "unknown flag: --foo\n\nUsage:  berth run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun 'berth run --help' for more information\n"],
    [['run', '-m', 'abc', 'x'], 125, 'invalid argument "abc" for "-m, --memory" flag: invalid size: \'abc\'\n\nUsage:  berth run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun \'berth run --help\' for more information\n'],
    [['run', '-p', 'abc', 'x'], 125, "berth: invalid containerPort: abc\n\nRun 'berth run --help' for more information\n"],
    [['nosuch'], 1, "berth: unknown command: berth nosuch\n\nRun 'berth --help' for more information\n"],
    [['rename', 'a'], 1, "berth: 'berth rename' requires 2 arguments\n\nUsage:  berth rename CONTAINER NEW_NAME\n\nRun 'berth rename --help' for more information\n"],
  ];
  for (const [argv, code, err] of cases) {
    await t.test(argv.join(' '), async () => {
      const r = await run(...argv);
      assert.deepEqual([r.code, r.err], [code, err]);
    });
  }
});

test('daemon errors print "Error response from daemon" and continue', async () => {
  const r = await run('rm', 'nope', 'other');
  assert.deepEqual([r.code, r.out, r.err], [1, 'other\n', 'Error response from daemon: No such container: nope\n']);
});

test('an unreachable daemon is reported as docker does', async () => {
  const h = harness();
  h.io.env = { DOCKER_HOST: `unix://${join(dir, 'missing.sock')}` };
  const code = await main(['node', '/usr/bin/berth', 'rm', 'x'], h.io);
  assert.equal(code, 1);
  assert.equal(h.err(), `Cannot connect to the berth daemon at unix://${join(dir, 'missing.sock')}. Is the daemon running?\n`);
});

test('ps renders the default table as docker does', async () => {
  const r = await run('ps');
  assert.equal(r.code, 0);
  assert.equal(
    r.out,
    'CONTAINER ID   IMAGE     COMMAND                  CREATED         STATUS         PORTS                                     NAMES\n' +
      'ffffffffffff   nginx     "/docker-entrypoint.…"   2 minutes ago   Up 2 minutes   0.0.0.0:8080->80/tcp, [::]:8080->80/tcp   web\n',
  );
  const q = await run('ps', '-q', '--no-trunc');
  assert.equal(q.out, `${'f'.repeat(64)}\n`);
  const f = await run('ps', '--format', '{{.Names}} {{.Status}}');
  assert.equal(f.out, 'web Up 2 minutes\n');
});

test('images renders the default table as docker does', async () => {
  const r = await run('images');
  assert.equal(
    r.out,
    'REPOSITORY   TAG       IMAGE ID       CREATED      SIZE\n' + 'busybox      latest    dddddddddddd   3 days ago   4.26MB\n',
  );
});

test('help is rendered in docker layout', async () => {
  const r = await run('pause', '--help');
  assert.equal(r.code, 0);
  assert.equal(r.out, 'Usage:  berth pause CONTAINER [CONTAINER...]\n\nPause all processes within one or more containers\n\nAliases:\n  berth container pause, berth pause\n');
  const top = await run('--help');
  assert.match(top.out, /^Usage: {2}berth \[OPTIONS\] COMMAND\n\n/);
  assert.match(top.out, /\nManagement Commands:\n {2}container {3}Manage containers\n/);
  const group = await run('container');
  assert.match(group.out, /^Usage: {2}berth container COMMAND\n\nManage containers\n\nCommands:\n {2}attach/);
});

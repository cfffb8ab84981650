/**
 * berthd killed with SIGKILL in the middle of create, start, rm -f and import restarts into a
 * consistent state: every listed container is whole, every snapshot directory has its record and
 * the other way round, no mount, conmon, runtime state or ingest file is left, and an import is
 * either absent or complete.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { api, berth, makeBusybox, mountsUnder, runCommand, SHARED_HOST, startPrivateDaemon, waitFor, type PrivateDaemon } from './harness.js';

/** Beside the shared daemon's roots: `crash` in CI, `<dev>-crash` when a developer's shared daemon is `berth-test-<dev>`. */
const DAEMON_NAME = ((p) => (p ? `${p}-crash` : 'crash'))(basename(dirname(SHARED_HOST.replace(/^unix:\/\//, ''))).replace(/^berth-test-?/, ''));

/** Fractions of an undisturbed run of the operation at which the daemon is killed. */
const KILL_POINTS = [0, 0.1, 0.3, 0.5, 0.75, 1];
/** An import records its layer, blobs and image in its last few milliseconds. */
const IMPORT_KILL_POINTS = [0, 0.3, 0.6, 0.85, 0.9, 0.95, 1];

interface Snapshot {
  key: string;
  dir: number;
  kind: string;
}

function readSnapshots(dataRoot: string): Snapshot[] {
  // WAL mode lets a reader look while the daemon writes.
  const db = new Database(join(dataRoot, 'berth.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT key, dir, kind FROM snapshots').all() as Snapshot[];
  } finally {
    db.close();
  }
}

async function conmonsOf(runRoot: string): Promise<number[]> {
  const pids: number[] = [];
  for (const p of await readdir('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const cmd = await readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '');
    const argv = cmd.split('\0');
    if (basename(argv[0] ?? '') === 'conmon' && argv.some((a) => a.startsWith(`${runRoot}/`))) pids.push(Number(p));
  }
  return pids;
}

async function listDir(path: string): Promise<string[]> {
  return readdir(path).catch(() => []);
}

/** An API request whose body is a Buffer; resolves with the status and body, rejects when the daemon dies. */
function upload(host: string, path: string, body: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath: host.replace(/^unix:\/\//, ''), method: 'POST', path, headers: { 'Content-Type': 'application/x-tar', 'Content-Length': body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface Ctx {
  daemon: PrivateDaemon;
  /** The busybox image's config, manifest and layer blobs. */
  baseBlobs: number;
  tar: Buffer;
}

/**
 * Asserts the restarted daemon's state is consistent, then removes every container and checks
 * that only the images' layers and blobs remain.
 */
async function assertConsistent(c: Ctx, label: string, image?: { ref: string; marker: string }): Promise<void> {
  const { host, dataRoot, runRoot } = c.daemon;
  const list = (await api('GET', '/containers/json?all=1', undefined, host)).json() as { Id: string }[];
  const ids = new Set(list.map((x) => x.Id));
  const snaps = readSnapshots(dataRoot);
  const dirs = await listDir(join(dataRoot, 'snapshots'));
  assert.deepEqual(dirs.sort(), snaps.map((s) => String(s.dir)).sort(), `${label}: snapshot directories = snapshot records`);
  const active = snaps.filter((s) => s.kind === 'active').map((s) => s.key).sort();
  assert.deepEqual(active, [...ids].sort(), `${label}: one writable layer per container`);
  assert.deepEqual(await listDir(join(dataRoot, 'content', 'ingest')), [], `${label}: nothing in content/ingest`);
  for (const d of await listDir(join(dataRoot, 'containers'))) assert.ok(ids.has(d), `${label}: container dir ${d} has a container`);

  for (const id of ids) {
    const r = await api('GET', `/containers/${id}/json`, undefined, host);
    assert.equal(r.status, 200, `${label}: inspect ${id}`);
    const st = (r.json() as { State: { Status: string } }).State.Status;
    assert.ok(['created', 'running', 'exited'].includes(st), `${label}: ${id} is ${st}`);
    const rootfs = join(runRoot, 'containers', id, 'rootfs');
    const mounted = (await mountsUnder(rootfs)).length > 0;
    assert.equal(mounted, st === 'running', `${label}: ${id} (${st}) rootfs mounted: ${mounted}`);
    if (st !== 'running') {
      // A whole container starts.
      const s = await api('POST', `/containers/${id}/start`, undefined, host);
      assert.equal(s.status, 204, `${label}: start ${id}: ${s.body}`);
    }
    const ex = await berth(['exec', id, 'true'], { host });
    assert.equal(ex.code, 0, `${label}: exec in ${id}: ${ex.stderr}`);
  }
  for (const m of await mountsUnder(runRoot)) {
    // Every container runs here: its rootfs and its network namespace are mounted.
    const own = (id: string) => m === join(runRoot, 'containers', id, 'rootfs') || m === join(runRoot, 'netns', id);
    assert.ok([...ids].some(own), `${label}: stray mount ${m}`);
  }

  if (image) {
    const r = await api('GET', `/images/${image.ref}/json`, undefined, host);
    // Before any rmi (whose garbage collection would hide them): no layer or blob of an unfinished import.
    const images = r.status === 200 ? 2 : 1;
    assert.equal(snaps.filter((s) => s.kind === 'committed').length, images, `${label}: committed snapshots are the images' layers`);
    const blobs = await listDir(join(dataRoot, 'content', 'blobs', 'sha256'));
    assert.equal(blobs.length, c.baseBlobs * images, `${label}: blobs are the images' blobs`);
    if (r.status === 200) {
      const run = await berth(['run', '--rm', image.ref, 'cat', '/marker'], { host });
      assert.equal(run.stdout, image.marker, `${label}: an imported image is complete: ${run.stderr}`);
      assert.equal((await api('DELETE', `/images/${image.ref}`, undefined, host)).status, 200);
    } else {
      assert.equal(r.status, 404, `${label}: image ${image.ref}: ${r.body}`);
    }
    // A second import of the same tar succeeds.
    const again = await upload(host, `/images/create?fromSrc=-&repo=again&tag=${image.ref.split(':')[1]}`, c.tar);
    assert.equal(again.status, 200, again.body);
    assert.doesNotMatch(again.body, /error/, `${label}: second import: ${again.body}`);
    const run = await berth(['run', '--rm', `again:${image.ref.split(':')[1]}`, 'cat', '/marker'], { host });
    assert.equal(run.stdout, image.marker, `${label}: second import runs: ${run.stderr}`);
    assert.equal((await api('DELETE', `/images/again:${image.ref.split(':')[1]}`, undefined, host)).status, 200);
  }

  for (const id of ids) {
    const r = await api('DELETE', `/containers/${id}?force=1`, undefined, host);
    assert.equal(r.status, 204, `${label}: rm -f ${id}: ${r.body}`);
  }
  assert.deepEqual(await mountsUnder(runRoot), [], `${label}: no mounts after removal`);
  assert.deepEqual(await conmonsOf(runRoot), [], `${label}: no conmon after removal`);
  assert.deepEqual(await listDir(join(runRoot, 'containers')), [], `${label}: no bundles after removal`);
  assert.deepEqual(await listDir(join(dataRoot, 'containers')), [], `${label}: no container dirs after removal`);
  for (const rt of await listDir(join(runRoot, 'runtime'))) {
    assert.deepEqual(await listDir(join(runRoot, 'runtime', rt)), [], `${label}: no ${rt} state after removal`);
  }
  const after = readSnapshots(dataRoot);
  assert.ok(after.every((s) => s.kind === 'committed'), `${label}: only image layers remain`);
  assert.equal(after.length, 1, `${label}: only busybox's layer remains: ${JSON.stringify(after)}`);
  assert.deepEqual(await listDir(join(dataRoot, 'snapshots')), [String(after[0]?.dir)]);
  assert.equal((await listDir(join(dataRoot, 'content', 'blobs', 'sha256'))).length, c.baseBlobs, `${label}: only busybox's blobs remain`);
}

async function restart(c: Ctx): Promise<void> {
  c.daemon = await startPrivateDaemon(DAEMON_NAME, { dataRoot: c.daemon.dataRoot, runRoot: c.daemon.runRoot });
}

/** Runs `op` undisturbed to time it, then once per kill point with a SIGKILL of the daemon during it. */
async function crashDuring(
  c: Ctx,
  what: string,
  setup: (i: number) => Promise<string>,
  op: (subject: string, i: number) => Promise<unknown>,
  check: (i: number) => Promise<void> = (i) => assertConsistent(c, `${what} #${i}`),
  points = KILL_POINTS,
): Promise<void> {
  const subject = await setup(0);
  const t0 = performance.now();
  await op(subject, 0);
  const duration = performance.now() - t0;
  await check(0);
  for (let i = 1; i <= points.length; i++) {
    const s = await setup(i);
    const pending = op(s, i).catch(() => undefined);
    await new Promise((r) => setTimeout(r, (points[i - 1] ?? 0) * duration));
    await c.daemon.kill();
    await pending;
    await restart(c);
    await check(i);
  }
}

async function createContainer(c: Ctx): Promise<string> {
  const r = await api('POST', '/containers/create', { Image: 'busybox', Cmd: ['sleep', '1000'] }, c.daemon.host);
  assert.equal(r.status, 201, r.body);
  return (r.json() as { Id: string }).Id;
}

test('berthd killed during create, start, rm -f and import restarts consistent', { timeout: 600_000 }, async () => {
  const work = await mkdtemp(join(tmpdir(), 'berth-crash-'));
  const root = join(work, 'root');
  await mkdir(root);
  // Incompressible, so the blob, the unpacked layer and the digests all take a while.
  await writeFile(join(root, 'big'), randomBytes(8 * 1024 * 1024));
  const marker = `marker ${randomBytes(4).toString('hex')}\n`;
  await writeFile(join(root, 'marker'), marker);
  await mkdir(join(root, 'bin'));
  await writeFile(join(root, 'bin', 'cat'), await readFile('/bin/busybox'), { mode: 0o755 });
  const tarPath = join(work, 'rootfs.tar');
  const t = await runCommand('tar', ['-C', root, '-cf', tarPath, '.']);
  assert.equal(t.code, 0, t.stderr);

  let daemon = await startPrivateDaemon(DAEMON_NAME);
  const c: Ctx = { daemon, baseBlobs: 0, tar: await readFile(tarPath) };
  try {
    await makeBusybox(daemon.host);
    c.baseBlobs = (await listDir(join(daemon.dataRoot, 'content', 'blobs', 'sha256'))).length;

    await crashDuring(c, 'create', async () => '', () => createContainer(c));
    await crashDuring(c, 'start', () => createContainer(c), (id) => api('POST', `/containers/${id}/start`, undefined, c.daemon.host));
    await crashDuring(
      c,
      'rm -f',
      async () => {
        const id = await createContainer(c);
        assert.equal((await api('POST', `/containers/${id}/start`, undefined, c.daemon.host)).status, 204);
        return id;
      },
      (id) => api('DELETE', `/containers/${id}?force=1`, undefined, c.daemon.host),
    );
    await crashDuring(
      c,
      'import',
      async () => '',
      (_s, i) => upload(c.daemon.host, `/images/create?fromSrc=-&repo=crash&tag=t${i}`, c.tar),
      (i) => assertConsistent(c, `import #${i}`, { ref: `crash:t${i}`, marker }),
      IMPORT_KILL_POINTS,
    );
  } finally {
    daemon = c.daemon;
    await daemon.destroy();
    await rm(work, { recursive: true, force: true });
  }
  assert.deepEqual(await conmonsOf(daemon.runRoot), []);
  assert.deepEqual(await mountsUnder(daemon.runRoot), []);
});

test('a --rm container whose record went before berthd died leaves nothing once berthd restarts', { timeout: 120_000 }, async () => {
  let daemon = await startPrivateDaemon(`${DAEMON_NAME}-rm`);
  const { dataRoot, runRoot } = daemon;
  try {
    await makeBusybox(daemon.host);
    const r = await api('POST', '/containers/create', { Image: 'busybox', Cmd: ['sleep', '1000'], HostConfig: { AutoRemove: true } }, daemon.host);
    assert.equal(r.status, 201, r.body);
    const id = (r.json() as { Id: string }).Id;
    assert.equal((await api('POST', `/containers/${id}/start`, undefined, daemon.host)).status, 204);
    const pid = ((await api('GET', `/containers/${id}/json`, undefined, daemon.host)).json() as { State: { Pid: number } }).State.Pid;
    await daemon.kill();
    // A --rm container's record is deleted when its exit is recorded, before its runtime state,
    // mounts and network go: a crash in between leaves them without a record.
    process.kill(pid, 'SIGKILL');
    await waitFor('conmon to record the exit', async () => (await conmonsOf(runRoot)).length === 0);
    const db = new Database(join(dataRoot, 'berth.db'), { fileMustExist: true });
    try {
      db.prepare('DELETE FROM containers WHERE id = ?').run(id);
    } finally {
      db.close();
    }
    daemon = await startPrivateDaemon(`${DAEMON_NAME}-rm`, { dataRoot, runRoot });
    assert.equal((await api('GET', `/containers/${id}/json`, undefined, daemon.host)).status, 404);
    for (const rt of await listDir(join(runRoot, 'runtime'))) {
      assert.deepEqual(await listDir(join(runRoot, 'runtime', rt)), [], `no ${rt} state left`);
    }
    await waitFor('its exit file to go', async () => (await listDir(join(runRoot, 'exits'))).length === 0);
    assert.deepEqual(await mountsUnder(runRoot), []);
    assert.deepEqual(await listDir(join(runRoot, 'netns')), []);
    assert.deepEqual(await listDir(join(runRoot, 'containers')), []);
    assert.deepEqual(await listDir(join(dataRoot, 'containers')), []);
    const links = (await runCommand('ip', ['-o', 'link'])).stdout;
    assert.ok(!links.includes(id.slice(0, 12)), `no veth of ${id} left`);
  } finally {
    await daemon.destroy();
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tar from 'tar-stream';
import { api, CLIENTS, SHARED_HOST, uniqueName, type RunResult } from './harness.js';

interface TarItem {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  body?: string;
  linkname?: string;
}

async function tarOf(items: readonly TarItem[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  for (const i of items) {
    const type = i.type ?? 'file';
    if (type === 'file') pack.entry({ name: i.name, mode: 0o644 }, i.body ?? '');
    else pack.entry({ name: i.name, type, linkname: i.linkname, mode: type === 'directory' ? 0o755 : 0o777 });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Names (and symlink targets) of a tar's entries, with file contents. */
async function tarList(buf: Buffer): Promise<Array<{ name: string; type: string; body: string; linkname: string }>> {
  const extract = tar.extract();
  const out: Array<{ name: string; type: string; body: string; linkname: string }> = [];
  const done = (async () => {
    for await (const e of extract) {
      const parts: Buffer[] = [];
      for await (const c of e) parts.push(c as Buffer);
      out.push({ name: e.header.name, type: e.header.type ?? '', body: Buffer.concat(parts).toString(), linkname: e.header.linkname ?? '' });
    }
  })();
  extract.end(buf);
  await done;
  return out;
}

/** A raw archive request: a Buffer body for PUT; resolves with status, the decoded stat header and the body. */
function archiveRequest(method: string, container: string, query: string, body?: Buffer): Promise<{ status: number; stat: Record<string, unknown> | null; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: SHARED_HOST.replace(/^unix:\/\//, ''),
        method,
        path: `/v1.50/containers/${container}/archive?${query}`,
        headers: body ? { 'Content-Type': 'application/x-tar', 'Content-Length': body.length } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const h = res.headers['x-docker-container-path-stat'];
          resolve({
            status: res.statusCode ?? 0,
            stat: typeof h === 'string' ? (JSON.parse(Buffer.from(h, 'base64').toString()) as Record<string, unknown>) : null,
            body: Buffer.concat(chunks),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function ok(p: Promise<RunResult>): Promise<RunResult> {
  const r = await p;
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  return r;
}

/**
 * Mounts whose path names the container: a copy must leave none behind on a container that is not
 * running. A GET unmounts once its last byte is sent, so the client may finish first: wait a little.
 */
async function mountsOf(id: string): Promise<string[]> {
  for (let deadline = Date.now() + 3000; ; await new Promise((r) => setTimeout(r, 50))) {
    const info = await readFile('/proc/self/mountinfo', 'utf8');
    const left = info.split('\n').filter((l) => l.includes(id));
    if (left.length === 0 || Date.now() > deadline) return left;
  }
}

const hostTmp = (): string => join('/tmp', uniqueName('berth-cp-host'));

for (const { name: client, run } of CLIENTS) {
  test(`${client}: cp out of and into a running container: files, directories, dir/., tar streams, a volume`, async () => {
    const name = uniqueName('cp-run');
    const vol = uniqueName('cp-vol');
    const local = await mkdtemp(join(tmpdir(), 'berth-cp-'));
    await ok(run(['run', '-d', '--name', name, '-v', `${vol}:/data`, 'busybox', 'sh', '-c', 'mkdir -p /d/sub; echo a > /d/a; echo b > /d/sub/b; ln -s /etc /d/etclink; exec sleep 300']));
    try {
      await ok(run(['exec', name, 'test', '-f', '/d/sub/b']));
      // A directory onto a missing path takes that path's name.
      await ok(run(['cp', `${name}:/d`, join(local, 'copy')]));
      assert.equal(await readFile(join(local, 'copy/sub/b'), 'utf8'), 'b\n');
      assert.equal(await readlink(join(local, 'copy/etclink')), '/etc');
      // Into an existing directory: under its own name; "dir/." copies the contents.
      await ok(run(['cp', `${name}:/d`, local]));
      assert.equal(await readFile(join(local, 'd/a'), 'utf8'), 'a\n');
      await mkdir(join(local, 'contents'));
      await ok(run(['cp', `${name}:/d/.`, join(local, 'contents')]));
      assert.deepEqual((await readdir(join(local, 'contents'))).sort(), ['a', 'etclink', 'sub']);
      await ok(run(['cp', `${name}:/d/a`, join(local, 'file-a')]));
      assert.equal(await readFile(join(local, 'file-a'), 'utf8'), 'a\n');
      // `-`: the tar itself on stdout.
      const r = await runRaw(client, ['cp', `${name}:/d`, '-']);
      assert.deepEqual((await tarList(r)).map((e) => e.name), ['d/', 'd/a', 'd/etclink', 'd/sub/', 'd/sub/b']);

      await writeFile(join(local, 'up.txt'), 'up\n');
      const shown = await ok(run(['cp', '--quiet=false', join(local, 'up.txt'), `${name}:/tmp/`]));
      assert.equal(shown.stderr, `Successfully copied 2.05kB to ${name}:/tmp/\n`);
      assert.equal((await ok(run(['exec', name, 'cat', '/tmp/up.txt']))).stdout, 'up\n');
      await ok(run(['cp', join(local, 'd'), `${name}:/tmp/newname`]));
      assert.equal((await ok(run(['exec', name, 'cat', '/tmp/newname/sub/b']))).stdout, 'b\n');
      await ok(run(['cp', '-', `${name}:/tmp`], { input: await tarOf([{ name: 'streamed/x.txt', body: 'x\n' }]) }));
      assert.equal((await ok(run(['exec', name, 'cat', '/tmp/streamed/x.txt']))).stdout, 'x\n');
      // A volume path lands in the volume.
      await ok(run(['cp', join(local, 'up.txt'), `${name}:/data/in-volume.txt`]));
      const source = (await ok(run(['volume', 'inspect', '--format', '{{.Mountpoint}}', vol]))).stdout.trim();
      assert.equal(await readFile(join(source, 'in-volume.txt'), 'utf8'), 'up\n');
    } finally {
      await run(['rm', '-f', name]);
      await run(['volume', 'rm', vol]);
      await rm(local, { recursive: true, force: true });
    }
  });

  test(`${client}: cp works on created and stopped containers and leaves no mount`, async () => {
    const name = uniqueName('cp-stopped');
    const local = await mkdtemp(join(tmpdir(), 'berth-cp-'));
    const id = (await ok(run(['create', '--name', name, 'busybox', 'cat', '/tmp/in.txt']))).stdout.trim();
    try {
      await writeFile(join(local, 'in.txt'), 'before start\n');
      await ok(run(['cp', join(local, 'in.txt'), `${name}:/tmp/in.txt`]));
      assert.deepEqual(await mountsOf(id), []);
      await ok(run(['cp', `${name}:/tmp/in.txt`, join(local, 'back.txt')]));
      assert.equal(await readFile(join(local, 'back.txt'), 'utf8'), 'before start\n');
      assert.equal((await ok(run(['start', '-a', name]))).stdout, 'before start\n');
      await ok(run(['cp', `${name}:/etc/hostname`, join(local, 'hostname')]));
      assert.equal(await readFile(join(local, 'hostname'), 'utf8'), `${id.slice(0, 12)}\n`);
      assert.deepEqual(await mountsOf(id), []);
    } finally {
      await run(['rm', '-f', name]);
      await rm(local, { recursive: true, force: true });
    }
  });

  test(`${client}: cp errors: missing path, missing container, file onto directory, missing local parent`, async () => {
    const name = uniqueName('cp-err');
    const local = await mkdtemp(join(tmpdir(), 'berth-cp-'));
    await ok(run(['create', '--name', name, 'busybox', 'true']));
    try {
      const missing = await run(['cp', `${name}:/nonexistent`, local]);
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr, `Error response from daemon: Could not find the file /nonexistent in container ${name}\n`);
      const noCtr = await run(['cp', 'no-such-container-cp:/etc', local]);
      assert.equal(noCtr.code, 1);
      assert.match(noCtr.stderr, /No such container: no-such-container-cp/);
      await writeFile(join(local, 'f'), 'f');
      const dirOnFile = await run(['cp', local, `${name}:/etc/passwd`]);
      // docker's CLI may also log, before or after it, that its tar writer was cut short.
      const lines = dirOnFile.stderr.split('\n').filter(Boolean);
      assert.ok(lines.includes('cannot copy directory'), dirOnFile.stderr);
      assert.ok(lines.every((l) => l === 'cannot copy directory' || /^time="[^"]*" level=error msg="Can't (add file .* to tar|close tar writer): /.test(l)), dirOnFile.stderr);
      const fileOnMissingDir = await run(['cp', join(local, 'f'), `${name}:/nonexistent-dir/`]);
      assert.match(fileOnMissingDir.stderr, /(^|\n)no such directory\n$/);
      const badLocal = await run(['cp', `${name}:/etc/passwd`, '/nonexistent-berth-dir/x']);
      assert.equal(badLocal.stderr, 'invalid output path: directory "/nonexistent-berth-dir" does not exist\n');
      assert.equal((await run(['cp', 'a', 'b'])).stderr, 'must specify at least one container source\n');
      assert.equal((await run(['cp', 'c1:/a', 'c2:/b'])).stderr, 'copying between containers is not supported\n');
    } finally {
      await run(['rm', '-f', name]);
      await rm(local, { recursive: true, force: true });
    }
  });

  test(`${client}: cp never reads or writes outside the container's root`, async () => {
    const name = uniqueName('cp-escape');
    const local = await mkdtemp(join(tmpdir(), 'berth-cp-'));
    const secret = hostTmp();
    await writeFile(secret, 'HOST SECRET\n');
    const written = [hostTmp(), hostTmp(), hostTmp(), hostTmp(), hostTmp(), hostTmp()];
    const id = (
      await ok(run(['run', '-d', '--name', name, 'busybox', 'sh', '-c',
        'ln -s / /rootlink; ln -s ../../../../../../../.. /up; mkdir /w; ln -s /w/b /w/a; ln -s /tmp/../../.. /w/b; ln -s /etc/passwd /w/pw; exec sleep 300']))
    ).stdout.trim();
    const inContainer = async (path: string): Promise<string> => (await run(['exec', name, 'cat', path])).stdout;
    try {
      await ok(run(['exec', name, 'test', '-L', '/w/pw']));
      const hostname = `${id.slice(0, 12)}\n`;
      // Out through a symlink to /, through `..` past the root, through a relative symlink climbing out, through an absolute chain.
      for (const path of ['/rootlink/etc/hostname', '/../../../../etc/hostname', '/up/etc/hostname', '/w/a/etc/hostname']) {
        await ok(run(['cp', `${name}:${path}`, join(local, 'h')]));
        assert.equal(await readFile(join(local, 'h'), 'utf8'), hostname, path);
        await rm(join(local, 'h'));
      }
      for (const path of [`/rootlink${secret}`, `/../../..${secret}`, `/up${secret}`, `/w/a${secret}`]) {
        const r = await run(['cp', `${name}:${path}`, join(local, 's')]);
        assert.equal(r.code, 1, path);
        assert.match(r.stderr, /Could not find the file/);
        assert.equal(existsSync(join(local, 's')), false);
      }
      // A symlink last element is copied as a link; -L reads its target in the container.
      await ok(run(['cp', `${name}:/w/pw`, join(local, 'pw-link')]));
      assert.equal(await readlink(join(local, 'pw-link')), '/etc/passwd');
      await ok(run(['cp', '-L', `${name}:/w/pw`, join(local, 'pw')]));
      assert.equal(await readFile(join(local, 'pw'), 'utf8'), await inContainer('/etc/passwd'));

      // In through the same links: the files land inside the container.
      await writeFile(join(local, 'in.txt'), 'in\n');
      const dests = ['/rootlink/tmp', '/../../../tmp', '/up/tmp', '/w/a/tmp'];
      for (const [i, dest] of dests.entries()) {
        const base = written[i]!.slice('/tmp/'.length);
        await ok(run(['cp', join(local, 'in.txt'), `${name}:${dest}/${base}`]));
        assert.equal(await inContainer(`/tmp/${base}`), 'in\n', dest);
        assert.equal(existsSync(written[i]!), false, dest);
      }
      // Hostile archives: `../` names, an absolute name, a symlink then a file through it, a hard link out.
      const base4 = written[4]!.slice('/tmp/'.length);
      const base5 = written[5]!.slice('/tmp/'.length);
      const hostile: Array<[string, TarItem[]]> = [
        ['dotdot', [{ name: `../../../../../../tmp/${base4}`, body: 'x' }]],
        ['swap-absolute', [{ name: 's', type: 'symlink', linkname: '/tmp' }, { name: `s/${base4}`, body: 'x' }]],
        ['swap-relative', [{ name: 'r', type: 'symlink', linkname: '../../../../../../tmp' }, { name: `r/${base4}`, body: 'x' }]],
        ['hardlink', [{ name: 'h', type: 'link', linkname: '../../../../../../etc/passwd' }]],
      ];
      await ok(run(['exec', name, 'mkdir', '/target']));
      for (const [what, items] of hostile) {
        const r = await run(['cp', '-', `${name}:/target`], { input: await tarOf(items) });
        assert.equal(r.code, 1, what);
        assert.equal(existsSync(written[4]!), false, what);
      }
      assert.equal((await run(['exec', name, 'cat', '/target/h'])).code, 1);
      // An absolute name is confined to the destination.
      await ok(run(['cp', '-', `${name}:/target`], { input: await tarOf([{ name: `/tmp/${base5}`, body: 'abs\n' }]) }));
      assert.equal(await inContainer(`/target/tmp/${base5}`), 'abs\n');
      assert.equal(existsSync(written[5]!), false);
      assert.equal(await readFile('/etc/passwd', 'utf8').then((t) => t.includes('HOST SECRET')), false);
    } finally {
      await run(['rm', '-f', name]);
      await rm(local, { recursive: true, force: true });
      await rm(secret, { force: true });
      for (const w of written) await rm(w, { recursive: true, force: true });
    }
  });
}

/** stdout as bytes (the harness decodes as UTF-8, which a tar survives only by luck). */
async function runRaw(client: string, args: readonly string[]): Promise<Buffer> {
  const { spawn } = await import('node:child_process');
  const { BERTH_BIN, DOCKER_BIN } = await import('./harness.js');
  const [file, argv, env] = client === 'docker'
    ? [DOCKER_BIN, args, { DOCKER_HOST: SHARED_HOST }]
    : [BERTH_BIN, args, { BERTH_HOST: SHARED_HOST, DOCKER_HOST: '' }];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`${file} exited ${code}`))));
  });
}

test('archive API: stat header, Docker errors, read-only targets, ownership, no dir/non-dir overwrite', async () => {
  const name = uniqueName('cp-api');
  const roName = uniqueName('cp-api-ro');
  const vol = uniqueName('cp-rovol');
  const created = await api('POST', `/v1.50/containers/create?name=${name}`, { Image: 'busybox', Cmd: ['true'], User: '1234:5678' });
  assert.equal(created.status, 201, created.body);
  const roCreated = await api('POST', `/v1.50/containers/create?name=${roName}`, {
    Image: 'busybox',
    Cmd: ['true'],
    HostConfig: { ReadonlyRootfs: true, Binds: [`${vol}:/ro:ro`] },
  });
  assert.equal(roCreated.status, 201, roCreated.body);
  try {
    const tree = await tarOf([{ name: 'dir/', type: 'directory' }, { name: 'dir/f', body: 'hello\n' }, { name: 'link', type: 'symlink', linkname: '/dir' }]);
    assert.equal((await archiveRequest('PUT', name, 'path=/', tree)).status, 200);

    const file = await archiveRequest('HEAD', name, 'path=/dir/f');
    assert.equal(file.status, 200);
    assert.equal(file.stat?.['name'], 'f');
    assert.equal(file.stat?.['size'], 6);
    assert.equal(file.stat?.['mode'], 0o644);
    assert.match(String(file.stat?.['mtime']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.equal(file.stat?.['linkTarget'], '');
    const dir = await archiveRequest('HEAD', name, 'path=/dir/');
    assert.equal(dir.stat?.['mode'], 2 ** 31 + 0o755);
    assert.equal(dir.stat?.['name'], 'dir');
    const link = await archiveRequest('HEAD', name, 'path=/link');
    assert.equal(link.stat?.['mode'], 2 ** 27 + 0o777);
    assert.equal(link.stat?.['linkTarget'], '/dir');
    const dot = await archiveRequest('GET', name, 'path=/link/.');
    assert.equal(dot.stat?.['name'], '.');
    assert.deepEqual((await tarList(dot.body)).map((e) => e.name), ['./', './f']);

    const noPath = await archiveRequest('GET', name, 'path=');
    assert.equal(noPath.status, 400);
    assert.equal(JSON.parse(noPath.body.toString()).message, 'bad parameter: pathcannot be empty');
    assert.equal((await archiveRequest('HEAD', name, 'path=/nope')).status, 404);
    const upload = await tarOf([{ name: 'x', body: 'x' }]);
    const notDir = await archiveRequest('PUT', name, 'path=/etc/passwd', upload);
    assert.equal(notDir.status, 400);
    assert.equal(JSON.parse(notDir.body.toString()).message, 'extraction point is not a directory');
    const rootRo = await archiveRequest('PUT', roName, 'path=/tmp', upload);
    assert.equal(rootRo.status, 403);
    assert.equal(JSON.parse(rootRo.body.toString()).message, 'container rootfs is marked read-only');
    const volRo = await archiveRequest('PUT', roName, 'path=/ro', upload);
    assert.equal(volRo.status, 403);
    assert.equal(JSON.parse(volRo.body.toString()).message, 'mounted volume is marked read-only');

    // copyUIDGID gives the container user's ids; without it the archive's stay.
    assert.equal((await archiveRequest('PUT', name, 'path=/tmp&copyUIDGID=1', upload)).status, 200);
    const owned = await archiveRequest('GET', name, 'path=/tmp/x');
    assert.equal(owned.status, 200);
    const extract = tar.extract();
    const headers: Array<{ uid?: number; gid?: number }> = [];
    const done = (async () => {
      for await (const e of extract) {
        headers.push({ uid: e.header.uid, gid: e.header.gid });
        e.resume();
      }
    })();
    extract.end(owned.body);
    await done;
    assert.deepEqual(headers, [{ uid: 1234, gid: 5678 }]);
    const clash = await archiveRequest('PUT', name, 'path=/&noOverwriteDirNonDir=true', await tarOf([{ name: 'etc', body: 'not a dir' }]));
    assert.equal(clash.status, 400);
    assert.match(JSON.parse(clash.body.toString()).message, /cannot overwrite directory "\/etc" with non-directory "etc"/);
  } finally {
    await api('DELETE', `/v1.50/containers/${name}?force=1`);
    await api('DELETE', `/v1.50/containers/${roName}?force=1`);
    await api('DELETE', `/v1.50/volumes/${vol}`);
  }
});

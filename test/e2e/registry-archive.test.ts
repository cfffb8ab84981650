import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { berth, BERTH_BIN, CLIENTS, docker, runCommand, SHARED_HOST, uniqueName, type RunResult } from './harness.js';

const ok = (r: RunResult, what: string): RunResult => {
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  return r;
};

async function makeImage(ref: string): Promise<{ id: string; content: string }> {
  const name = uniqueName('arcsrc');
  const content = randomBytes(8).toString('hex');
  try {
    ok(await berth(['run', '--name', name, 'busybox', 'sh', '-c', `echo ${content} > /uniq`]), 'run');
    return { id: ok(await berth(['commit', name, ref]), 'commit').stdout.trim(), content };
  } finally {
    await berth(['rm', '-f', name]);
  }
}

async function imageId(ref: string): Promise<string | undefined> {
  const r = await berth(['image', 'inspect', '--format', '{{.Id}}', ref]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** The members of a tar file, name → bytes. */
async function members(file: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const extract = tar.extract();
  const reading = (async () => {
    for await (const e of extract) {
      const chunks: Buffer[] = [];
      for await (const c of e) chunks.push(c as Buffer);
      out.set(e.header.name, Buffer.concat(chunks));
    }
  })();
  await Promise.all([pipeline(createReadStream(file), extract), reading]);
  return out;
}

/** Rewrites a tar keeping only the members `keep` accepts. */
async function filterTar(from: string, to: string, keep: (name: string) => boolean): Promise<void> {
  const all = await members(from);
  const pack = tar.pack();
  const writing = pipeline(pack, createWriteStream(to));
  for (const [name, data] of all) if (keep(name)) pack.entry({ name, mode: 0o644 }, data);
  pack.finalize();
  await writing;
}

for (const { name: client, run } of CLIENTS) {
  test(`${client}: save -o writes a docker-archive that is also an OCI layout; load -i restores the same image`, async () => {
    const ref = `${uniqueName('saved')}:1`;
    const { id, content } = await makeImage(ref);
    const dir = mkdtempSync(join(tmpdir(), 'berth-save-'));
    try {
      const file = join(dir, 'img.tar');
      ok(await run(['save', '-o', file, ref]), 'save');
      const files = await members(file);
      assert.deepEqual(JSON.parse(files.get('oci-layout')!.toString()), { imageLayoutVersion: '1.0.0' });
      const manifest = JSON.parse(files.get('manifest.json')!.toString()) as { Config: string; RepoTags: string[]; Layers: string[] }[];
      assert.equal(manifest.length, 1);
      assert.deepEqual(manifest[0]!.RepoTags, [ref]);
      assert.equal(manifest[0]!.Config, `blobs/sha256/${id.slice(7)}`);
      assert.equal(manifest[0]!.Layers.length, 2);
      for (const l of manifest[0]!.Layers) assert.ok(files.has(l), l);
      // The commit's layer is kept as a plain tar, as Docker keeps it: its blob digest is its DiffID.
      const top = files.get(manifest[0]!.Layers[1]!)!;
      assert.equal(top.subarray(257, 262).toString(), 'ustar');
      const config = JSON.parse(files.get(manifest[0]!.Config)!.toString()) as { rootfs: { diff_ids: string[] } };
      assert.equal(`sha256:${createHash('sha256').update(top).digest('hex')}`, config.rootfs.diff_ids[1]);
      assert.equal(manifest[0]!.Layers[1], `blobs/sha256/${config.rootfs.diff_ids[1]!.slice(7)}`);
      const repositories = JSON.parse(files.get('repositories')!.toString()) as Record<string, Record<string, string>>;
      assert.deepEqual(repositories, { [ref.split(':')[0]!]: { '1': id.slice(7) } });
      const index = JSON.parse(files.get('index.json')!.toString()) as { manifests: { digest: string; annotations: Record<string, string> }[] };
      assert.equal(index.manifests[0]?.annotations['io.containerd.image.name'], `docker.io/library/${ref}`);
      assert.ok(files.has(`blobs/sha256/${index.manifests[0]!.digest.slice(7)}`));

      ok(await run(['rmi', ref]), 'rmi');
      const load = ok(await run(['load', '-i', file]), 'load');
      assert.equal(load.stdout, `Loaded image: ${ref}\n`);
      assert.equal(await imageId(ref), id);
      assert.equal(ok(await run(['run', '--rm', ref, 'cat', '/uniq']), 'run').stdout, `${content}\n`);

      const missing = await run(['load', '-i', join(dir, 'nope.tar')]);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /no such file or directory/);
      const junk = await run(['load'], { input: 'not a tar at all' });
      assert.equal(junk.code, 1);
      assert.match(junk.stderr, /^Error response from daemon: /m);
      const none = await run(['save', '-o', join(dir, 'none.tar'), 'nosuch-image-xyz:1']);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /No such image: nosuch-image-xyz:1/);
      assert.equal(existsSync(join(dir, 'none.tar')), false);
    } finally {
      await berth(['rmi', '-f', ref]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

// The docker CLI's `docker save IMG | docker load` shape: a pipe its reader empties slowly (8 KiB
// every 2 ms, as docker load does on a busy machine) leaves the CLI with writes still queued when
// the archive is done; all of them must reach the reader.
const SLOW_READER = `
const { readSync } = require('node:fs');
const hash = require('node:crypto').createHash('sha256');
const buf = Buffer.alloc(8192);
const pause = new Int32Array(new SharedArrayBuffer(4));
for (let n; (n = readSync(0, buf, 0, buf.length, null)) > 0; Atomics.wait(pause, 0, 0, 2)) hash.update(buf.subarray(0, n));
process.stdout.write(hash.digest('hex'));
`;

test('save to a pipe drained slowly: the CLI exits only once all of the archive is written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-save-'));
  try {
    const file = join(dir, 'whole.tar');
    ok(await berth(['save', '-o', file, 'busybox:latest']), 'save -o');
    const reader = join(dir, 'slow-reader.cjs');
    writeFileSync(reader, SLOW_READER);
    const sh = await runCommand('sh', ['-c', `"${BERTH_BIN}" save busybox:latest | node "${reader}"`], { baseEnv: { BERTH_HOST: SHARED_HOST } });
    assert.equal(sh.code, 0, sh.stderr);
    assert.equal(sh.stdout, createHash('sha256').update(readFileSync(file)).digest('hex'), 'every byte of the archive came through the pipe');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('save | load round-trips through a pipe, and an OCI layout alone loads with its name', async () => {
  const ref = `${uniqueName('piped')}:2`;
  const { id } = await makeImage(ref);
  const dir = mkdtempSync(join(tmpdir(), 'berth-save-'));
  try {
    const file = join(dir, 'img.tar');
    const sh = await runCommand('sh', ['-c', `"${BERTH_BIN}" save "${ref}" > "${file}"`], {
      baseEnv: { BERTH_HOST: SHARED_HOST },
    });
    assert.equal(sh.code, 0, sh.stderr);
    ok(await berth(['rmi', ref]), 'rmi');
    const piped = ok(await berth(['load'], { input: readFileSync(file) }), 'load from stdin');
    assert.equal(piped.stdout, `Loaded image: ${ref}\n`);
    assert.equal(await imageId(ref), id);

    // Compressed, as `docker save | gzip` makes it: dockerd loads that too.
    ok(await berth(['rmi', ref]), 'rmi');
    const gzipped = ok(await docker(['load'], { input: gzipSync(readFileSync(file)) }), 'load gzip');
    assert.equal(gzipped.stdout, `Loaded image: ${ref}\n`);
    assert.equal(await imageId(ref), id);

    const oci = join(dir, 'oci.tar');
    await filterTar(file, oci, (name) => name !== 'manifest.json' && name !== 'repositories');
    ok(await berth(['rmi', ref]), 'rmi');
    const loaded = ok(await berth(['load', '-i', oci]), 'load oci');
    assert.equal(loaded.stdout, `Loaded image: ${ref}\n`);
    assert.equal(await imageId(ref), id);
  } finally {
    await berth(['rmi', '-f', ref]);
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const { name: client, run } of CLIENTS) {
  test(`${client}: export writes a container's filesystem (its changes included), stopped or running`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-export-'));
    const stopped = uniqueName('exported');
    const running = uniqueName('exporting');
    try {
      ok(await run(['run', '--name', stopped, 'busybox', 'sh', '-c', 'echo made > /made; rm /bin/ls']), 'run');
      const file = join(dir, 'fs.tar');
      ok(await run(['export', '-o', file, stopped]), 'export -o');
      const files = await members(file);
      assert.equal(files.get('made')?.toString(), 'made\n');
      assert.ok(files.has('bin/busybox'));
      assert.equal(files.has('bin/ls'), false, 'a deleted file is not exported');
      assert.equal([...files.keys()].some((n) => n.includes('.wh.')), false, 'no whiteouts in an export');
      // What dockerd's init layer adds where the image has none, also for a container never started.
      const created = ok(await run(['create', 'busybox', 'true']), 'create').stdout.trim();
      try {
        ok(await run(['export', '-o', join(dir, 'created.tar'), created]), 'export of a created container');
        const names = new Set([...(await members(join(dir, 'created.tar'))).keys()].map((n) => n.replace(/\/$/, '')));
        for (const n of ['.dockerenv', 'dev/console', 'dev/pts', 'dev/shm', 'etc/hosts', 'etc/hostname', 'etc/resolv.conf', 'etc/mtab', 'proc', 'sys']) assert.ok(names.has(n), n);
      } finally {
        await berth(['rm', created]);
      }

      ok(await run(['run', '-d', '--name', running, 'busybox', 'sh', '-c', 'echo live > /live; exec sleep 60']), 'run -d');
      const piped = await runCommand('sh', ['-c', `"${client === 'berth' ? BERTH_BIN : '/usr/local/bin/docker'}" export ${running} | tar -x -O -f - live`], {
        baseEnv: { BERTH_HOST: SHARED_HOST, DOCKER_HOST: SHARED_HOST },
      });
      assert.equal(piped.stdout, 'live\n', piped.stderr);
      const none = await run(['export', '-o', join(dir, 'none.tar'), 'nosuch-container-xyz']);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /No such container: nosuch-container-xyz/);
      assert.equal(existsSync(join(dir, 'none.tar')), false);
    } finally {
      await berth(['rm', '-f', stopped, running]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

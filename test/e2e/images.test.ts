import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { api, CLIENTS, docker, mountsUnder, uniqueName } from './harness.js';

/*
 * Images end to end, through both CLIs: import (tar, gzip, xz; file and stdin; -c, -m), images,
 * image inspect against the bytes in the daemon's content store, tag, rmi, inspect's fall-through,
 * pull-on-run of a missing image, garbage left by a removal, and hostile archives.
 */

type Run = (typeof CLIENTS)[number]['run'];

const APPLETS = ['sh', 'cat', 'echo', 'env', 'pwd', 'sleep', 'true'];

let work = '';
let dataRoot = '';
/** A small rootfs (busybox, a few applets, /x/f), as a tar and compressed. */
let rootTar = '';
let rootTarBytes: Buffer = Buffer.alloc(0);

/** A rootfs tar with a file of its own, so its layer is shared with no other image. */
function uniqueRootfsTar(label: string): { path: string; bytes: Buffer; marker: string } {
  const marker = randomBytes(8).toString('hex');
  const root = join(work, `root-${label}-${marker}`);
  mkdirSync(join(root, 'bin'), { recursive: true });
  copyFileSync('/bin/busybox', join(root, 'bin', 'busybox'));
  for (const a of APPLETS) symlinkSync('busybox', join(root, 'bin', a));
  mkdirSync(join(root, 'x'));
  writeFileSync(join(root, 'x', 'f'), `${marker}\n`);
  const path = join(work, `${label}-${marker}.tar`);
  execFileSync('tar', ['-C', root, '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '-cf', path, '.']);
  return { path, bytes: readFileSync(path), marker };
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'berth-images-'));
  const info = (await api('GET', '/info')).json() as { DockerRootDir: string };
  dataRoot = info.DockerRootDir;
  const t = uniqueRootfsTar('base');
  rootTar = t.path;
  rootTarBytes = t.bytes;
  execFileSync('gzip', ['-k', rootTar]);
  execFileSync('xz', ['-k', rootTar]);
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const blobDir = (): string => join(dataRoot, 'content', 'blobs', 'sha256');
const sortedDir = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).sort() : []);
const storeState = (): { blobs: string[]; snapshots: string[]; ingest: string[] } => ({
  blobs: sortedDir(blobDir()),
  snapshots: sortedDir(join(dataRoot, 'snapshots')),
  ingest: sortedDir(join(dataRoot, 'content', 'ingest')),
});

async function inspectImage(ref: string): Promise<Record<string, any> | undefined> {
  const r = await api('GET', `/images/${encodeURIComponent(ref)}/json`);
  return r.status === 200 ? (r.json() as Record<string, any>) : undefined;
}

async function importOk(run: Run, args: string[], input?: Buffer): Promise<string> {
  const r = await run(['import', ...args], input === undefined ? {} : { input });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^sha256:[0-9a-f]{64}\n$/);
  return r.stdout.trim();
}

/** Removes images whatever their state; for finally blocks. */
async function removeImages(run: Run, refs: string[]): Promise<void> {
  for (const ref of refs) await run(['rmi', '-f', ref]);
}

/**
 * Docker's table layout (text/tabwriter, min width 10, padding 3; the last column unpadded):
 * checks `out` cell by cell against `rows` and then as a whole.
 */
function assertTable(out: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(10, ...[h, ...rows.map((r) => r[i] ?? '')].map((c) => c.length + 3)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('');
  assert.equal(out, [header, ...rows].map(line).join('\n') + '\n');
}

const CREATED = /^(Less than a second|\d+ seconds?) ago$/;

for (const { name: client, run } of CLIENTS) {
  test(`${client}: import a tar, tar.gz and tar.xz, from a file and stdin, with -c and -m`, async () => {
    const repo = uniqueName('imp');
    const changes = ['-c', 'CMD ["sh"]', '-c', 'ENV A=b', '-c', 'WORKDIR /x', '-c', 'EXPOSE 80'];
    const refs = [`${repo}:tar`, `${repo}:gz`, `${repo}:xz`];
    try {
      const ids = [
        await importOk(run, [...changes, '-m', 'msg', rootTar, refs[0]!]),
        await importOk(run, [...changes, '-', refs[1]!], readFileSync(`${rootTar}.gz`)),
        await importOk(run, [...changes, '-m', 'from xz', `${rootTar}.xz`, refs[2]!]),
      ];
      const comments = ['msg', 'Imported from -', 'from xz'];
      for (const [i, ref] of refs.entries()) {
        const img = await inspectImage(ref);
        assert.ok(img, `${ref} exists`);
        assert.equal(img['Id'], ids[i]);
        assert.deepEqual(img['RepoTags'], [ref]);
        assert.deepEqual(img['Config']['Cmd'], ['sh']);
        assert.deepEqual(img['Config']['Env'], ['A=b']);
        assert.equal(img['Config']['WorkingDir'], '/x');
        assert.deepEqual(img['Config']['ExposedPorts'], { '80/tcp': {} });
        // -m is the image's comment; without it Docker records where the import came from.
        assert.equal(img['Comment'], comments[i]);
        assert.equal(img['History'].at(-1).comment, comments[i]);
        const hist = (await api('GET', `/images/${ref}/history`)).json() as { Id: string; Comment: string; Size: number }[];
        assert.equal(hist.length, 1);
        assert.equal(hist[0]?.Id, ids[i]);
        assert.equal(hist[0]?.Comment, comments[i]);
        assert.ok((hist[0]?.Size ?? 0) > 0, 'the layer has a size');
        // Every compression unpacks to the same layer.
        assert.equal(img['RootFS']['Layers'][0], `sha256:${sha256(rootTarBytes)}`);

        // The container honours Cmd (sh reading stdin), Env and WorkingDir.
        const c = await run(['run', '--rm', '-i', ref], { input: 'echo $A; pwd; cat /x/f\n' });
        assert.equal(c.code, 0, c.stderr);
        assert.match(c.stdout, /^b\n\/x\n[0-9a-f]{16}\n$/);
      }
      if (client === 'docker') {
        const h = await docker(['history', '--format', '{{.Comment}}', refs[0]!]);
        assert.equal(h.stdout, 'msg\n');
      }
      const missing = await run(['import', join(work, 'no-such-file.tar')]);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /no such file or directory/);
    } finally {
      await removeImages(run, refs);
    }
  });

  test(`${client}: images: table, -q, --no-trunc, --format and filters`, async () => {
    const repo = uniqueName('imgls');
    const label = randomBytes(4).toString('hex');
    const ref = `${repo}:v1`;
    try {
      const id = await importOk(run, ['-c', `LABEL t6label=${label}`, rootTar, ref]);
      const short = id.slice(7, 19);
      const size = (await docker(['images', '--format', '{{.Size}}', ref])).stdout.trim();
      assert.match(size, /^[0-9.]+(B|kB|MB)$/);
      const header = ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'];

      const table = await run(['images', repo]);
      assert.equal(table.code, 0, table.stderr);
      const created = table.stdout.split('\n')[1]?.split(/ {3,}/)[3] ?? '';
      assert.match(created, CREATED);
      assertTable(table.stdout, header, [[repo, 'v1', short, created, size]]);

      const full = await run(['images', '--no-trunc', repo]);
      const createdFull = full.stdout.split('\n')[1]?.split(/ {3,}/)[3] ?? '';
      assertTable(full.stdout, header, [[repo, 'v1', id, createdFull, size]]);

      assert.equal((await run(['images', '-q', repo])).stdout, `${short}\n`);
      assert.equal((await run(['images', '-q', '--no-trunc', repo])).stdout, `${id}\n`);
      assert.equal((await run(['images', '--format', '{{.Repository}}:{{.Tag}}', repo])).stdout, `${ref}\n`);

      const busy = (await run(['images', '-f', 'reference=busy*', '--format', '{{.Repository}}:{{.Tag}}'])).stdout.split('\n');
      assert.ok(busy.includes('busybox:latest'), busy.join(','));
      assert.ok(!busy.includes(ref));
      const prefix = (await run(['images', '-f', `reference=${repo.slice(0, -3)}*`, '--format', '{{.Repository}}:{{.Tag}}'])).stdout;
      assert.equal(prefix, `${ref}\n`);

      assert.equal((await run(['images', '-q', '-f', 'label=t6label'])).stdout.split('\n').filter((l) => l === short).length, 1);
      assert.equal((await run(['images', '-q', '-f', `label=t6label=${label}`])).stdout, `${short}\n`);
      assert.equal((await run(['images', '-q', '-f', 'label=t6label=nope'])).stdout.includes(short), false);
      const notDangling = await run(['images', '-q', '-f', 'dangling=false']);
      assert.ok(notDangling.stdout.split('\n').includes(short));
      const dangling = await run(['images', '-q', '-f', 'dangling=true']);
      assert.equal(dangling.code, 0, dangling.stderr);
      assert.ok(!dangling.stdout.split('\n').includes(short));

      // Another tag of the same image: a reference lists only the tags it matches.
      assert.equal((await run(['tag', ref, `${repo}-other:v2`])).code, 0);
      assert.equal((await run(['images', '--format', '{{.Repository}}:{{.Tag}}', repo])).stdout, `${ref}\n`);
      assert.equal((await run(['images', '-q', repo])).stdout, `${short}\n`);
      assert.equal((await run(['images', '--format', '{{.Repository}}:{{.Tag}}', '-f', `reference=${repo}-*`])).stdout, `${repo}-other:v2\n`);
      await run(['rmi', `${repo}-other:v2`]);

      // until: made just now, so not before an hour ago, but before a minute from now.
      assert.equal((await run(['images', '-q', '-f', 'until=1h', repo])).stdout, '');
      assert.equal((await run(['images', '-q', '-f', `until=${Math.floor(Date.now() / 1000) + 60}`, repo])).stdout, `${short}\n`);

      const bad = await run(['images', '-f', 'bogus=1']);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /invalid filter 'bogus'/);
    } finally {
      await removeImages(run, [ref]);
    }
  });

  test(`${client}: image inspect: the ID is the config blob's digest, the layer's diff ID its tar's`, async () => {
    const ref = `${uniqueName('inspect')}:latest`;
    const t = uniqueRootfsTar('inspect');
    try {
      const started = Date.now();
      const id = await importOk(run, [t.path, ref]);
      const r = await run(['image', 'inspect', ref]);
      assert.equal(r.code, 0, r.stderr);
      const [img] = JSON.parse(r.stdout) as Record<string, any>[];
      assert.ok(img);
      assert.equal(img['Id'], id);
      assert.deepEqual(img['RepoTags'], [ref]);
      assert.deepEqual(img['RepoDigests'], []);
      assert.ok(Math.abs(Date.parse(img['Created']) - started) < 60_000, img['Created']);
      assert.equal(img['Architecture'], 'amd64');
      assert.equal(img['Os'], 'linux');
      assert.equal(typeof img['Size'], 'number');
      assert.ok(img['Size'] > 0);
      assert.equal(img['RootFS']['Type'], 'layers');
      const layers = img['RootFS']['Layers'] as string[];
      assert.equal(layers.length, 1);
      assert.match(layers[0] ?? '', /^sha256:[0-9a-f]{64}$/);
      assert.equal(img['History'].length, 1);

      // The config blob hashes to the image ID and records the same layers.
      const hex = id.slice('sha256:'.length);
      const configBytes = readFileSync(join(blobDir(), hex));
      assert.equal(sha256(configBytes), hex);
      const config = JSON.parse(configBytes.toString('utf8')) as { rootfs: { diff_ids: string[] }; architecture: string };
      assert.deepEqual(config.rootfs.diff_ids, layers);
      assert.equal(config.architecture, 'amd64');

      // The manifest naming that config leads to the compressed layer, whose tar is the input.
      const manifests = readdirSync(blobDir())
        .filter((d) => statSync(join(blobDir(), d)).size < 65_536)
        .map((d) => {
          try {
            return JSON.parse(readFileSync(join(blobDir(), d), 'utf8')) as { config?: { digest?: string }; layers?: { digest: string }[] };
          } catch {
            return {};
          }
        })
        .filter((m) => m.config?.digest === id);
      assert.equal(manifests.length, 1, 'one manifest refers to the config');
      const layerDigest = manifests[0]?.layers?.[0]?.digest ?? '';
      const compressed = readFileSync(join(blobDir(), layerDigest.slice('sha256:'.length)));
      assert.equal(`sha256:${sha256(compressed)}`, layerDigest);
      const tar = gunzipSync(compressed);
      assert.equal(`sha256:${sha256(tar)}`, layers[0]);
      assert.equal(layers[0], `sha256:${sha256(t.bytes)}`);

      // `inspect` without --type falls through from containers to images.
      const any = await run(['inspect', '--format', '{{.Id}} {{.Os}}', ref]);
      assert.equal(any.code, 0, any.stderr);
      assert.equal(any.stdout, `${id} linux\n`);
      const byShort = await run(['inspect', '--format', '{{.Id}}', id.slice(7, 19)]);
      assert.equal(byShort.stdout, `${id}\n`);
      const none = await run(['image', 'inspect', 'nosuch-image-xyz']);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /No such image: nosuch-image-xyz/);
    } finally {
      await removeImages(run, [ref]);
    }
  });

  test(`${client}: tag, also onto an existing name, which leaves the old image dangling`, async () => {
    const repo = uniqueName('tag');
    let oldId = '';
    try {
      oldId = await importOk(run, [rootTar, `${repo}:1`]);
      const newId = await importOk(run, [rootTar, `${repo}:2`]);
      assert.notEqual(oldId, newId);

      const t = await run(['tag', `${repo}:2`, `${repo}-other/sub:x`]);
      assert.equal(t.code, 0, t.stderr);
      assert.equal(t.stdout, '');
      assert.deepEqual((await inspectImage(`${repo}:2`))?.['RepoTags'].sort(), [`${repo}-other/sub:x`, `${repo}:2`].sort());

      const move = await run(['tag', `${repo}:2`, `${repo}:1`]);
      assert.equal(move.code, 0, move.stderr);
      assert.equal((await inspectImage(`${repo}:1`))?.['Id'], newId);
      const old = await inspectImage(oldId);
      assert.deepEqual(old?.['RepoTags'], []);
      const dangling = await run(['images', '-f', 'dangling=true', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}']);
      assert.ok(dangling.stdout.split('\n').includes(`${oldId} <none>:<none>`), dangling.stdout);
      const table = await run(['images', '-f', 'dangling=true', '-q']);
      assert.ok(table.stdout.split('\n').includes(oldId.slice(7, 19)));

      const bad = await run(['tag', 'busybox', 'Bad:Name']);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /invalid reference format/);
      assert.equal(await inspectImage('Bad:Name'), undefined);
      const noSource = await run(['tag', 'nosuch-source-xyz', `${repo}:3`]);
      assert.notEqual(noSource.code, 0);
      assert.match(noSource.stderr, /No such image: nosuch-source-xyz:latest/);
    } finally {
      await removeImages(run, [`${repo}-other/sub:x`, `${repo}:1`, `${repo}:2`, ...(oldId ? [oldId] : [])]);
    }
  });

  test(`${client}: rmi untags, deletes, refuses an image a container uses, takes a short ID`, async () => {
    const repo = uniqueName('rmi');
    const ctr = uniqueName('rmi-user');
    const ctrRun = uniqueName('rmi-running');
    const refs = [`${repo}:a`, `${repo}:b`, `${repo}:f`, `${repo}:g`, `${repo}:c`];
    try {
      const id = await importOk(run, [rootTar, `${repo}:a`]);
      const short = id.slice(7, 19);
      assert.equal((await run(['tag', `${repo}:a`, `${repo}:b`])).code, 0);

      // Another tag remains: only the untag.
      const untag = await run(['rmi', `${repo}:b`]);
      assert.equal(untag.code, 0, untag.stderr);
      assert.equal(untag.stdout, `Untagged: ${repo}:b\n`);
      assert.deepEqual((await inspectImage(id))?.['RepoTags'], [`${repo}:a`]);

      // A running container: the tag must be forced away, the image cannot be deleted at all.
      const running = await run(['run', '-d', '--name', ctrRun, `${repo}:a`, 'sleep', '1000']);
      assert.equal(running.code, 0, running.stderr);
      const rid = running.stdout.trim().slice(0, 12);
      const runByTag = await run(['rmi', `${repo}:a`]);
      assert.equal(runByTag.code, 1);
      assert.equal(
        runByTag.stderr.trim(),
        `Error response from daemon: conflict: unable to remove repository reference "${repo}:a" (must force) - container ${rid} is using its referenced image ${short}`,
      );
      for (const force of [[], ['-f']]) {
        const runById = await run(['rmi', ...force, short]);
        assert.equal(runById.code, 1);
        assert.equal(
          runById.stderr.trim(),
          `Error response from daemon: conflict: unable to delete ${short} (cannot be forced) - image is being used by running container ${rid}`,
        );
      }
      assert.equal((await run(['rm', '-f', ctrRun])).code, 0);

      // A stopped container: the image can go only with -f.
      const created = await run(['create', '--name', ctr, `${repo}:a`, 'true']);
      assert.equal(created.code, 0, created.stderr);
      const cid = created.stdout.trim().slice(0, 12);
      const byTag = await run(['rmi', `${repo}:a`]);
      assert.equal(byTag.code, 1);
      assert.equal(
        byTag.stderr.trim(),
        `Error response from daemon: conflict: unable to remove repository reference "${repo}:a" (must force) - container ${cid} is using its referenced image ${short}`,
      );
      const byId = await run(['rmi', short]);
      assert.equal(byId.code, 1);
      assert.equal(
        byId.stderr.trim(),
        `Error response from daemon: conflict: unable to delete ${short} (must be forced) - image is being used by stopped container ${cid}`,
      );
      assert.ok(await inspectImage(`${repo}:a`), 'the refused image stays');
      assert.equal((await run(['rm', ctr])).code, 0);

      // The last tag by short ID: untag and delete.
      const del = await run(['rmi', short]);
      assert.equal(del.code, 0, del.stderr);
      assert.equal(del.stdout, `Untagged: ${repo}:a\nDeleted: ${id}\n`);
      assert.equal(await inspectImage(id), undefined);

      // Two tags by ID: refused without -f, both untagged with it.
      const id2 = await importOk(run, [rootTar, `${repo}:f`]);
      await run(['tag', `${repo}:f`, `${repo}:g`]);
      const multi = await run(['rmi', id2.slice(7, 19)]);
      assert.equal(multi.code, 1);
      assert.match(multi.stderr, /conflict: unable to delete [0-9a-f]{12} \(must be forced\) - image is referenced in multiple repositories/);
      const forced = await run(['rmi', '-f', id2.slice(7, 19)]);
      assert.equal(forced.code, 0, forced.stderr);
      assert.deepEqual(forced.stdout.split('\n').filter(Boolean).sort(), [`Deleted: ${id2}`, `Untagged: ${repo}:f`, `Untagged: ${repo}:g`]);

      // An image with a child (a commit on it): by ID refused, by its last name only untagged, the image kept for the child.
      const id3 = await importOk(run, [rootTar, `${repo}:p`]);
      const childCtr = await run(['create', `${repo}:p`, 'true']);
      assert.equal(childCtr.code, 0, childCtr.stderr);
      const child = await run(['commit', childCtr.stdout.trim(), `${repo}:c`]);
      assert.equal(child.code, 0, child.stderr);
      await run(['rm', childCtr.stdout.trim()]);
      const parentById = await run(['rmi', id3.slice(7, 19)]);
      assert.equal(parentById.code, 1);
      assert.match(parentById.stderr, /conflict: unable to delete [0-9a-f]{12} \(cannot be forced\) - image has dependent child images/);
      const parentByTag = await run(['rmi', `${repo}:p`]);
      assert.equal(parentByTag.code, 0, parentByTag.stderr);
      assert.equal(parentByTag.stdout, `Untagged: ${repo}:p\n`);
      assert.deepEqual((await inspectImage(id3))?.['RepoTags'], []);

      const missing = await run(['rmi', 'nosuch-image-xyz']);
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr.trim(), 'Error response from daemon: No such image: nosuch-image-xyz:latest');
      // With -f a missing image is reported but is no failure, as docker's CLI.
      const missingForced = await run(['rmi', '-f', 'nosuch-image-xyz']);
      assert.equal(missingForced.code, 0);
      assert.match(missingForced.stderr, /No such image: nosuch-image-xyz:latest/);
    } finally {
      await run(['rm', '-f', ctr, ctrRun]);
      await removeImages(run, refs);
    }
  });

  test(`${client}: removing an image leaves none of its blobs or snapshots behind`, async () => {
    const ref = `${uniqueName('gc')}:latest`;
    const t = uniqueRootfsTar('gc');
    const before = storeState();
    try {
      const id = await importOk(run, [t.path, ref]);
      const during = storeState();
      // Config, manifest and layer blobs, and the layer's snapshot, are new.
      assert.ok(during.blobs.includes(id.slice(7)));
      assert.equal(during.blobs.filter((b) => !before.blobs.includes(b)).length, 3, 'three new blobs');
      const newSnaps = during.snapshots.filter((s) => !before.snapshots.includes(s));
      assert.equal(newSnaps.length, 1, 'one new snapshot');
      assert.equal(readFileSync(join(dataRoot, 'snapshots', newSnaps[0] ?? '', 'fs', 'x', 'f'), 'utf8'), `${t.marker}\n`);
      const rm = await run(['rmi', ref]);
      assert.equal(rm.code, 0, rm.stderr);
      assert.equal(rm.stdout, `Untagged: ${ref}\nDeleted: ${id}\n`);
      // The removal may collect others' garbage too: nothing new remains, nothing old came back.
      const afterRm = storeState();
      for (const kind of ['blobs', 'snapshots'] as const) {
        assert.deepEqual(afterRm[kind].filter((e) => !before[kind].includes(e)), [], `no ${kind} left`);
      }
      assert.deepEqual(afterRm.ingest, []);
    } finally {
      await removeImages(run, [ref]);
    }
  });

  test(`${client}: run of a missing image: "Unable to find image", exit 125, nothing left`, async () => {
    const containersBefore = (await run(['ps', '-aq', '--no-trunc'])).stdout;
    const mountsBefore = await mountsUnder(dataRoot);
    const r = await run(['run', 'nosuch']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /^Unable to find image 'nosuch:latest' locally\n/);
    // The pull of docker.io/library/nosuch fails: no registry is reachable from the tests.
    assert.match(r.stderr, /Error response from daemon: (Get "https:\/\/registry-1\.docker\.io\/v2\/": |manifest for nosuch:latest not found|pull access denied for nosuch)/);
    const tagged = await run(['run', '--rm', 'nosuch:1.0', 'true']);
    assert.equal(tagged.code, 125);
    assert.match(tagged.stderr, /Unable to find image 'nosuch:1\.0' locally/);
    const badRef = await run(['run', 'No/Such', 'true']);
    assert.equal(badRef.code, 125);
    assert.match(badRef.stderr, /invalid reference format/);
    assert.equal((await run(['ps', '-aq', '--no-trunc'])).stdout, containersBefore);
    assert.deepEqual(await mountsUnder(dataRoot), mountsBefore);
    assert.equal(await inspectImage('nosuch'), undefined);
  });

  test(`${client}: import refuses entries that escape the root and keeps nothing`, async () => {
    const outside = mkdtempSync(join(tmpdir(), 'berth-escape-'));
    const escapee = `berth-escape-${randomBytes(4).toString('hex')}`;
    const ref = `${uniqueName('escape')}:latest`;
    try {
      const cases: { what: string; entries: { name: string; type?: 'file' | 'symlink' | 'link'; linkname?: string }[]; error: RegExp }[] = [
        { what: '../ entry', entries: [{ name: 'ok' }, { name: `../${escapee}` }], error: /escapes the layer root/ },
        {
          what: 'write through an absolute symlink',
          entries: [{ name: 'lnk', type: 'symlink', linkname: outside }, { name: 'lnk/pwned' }],
          error: /goes through symlink "lnk"/,
        },
        {
          what: 'hard link out of the root',
          entries: [{ name: 'h', type: 'link', linkname: '../../../../../../etc/hostname' }],
          error: /hard-links to .* outside the layer root/,
        },
      ];
      for (const c of cases) {
        const before = storeState();
        const r = await run(['import', '-', ref], { input: await tarOf(c.entries) });
        assert.equal(r.code, 1, `${c.what}: ${r.stdout}`);
        assert.match(r.stderr, c.error, c.what);
        assert.equal(await inspectImage(ref), undefined, `${c.what}: no image`);
        assert.deepEqual(storeState(), before, `${c.what}: no blob, snapshot or ingest file left`);
      }
      assert.deepEqual(readdirSync(outside), []);
      assert.equal(existsSync(join(dataRoot, 'snapshots', escapee)), false);
      assert.equal(existsSync(join(tmpdir(), escapee)), false);
    } finally {
      rmSync(outside, { recursive: true, force: true });
      await removeImages(run, [ref]);
    }
  });
}

async function tarOf(entries: { name: string; type?: 'file' | 'symlink' | 'link'; linkname?: string }[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(Buffer.from(c as Uint8Array)));
  const done = new Promise<void>((resolve, reject) => {
    p.on('end', () => resolve());
    p.on('error', reject);
  });
  for (const e of entries) {
    if ((e.type ?? 'file') === 'file') p.entry({ name: e.name, mode: 0o644 }, 'x\n');
    else p.entry({ name: e.name, type: e.type, linkname: e.linkname ?? '' });
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

test("inspect and list write maps as dockerd's Go encoder does: keys sorted, ExposedPorts absent when there are none", async () => {
  const run = CLIENTS[1].run;
  const repo = uniqueName('maps');
  try {
    await importOk(run, ['-c', 'LABEL zz=1 aa=2 mm=3', '-c', 'EXPOSE 9001-9002 80 53/udp', '-c', 'VOLUME /z /a', rootTar, `${repo}:ports`]);
    await importOk(run, ['-c', 'LABEL b=1 a=2', rootTar, `${repo}:plain`]);
    const img = (await inspectImage(`${repo}:ports`))!;
    assert.deepEqual(Object.keys(img['Config']['Labels']), ['aa', 'mm', 'zz']);
    assert.deepEqual(Object.keys(img['Config']['ExposedPorts']), ['53/udp', '80/tcp', '9001/tcp', '9002/tcp']);
    assert.deepEqual(Object.keys(img['Config']['Volumes']), ['/a', '/z']);
    assert.equal('ExposedPorts' in (await inspectImage(`${repo}:plain`))!['Config'], false);
    const list = (await api('GET', `/images/json?filters=${encodeURIComponent(JSON.stringify({ reference: [`${repo}:plain`] }))}`)).json() as { Labels: Record<string, string> }[];
    assert.deepEqual(Object.keys(list[0]!.Labels), ['a', 'b']);
  } finally {
    await removeImages(run, [`${repo}:ports`, `${repo}:plain`]);
  }
});

test("an image's and its layer's size count files and symlink targets, as dockerd's graph driver, not the tar's bytes", async () => {
  const run = CLIENTS[1].run;
  const repo = uniqueName('sized');
  const t = uniqueRootfsTar('sized');
  try {
    await importOk(run, [t.path, repo]);
    const want = statSync('/bin/busybox').size + APPLETS.length * 'busybox'.length + `${t.marker}\n`.length;
    assert.equal((await inspectImage(repo))!['Size'], want);
    const hist = (await api('GET', `/images/${repo}/history`)).json() as { Size: number }[];
    assert.equal(hist[0]!.Size, want);
  } finally {
    await removeImages(run, [repo]);
  }
});

test("API 1.50's image Config has only the fields that are set; before 1.50, the container config's shape; templates see zero values either way", async () => {
  const repo = uniqueName('ociconf');
  try {
    await importOk(CLIENTS[1].run, ['-c', 'CMD ["sh"]', '-c', 'LABEL a=b', rootTar, repo]);
    const current = (await api('GET', `/images/${repo}/json`)).json() as { Config: Record<string, unknown> };
    assert.deepEqual(current.Config, { Cmd: ['sh'], Labels: { a: 'b' } });
    const old = (await api('GET', `/v1.41/images/${repo}/json`)).json() as { Config: Record<string, unknown> };
    assert.deepEqual(Object.keys(old.Config).slice(0, 3), ['Hostname', 'Domainname', 'User']);
    assert.equal(old.Config['Env'], null);
    // docker/cli evaluates templates on its typed struct; berth's CLI on the JSON, with the zeros added.
    const format = '{{.Config.User}}|{{json .Config.Env}}|{{.Config.Healthcheck}}|{{json .Config}}';
    for (const { name, run } of CLIENTS) {
      const r = await run(['image', 'inspect', '-f', format, repo]);
      assert.equal(r.stdout, '|null|<nil>|{"Cmd":["sh"],"Labels":{"a":"b"}}\n', `${name}: ${r.stderr}`);
    }
  } finally {
    await removeImages(CLIENTS[1].run, [repo]);
  }
});

test('an ID prefix several images share names none: 404 "No such image", as dockerd, not a refusal', async () => {
  const run = CLIENTS[1].run;
  const repo = uniqueName('prefix');
  const refs: string[] = [];
  try {
    // Seventeen IDs hold two with the same first digit.
    const byDigit = new Map<string, number>();
    let shared = '';
    for (let i = 0; i < 17 && shared === ''; i++) {
      refs.push(`${repo}:${i}`);
      const digit = (await importOk(run, ['-c', `LABEL n=${i}`, rootTar, `${repo}:${i}`])).slice(7, 8);
      byDigit.set(digit, (byDigit.get(digit) ?? 0) + 1);
      if (byDigit.get(digit)! > 1) shared = digit;
    }
    const all = (await run(['images', '-q', '--no-trunc'])).stdout.split('\n').filter((id) => id.slice(7, 8) === shared);
    assert.ok(all.length > 1);
    const r = await api('GET', `/images/${shared}/json`);
    assert.equal(r.status, 404);
    assert.match(r.body, new RegExp(`No such image: ${shared}:latest`));
  } finally {
    await removeImages(run, refs);
  }
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, chmodSync, mkdirSync, copyFileSync, existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, berth, makeBusybox, runCommand, startPrivateDaemon, uniqueName, type PrivateDaemon, type RunResult } from './harness.js';
import { startRegistry, startRegistryProxy, type RegistryProxy, type TestRegistry } from './registry-fixture.js';

let reg: TestRegistry | undefined;

before(async () => {
  reg = await startRegistry();
});

after(async () => {
  await reg?.stop();
});

const ok = (r: RunResult, what: string): RunResult => {
  assert.equal(r.code, 0, `${what}: ${r.stdout}${r.stderr}`);
  return r;
};

async function imageId(ref: string, host?: string): Promise<string | undefined> {
  const r = await berth(['image', 'inspect', '--format', '{{.Id}}', ref], host ? { host } : {});
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** Removes `ref`, pulls it back and finds the same image. */
async function assertPullsBack(ref: string, id: string, host?: string): Promise<void> {
  const opt = host ? { host } : {};
  ok(await berth(['rmi', ref], opt), 'rmi');
  ok(await berth(['pull', ref], opt), 'pull back');
  assert.equal(await imageId(ref, host), id);
}

/** busybox plus a layer holding `bytes` of random data in /big; returns the image ID and the data's sha256. */
async function makeImage(ref: string, bytes: number, host?: string): Promise<{ id: string; sum: string }> {
  const opt = host ? { host } : {};
  const name = uniqueName('upsrc');
  try {
    ok(await berth(['run', '--name', name, 'busybox', 'sh', '-c', `head -c ${bytes} /dev/urandom > /big`], opt), 'run');
    const id = ok(await berth(['commit', name, ref], opt), 'commit').stdout.trim();
    const sum = ok(await berth(['run', '--rm', ref, 'sha256sum', '/big'], opt), 'sum').stdout.split(' ')[0] ?? '';
    return { id, sum };
  } finally {
    await berth(['rm', '-f', name], opt);
  }
}

/**
 * A commit's layer is stored uncompressed and gzipped as it goes up, in one streamed PATCH; a
 * first push straight to the registry (another host, so no mount) leaves stored gzip blobs that
 * the push under test uploads from the store.
 */
async function compressByPush(ref: string, host?: string): Promise<void> {
  const opt = host ? { host } : {};
  const warm = `${reg!.host}/${uniqueName('warm')}:1`;
  ok(await berth(['tag', ref, warm], opt), 'tag');
  ok(await berth(['push', warm], opt), 'first push');
  ok(await berth(['rmi', warm], opt), 'rmi');
}

async function skopeoRaw(ref: string): Promise<{ mediaType: string; config: { mediaType: string; digest: string }; layers: { mediaType: string }[] }> {
  return JSON.parse(ok(await runCommand('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`]), 'skopeo inspect --raw').stdout);
}

test('chunked push: blobs bigger than --upload-chunk-size go in Content-Range PATCHes (at least OCI-Chunk-Min-Length), a dropped chunk resumes; the registry holds the right bytes', async () => {
  const name = uniqueName('chunks');
  let daemon: PrivateDaemon | undefined;
  let proxy: Awaited<ReturnType<typeof startRegistryProxy>> | undefined;
  try {
    daemon = await startPrivateDaemon(name, undefined, ['--upload-chunk-size', String(1024 * 1024), '--max-concurrent-uploads', '1']);
    const host = daemon.host;
    await makeBusybox(host);
    // The third PATCH (the big layer's last chunk) never reaches the registry.
    proxy = await startRegistryProxy(reg!, { dropPatch: (n) => n === 3, minChunk: 1536 * 1024 });
    const ref = `${proxy.host}/${uniqueName('chunked')}:1`;
    const { id, sum } = await makeImage(ref, 3 * 1024 * 1024 + 12345, host);
    await compressByPush(ref, host);
    ok(await berth(['push', ref], { host }), 'push');
    const patches = proxy.log.filter((l) => l.startsWith('PATCH'));
    assert.ok(patches.length >= 4, proxy.log.join('\n'));
    assert.ok(patches.every((l) => /^PATCH \d+-\d+$/.test(l)), proxy.log.join('\n'));
    assert.deepEqual(patches.slice(0, 2), ['PATCH 0-1572863', 'PATCH 1572864-3145727'], proxy.log.join('\n'));
    // The lost chunk: its session's status asked for (GET), then the same range again.
    const third = proxy.log.indexOf(patches[2]!);
    assert.equal(proxy.log[third + 1], 'GET', proxy.log.join('\n'));
    assert.equal(proxy.log[third + 2], patches[2], proxy.log.join('\n'));

    await assertPullsBack(ref, id, host);
    assert.equal(ok(await berth(['run', '--rm', ref, 'sha256sum', '/big'], { host }), 'run').stdout.split(' ')[0], sum);
  } finally {
    await proxy?.stop();
    await daemon?.destroy();
  }
});

test('chunked push: a registry refusing monolithic PUTs gets each blob in a PATCH', async () => {
  const proxy = await startRegistryProxy(reg!, { refuseMonolithic: true });
  const ref = `${proxy.host}/${uniqueName('nomono')}:1`;
  try {
    const { id } = await makeImage(ref, 5 * 1024 * 1024, undefined);
    await compressByPush(ref);
    ok(await berth(['push', ref]), 'push');
    // Two layers and the config: each refused whole, its session cancelled, then sent in one PATCH.
    const count = (re: RegExp): number => proxy.log.filter((l) => re.test(l)).length;
    assert.ok(count(/^DELETE$/) >= 3, proxy.log.join('\n'));
    assert.ok(count(/^PATCH 0-\d+$/) >= 3, proxy.log.join('\n'));
    assert.equal(count(/^PATCH/), count(/^PATCH 0-\d+$/), proxy.log.join('\n'));
    await assertPullsBack(ref, id);
  } finally {
    await berth(['rmi', '-f', ref]);
    await proxy.stop();
  }
});

test("push sends the image's config beside its layers, not after them", async () => {
  const proxy = await startRegistryProxy(reg!);
  const ref = `${proxy.host}/${uniqueName('beside')}:1`;
  try {
    const { id } = await makeImage(ref, 2 * 1024 * 1024, undefined);
    ok(await berth(['push', ref]), 'push');
    // The committed layer is gzipped as it goes up (POST, PATCH, PUT ?digest); busybox's layer and
    // the config are looked for first (HEAD), the config before that upload is closed.
    const closed = proxy.log.indexOf('PUT ?digest', proxy.log.indexOf('PATCH'));
    assert.equal(proxy.log.filter((l) => l === 'HEAD').length, 2, proxy.log.join('\n'));
    assert.ok(closed > 0 && proxy.log.lastIndexOf('HEAD') < closed, proxy.log.join('\n'));
    await assertPullsBack(ref, id);
  } finally {
    await berth(['rmi', '-f', ref]);
    await proxy.stop();
  }
});

test('a push that fails once its layer is compressed leaves the gzip blob to the image: the retry sends it from the store', async () => {
  const proxy = await startRegistryProxy(reg!, { dropPatch: (n) => n === 1 });
  const ref = `${proxy.host}/${uniqueName('retry')}:1`;
  try {
    const { id } = await makeImage(ref, 2 * 1024 * 1024);
    const failed = await berth(['push', ref]);
    assert.notEqual(failed.code, 0, failed.stdout);
    const patched = proxy.log.filter((l) => l.startsWith('PATCH')).length;
    ok(await berth(['push', ref]), 'retry');
    // Compressing again would stream the layer in a PATCH; the stored blob goes in one PUT.
    assert.equal(proxy.log.filter((l) => l.startsWith('PATCH')).length, patched, proxy.log.join('\n'));
    await assertPullsBack(ref, id);
  } finally {
    await berth(['rmi', '-f', ref]);
    await proxy.stop();
  }
});

/** The daemon's content store of blobs. */
async function storedBlobsDir(): Promise<string> {
  return join(((await api('GET', '/info')).json() as { DockerRootDir: string }).DockerRootDir, 'content', 'blobs', 'sha256');
}

/** Once `file` is in the store, removes another image (which collects garbage): whether `file` is still there. */
async function keptThroughGarbageCollection(file: string): Promise<boolean> {
  for (let i = 0; i < 200 && !existsSync(file); i++) await sleep(25);
  const other = `${uniqueName('gc')}:1`;
  const name = uniqueName('gcsrc');
  ok(await berth(['run', '--name', name, 'busybox', 'true']), 'run');
  ok(await berth(['commit', name, other]), 'commit');
  ok(await berth(['rm', name]), 'rm');
  ok(await berth(['rmi', other]), 'rmi');
  return existsSync(file);
}

test('an image removal while a push closes its upload keeps the gzip blob the push has stored', async () => {
  const blobs = await storedBlobsDir();
  let keptThroughGc: boolean | undefined;
  // Holds the closing PUT until the blob is in the store, then removes another image (which
  // collects garbage) and looks again.
  const proxy = await startRegistryProxy(reg!, {
    beforeClose: async (digest) => {
      const file = join(blobs, digest.replace(/^sha256:/, ''));
      keptThroughGc = await keptThroughGarbageCollection(file);
    },
  });
  const ref = `${proxy.host}/${uniqueName('held')}:1`;
  try {
    const { id } = await makeImage(ref, 1024 * 1024);
    ok(await berth(['push', ref]), 'push');
    assert.equal(keptThroughGc, true);
    await assertPullsBack(ref, id);
  } finally {
    await berth(['rmi', '-f', ref]);
    await proxy.stop();
  }
});

test('after a failed config upload no further layer starts (the layers under way finish)', async () => {
  const name = uniqueName('stop');
  let daemon: PrivateDaemon | undefined;
  let proxy: RegistryProxy | undefined;
  let releaseClose: () => void = () => undefined;
  const closeHeld = new Promise<void>((resolve) => (releaseClose = resolve));
  try {
    daemon = await startPrivateDaemon(name, undefined, ['--max-concurrent-uploads', '1']);
    const host = daemon.host;
    await makeBusybox(host);
    // The config's PUT fails at once; the top layer's upload waits to close until the push has failed.
    let closing = '';
    proxy = await startRegistryProxy(reg!, { failMonolithic: true, beforeClose: (digest) => ((closing = digest), closeHeld) });
    const ref = `${proxy.host}/${uniqueName('stop')}:1`;
    const below = `${uniqueName('below')}:1`;
    await makeImage(below, 4096, host);
    const src = uniqueName('stopsrc');
    ok(await berth(['run', '--name', src, below, 'sh', '-c', 'head -c 4096 /dev/urandom > /top'], { host }), 'run');
    ok(await berth(['commit', src, ref], { host }), 'commit');
    ok(await berth(['rm', src], { host }), 'rm');
    const failed = await berth(['push', ref], { host });
    assert.notEqual(failed.code, 0, failed.stdout);
    const started = proxy.log.filter((l) => l === 'POST').length;
    // The top layer's upload closes now (the registry has its blob); the layer below it would start
    // with a POST right after that.
    releaseClose();
    const repo = ref.slice(proxy.host.length + 1, -':1'.length);
    for (let i = 0; i < 100 && (await fetch(`http://${reg!.host}/v2/${repo}/blobs/${closing}`, { method: 'HEAD' })).status !== 200; i++) await sleep(50);
    await sleep(500);
    assert.equal(proxy.log.filter((l) => l === 'POST').length, started, proxy.log.join('\n'));
  } finally {
    releaseClose();
    await proxy?.stop();
    await daemon?.destroy();
  }
});

test('an image removal while a pull downloads keeps the layers the pull has stored', async () => {
  const blobs = await storedBlobsDir();
  const ref = `${reg!.host}/${uniqueName('pullheld')}:1`;
  // busybox and two fresh layers, pushed, then removed here with the image between them.
  const base = `${uniqueName('pullbase')}:1`;
  const names = [uniqueName('pl1'), uniqueName('pl2')];
  ok(await berth(['run', '--name', names[0]!, 'busybox', 'sh', '-c', 'echo one > /one']), 'run one');
  ok(await berth(['commit', names[0]!, base]), 'commit one');
  ok(await berth(['run', '--name', names[1]!, base, 'sh', '-c', 'echo two > /two']), 'run two');
  ok(await berth(['commit', names[1]!, ref]), 'commit two');
  ok(await berth(['push', ref]), 'push');
  const manifest = JSON.parse(
    ok(await runCommand('curl', ['-sf', '-H', 'Accept: application/vnd.docker.distribution.manifest.v2+json', `http://${reg!.host}/v2/${ref.split('/')[1]!.replace(':1', '')}/manifests/1`]), 'manifest').stdout,
  ) as { layers: { digest: string }[] };
  const [, first, last] = manifest.layers.map((l) => l.digest);
  ok(await berth(['rm', ...names]), 'rm');
  ok(await berth(['rmi', ref, base]), 'rmi');
  assert.ok(!existsSync(join(blobs, first!.replace(/^sha256:/, ''))), 'the first fresh layer is gone before the pull');
  let keptThroughGc: boolean | undefined;
  // Holds the last layer's download until the first is stored, then removes another image (which
  // collects garbage) and looks again.
  const proxy = await startRegistryProxy(reg!, {
    beforeBlob: async (digest) => {
      if (digest !== last) return;
      const file = join(blobs, first!.replace(/^sha256:/, ''));
      keptThroughGc = await keptThroughGarbageCollection(file);
    },
  });
  const viaProxy = `${proxy.host}/${ref.split('/')[1]!}`;
  try {
    ok(await berth(['pull', viaProxy]), 'pull');
    assert.equal(keptThroughGc, true, 'the stored layer outlived the garbage collection');
    assert.equal(ok(await berth(['run', '--rm', viaProxy, 'cat', '/one', '/two']), 'run pulled').stdout, 'one\ntwo\n');
  } finally {
    await berth(['rmi', '-f', viaProxy]);
    await proxy.stop();
  }
});

test('push --format oci writes OCI media types (skopeo inspect --raw); pulled back it is the same image and pushes back unchanged', async () => {
  const repo = uniqueName('ocifmt');
  const ref = `${reg!.host}/${repo}:oci`;
  const again = `${reg!.host}/${repo}:again`;
  const docker = `${reg!.host}/${repo}:v2s2`;
  try {
    const { id } = await makeImage(ref, 1000);
    const bad = await berth(['push', '--format', 'docker', ref]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /unsupported manifest format "docker"/);
    const push = ok(await berth(['push', '--format', 'oci', ref]), 'push --format oci');
    const digest = /^oci: digest: (sha256:[0-9a-f]{64}) size: \d+$/m.exec(push.stdout)?.[1];
    assert.ok(digest, push.stdout);
    const raw = await skopeoRaw(ref);
    assert.equal(raw.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(raw.config.mediaType, 'application/vnd.oci.image.config.v1+json');
    assert.equal(raw.config.digest, id, 'the config blob is the image');
    for (const l of raw.layers) assert.match(l.mediaType, /^application\/vnd\.oci\.image\.layer\.v1\.tar(\+gzip|\+zstd)?$/);

    ok(await berth(['rmi', ref]), 'rmi');
    ok(await berth(['pull', ref]), 'pull');
    assert.equal(await imageId(ref), id);
    // Pulled as OCI, it goes back as it came: same manifest digest, with no --format.
    ok(await berth(['tag', ref, again]), 'tag');
    const back = ok(await berth(['push', again]), 'push again');
    assert.match(back.stdout, new RegExp(`^again: digest: ${digest} `, 'm'));
    // And --format v2s2 turns it into Docker's schema2.
    ok(await berth(['tag', ref, docker]), 'tag v2s2');
    ok(await berth(['push', '--format', 'v2s2', docker]), 'push --format v2s2');
    const v2 = await skopeoRaw(docker);
    assert.equal(v2.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.equal(v2.config.mediaType, 'application/vnd.docker.container.image.v1+json');
    assert.equal(v2.config.digest, id);
  } finally {
    await berth(['rmi', '-f', ref, again, docker]);
  }
});

test('interop with umoci: what berth pushed unpacks and runs from its rootfs; what umoci built berth pulls and runs', async () => {
  const repo = uniqueName('umoci');
  const ref = `${reg!.host}/${repo}:berth`;
  const built = `${reg!.host}/${repo}:umoci`;
  const dir = mkdtempSync(join(tmpdir(), 'berth-umoci-'));
  try {
    const { sum } = await makeImage(ref, 4096);
    ok(await berth(['push', ref]), 'push');
    const layout = join(dir, 'layout');
    ok(await runCommand('skopeo', ['copy', '--src-tls-verify=false', `docker://${ref}`, `oci:${layout}:berth`]), 'skopeo copy out');
    const bundle = join(dir, 'bundle');
    ok(await runCommand('umoci', ['unpack', '--image', `${layout}:berth`, bundle]), 'umoci unpack');
    const inside = ok(await runCommand('chroot', [join(bundle, 'rootfs'), '/bin/sh', '-c', 'sha256sum /big && echo ran']), 'chroot');
    assert.equal(inside.stdout, `${sum}  /big\nran\n`);

    // The other way: an image of umoci's own making (busybox and a script), copied in by skopeo.
    const src = join(dir, 'src');
    mkdirSync(join(src, 'bin'), { recursive: true });
    copyFileSync('/bin/busybox', join(src, 'bin', 'busybox'));
    const word = randomBytes(6).toString('hex');
    writeFileSync(join(src, 'hello'), `#!/bin/busybox sh\necho umoci-${word}\n`);
    chmodSync(join(src, 'hello'), 0o755);
    const own = join(dir, 'own');
    ok(await runCommand('umoci', ['init', '--layout', own]), 'umoci init');
    ok(await runCommand('umoci', ['new', '--image', `${own}:t`]), 'umoci new');
    ok(await runCommand('umoci', ['insert', '--image', `${own}:t`, join(src, 'bin'), '/bin']), 'umoci insert bin');
    ok(await runCommand('umoci', ['insert', '--image', `${own}:t`, join(src, 'hello'), '/hello']), 'umoci insert hello');
    ok(await runCommand('umoci', ['config', '--image', `${own}:t`, '--config.cmd', '/hello', '--os', 'linux', '--architecture', 'amd64']), 'umoci config');
    ok(await runCommand('skopeo', ['copy', '--dest-tls-verify=false', `oci:${own}:t`, `docker://${built}`]), 'skopeo copy in');
    ok(await berth(['pull', built]), 'pull');
    assert.equal(ok(await berth(['run', '--rm', built]), 'run').stdout, `umoci-${word}\n`);
  } finally {
    await berth(['rmi', '-f', ref, built]);
    rmSync(dir, { recursive: true, force: true });
  }
});

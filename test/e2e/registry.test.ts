import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, berth, berthCliModules, CLIENTS, runCommand, startPrivateDaemon, uniqueName, type PrivateDaemon, type RunResult } from './harness.js';
import { registryBlobPath, startRegistry, type TestRegistry, type TokenServer } from './registry-fixture.js';

let plain: TestRegistry | undefined;
let secured: TestRegistry | undefined;
let tokened: (TestRegistry & { tokens?: TokenServer }) | undefined;
let dataRoot = '';
const USER = 'alice';
const PASSWORD = 's3cret-pw';

before(async () => {
  plain = await startRegistry();
  secured = await startRegistry({ basicAuth: { user: USER, password: PASSWORD } });
  tokened = await startRegistry({ tokenAuth: { user: USER, password: PASSWORD } });
  dataRoot = ((await api('GET', '/info')).json() as { DockerRootDir: string }).DockerRootDir;
});

after(async () => {
  await plain?.stop();
  await secured?.stop();
  await tokened?.stop();
});

const ok = <T extends RunResult>(r: T, what: string): T => {
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  return r;
};

/** A two-layer image (busybox + one file of its own) tagged `ref`; returns its ID and the file's content. */
async function makeImage(ref: string): Promise<{ id: string; content: string }> {
  const name = uniqueName('regsrc');
  const content = randomBytes(8).toString('hex');
  try {
    ok(await berth(['run', '--name', name, 'busybox', 'sh', '-c', `echo ${content} > /uniq`]), 'run');
    const id = ok(await berth(['commit', name, ref]), 'commit').stdout.trim();
    return { id, content };
  } finally {
    await berth(['rm', '-f', name]);
  }
}

async function imageId(ref: string): Promise<string | undefined> {
  const r = await berth(['image', 'inspect', '--format', '{{.Id}}', ref]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

async function manifestOf(reg: TestRegistry, repo: string, tag: string): Promise<{ layers: { mediaType: string; digest: string; size: number }[] }> {
  const res = await fetch(`http://${reg.host}/v2/${repo}/manifests/${tag}`, {
    headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
  });
  assert.equal(res.status, 200);
  return (await res.json()) as { layers: { mediaType: string; digest: string; size: number }[] };
}

for (const { name: client, run } of CLIENTS) {
  test(`${client}: push to a registry, rmi, pull back the same image (base layer skipped), run it`, async () => {
    const reg = plain!;
    const repo = uniqueName('bb');
    const ref = `${reg.host}/${repo}:1`;
    const { id, content } = await makeImage(ref);
    try {
      const push = ok(await run(['push', ref]), 'push');
      assert.match(push.stdout, new RegExp(`^The push refers to repository \\[${reg.host}/${repo}\\]$`, 'm'));
      assert.match(push.stdout, /: Pushed$/m);
      const pushed = /^1: digest: (sha256:[0-9a-f]{64}) size: \d+$/m.exec(push.stdout);
      assert.ok(pushed, push.stdout);
      // The commit's layer, kept uncompressed locally, went out gzip-compressed, once: a second
      // push finds every layer there and sends the same manifest.
      const sent = await manifestOf(reg, repo, '1');
      for (const l of sent.layers) assert.equal(l.mediaType, 'application/vnd.docker.image.rootfs.diff.tar.gzip');
      const top = readFileSync(registryBlobPath(reg, sent.layers[sent.layers.length - 1]!.digest));
      assert.deepEqual([...top.subarray(0, 2)], [0x1f, 0x8b]);
      const repush = ok(await run(['push', ref]), 'push again');
      assert.doesNotMatch(repush.stdout, /: Pushed$/m);
      assert.match(repush.stdout, new RegExp(`^1: digest: ${pushed[1]} size: \\d+$`, 'm'));

      ok(await run(['rmi', ref]), 'rmi');
      assert.equal(await imageId(ref), undefined);
      const pull = ok(await run(['pull', ref]), 'pull');
      assert.match(pull.stdout, /^1: Pulling from bb-[0-9a-f]+$/m);
      assert.match(pull.stdout, /: Already exists$/m, 'the busybox layer is present and skipped');
      assert.match(pull.stdout, /: Pull complete$/m);
      assert.match(pull.stdout, new RegExp(`^Digest: ${pushed[1]}$`, 'm'));
      assert.match(pull.stdout, new RegExp(`^Status: Downloaded newer image for ${ref}$`, 'm'));
      assert.match(pull.stdout, new RegExp(`^${ref}\\n$`, 'm'));
      assert.equal(await imageId(ref), id);
      // One pass: the pulled layer's blob was written while it unpacked and never read back. The
      // disk is mounted relatime, where the first read after a write moves atime past mtime.
      const { layers } = await manifestOf(reg, repo, '1');
      const blob = statSync(join(dataRoot, 'content', 'blobs', 'sha256', layers[layers.length - 1]!.digest.slice(7)));
      assert.ok(blob.atimeMs <= blob.mtimeMs, `the blob was read after it was stored (atime ${blob.atime.toISOString()}, mtime ${blob.mtime.toISOString()})`);
      assert.equal(ok(await run(['run', '--rm', ref, 'cat', '/uniq']), 'run').stdout, `${content}\n`);

      const again = ok(await run(['pull', ref]), 'pull again');
      assert.match(again.stdout, new RegExp(`^Status: Image is up to date for ${ref}$`, 'm'));
      assert.doesNotMatch(again.stdout, /Pull complete/);

      const byDigest = `${reg.host}/${repo}@${pushed[1]}`;
      const repoDigests = ok(await run(['image', 'inspect', '--format', '{{json .RepoDigests}}', ref]), 'inspect').stdout.trim();
      assert.deepEqual(JSON.parse(repoDigests), [byDigest]);
      const listed = ok(await run(['images', '--digests', '--format', '{{.Tag}} {{.Digest}}', `${reg.host}/${repo}`]), 'images');
      assert.equal(listed.stdout, `1 ${pushed[1]}\n`);
      const digestPull = ok(await run(['pull', byDigest]), 'pull by digest');
      assert.match(digestPull.stdout, new RegExp(`^Status: Image is up to date for ${byDigest}$`, 'm'));

      // A second repository of the same registry gets its layers mounted, not uploaded again.
      const copy = `${reg.host}/${repo}-copy:1`;
      ok(await run(['tag', ref, copy]), 'tag copy');
      try {
        const mounted = ok(await run(['push', copy]), 'push copy');
        assert.match(mounted.stdout, new RegExp(`: Mounted from ${repo}$`, 'm'));
        assert.doesNotMatch(mounted.stdout, /: Pushed$/m);
      } finally {
        await berth(['rmi', copy]);
      }

      // pull -a fetches every tag of the repository.
      ok(await run(['tag', ref, `${reg.host}/${repo}:2`]), 'tag 2');
      ok(await run(['push', `${reg.host}/${repo}:2`]), 'push 2');
      ok(await run(['rmi', `${reg.host}/${repo}:2`, ref]), 'rmi both');
      ok(await run(['pull', '-a', `${reg.host}/${repo}`]), 'pull -a');
      assert.equal(await imageId(`${reg.host}/${repo}:2`), id);
      ok(await run(['rmi', `${reg.host}/${repo}:2`]), 'rmi 2');
      assert.equal(await imageId(ref), id);

      // run pulls what is missing, as docker/cli does on "No such image".
      ok(await run(['rmi', ref]), 'rmi');
      const r = ok(await run(['run', '--rm', ref, 'cat', '/uniq']), 'run pulls');
      assert.match(r.stderr, new RegExp(`Unable to find image '${ref}' locally`));
      assert.equal(r.stdout, `${content}\n`);
      assert.equal(await imageId(ref), id);
    } finally {
      await berth(['rmi', '-f', ref]);
    }
  });

  test(`${client}: pull of a missing tag or repository fails with "manifest unknown"`, async () => {
    const reg = plain!;
    for (const ref of [`${reg.host}/${uniqueName('none')}:1`, `${reg.host}/${uniqueName('none')}`]) {
      const r = await run(['pull', ref]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^Error response from daemon: manifest for .* not found: manifest unknown: /m);
    }
  });

  test(`${client}: a blob whose bytes do not match its digest fails the pull and stores nothing`, async () => {
    const reg = plain!;
    const repo = uniqueName('bad');
    const ref = `${reg.host}/${repo}:1`;
    await makeImage(ref);
    try {
      ok(await berth(['push', ref]), 'push');
      const { layers } = await manifestOf(reg, repo, '1');
      const top = layers[layers.length - 1]!;
      const file = registryBlobPath(reg, top.digest);
      writeFileSync(file, randomBytes(statSync(file).size));
      ok(await berth(['rmi', ref]), 'rmi');
      const r = await run(['pull', ref]);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, /digest mismatch/);
      assert.equal(await imageId(ref), undefined);
      assert.equal(existsSync(join(dataRoot, 'content', 'blobs', 'sha256', top.digest.slice(7))), false);
      assert.deepEqual(readdirSync(join(dataRoot, 'content', 'ingest')), [], 'no partial blob is left in ingest/');
    } finally {
      await berth(['rmi', '-f', ref]);
    }
  });

  test(`${client}: login with basic auth stores credentials in config.json; push and pull use them; logout`, async () => {
    const reg = secured!;
    const ref = `${reg.host}/${uniqueName('auth')}:1`;
    const { id } = await makeImage(ref);
    const config = mkdtempSync(join(tmpdir(), 'berth-dockercfg-'));
    const env = { DOCKER_CONFIG: config };
    try {
      const anon = await run(['push', ref], { env });
      assert.equal(anon.code, 1);
      assert.match(anon.stderr, /unauthorized/);

      const wrong = await run(['login', '-u', USER, '--password-stdin', reg.host], { env, input: 'not-it\n' });
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /Unauthorized/);
      assert.equal(existsSync(join(config, 'config.json')), false);

      const login = ok(await run(['login', '-u', USER, '--password-stdin', reg.host], { env, input: `${PASSWORD}\n` }), 'login');
      assert.match(login.stdout, /^Login Succeeded$/m);
      const saved = JSON.parse(readFileSync(join(config, 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
      assert.equal(saved.auths[reg.host]?.auth, Buffer.from(`${USER}:${PASSWORD}`).toString('base64'));

      ok(await run(['push', ref], { env }), 'push');
      ok(await run(['rmi', ref], { env }), 'rmi');
      ok(await run(['pull', ref], { env }), 'pull');
      assert.equal(await imageId(ref), id);

      const out = ok(await run(['logout', reg.host], { env }), 'logout');
      assert.equal(out.stdout, `Removing login credentials for ${reg.host}\n`);
      const left = JSON.parse(readFileSync(join(config, 'config.json'), 'utf8')) as { auths: Record<string, unknown> };
      assert.equal(left.auths[reg.host], undefined);
      const denied = await run(['pull', ref], { env });
      assert.equal(denied.code, 1);
      assert.match(denied.stderr, /unauthorized/);
      assert.doesNotMatch(denied.stderr + denied.stdout, new RegExp(PASSWORD));
    } finally {
      await berth(['rmi', '-f', ref]);
      rmSync(config, { recursive: true, force: true });
    }
  });
}

for (const { name: client, run } of CLIENTS) {
  test(`${client}: build pulls a base image it lacks, with the client's stored credentials; --pull refreshes one it has`, async () => {
    const reg = secured!;
    const ref = `${reg.host}/${uniqueName('base')}:1`;
    const config = mkdtempSync(join(tmpdir(), 'berth-dockercfg-'));
    const env = { DOCKER_CONFIG: config };
    const ctx = mkdtempSync(join(tmpdir(), 'berth-buildctx-'));
    const tag = `${uniqueName('onbase')}:1`;
    try {
      const pushed = await makeImage(ref);
      ok(await run(['login', '-u', USER, '--password-stdin', reg.host], { env, input: `${PASSWORD}\n` }), 'login');
      ok(await run(['push', ref], { env }), 'push');
      ok(await run(['rmi', ref]), 'rmi');
      writeFileSync(join(ctx, 'Dockerfile'), `FROM ${ref}\nRUN cat /uniq > /seen\n`);
      const built = ok(await run(['build', '-t', tag, ctx], { env }), 'build');
      assert.match(built.stdout, new RegExp(`Status: Downloaded newer image for ${ref}`));
      assert.equal(ok(await run(['run', '--rm', tag, 'cat', '/seen']), 'run').stdout, `${pushed.content}\n`);
      // Another image under the same name here: a build uses it, one with --pull takes the registry's again.
      const stale = await makeImage(ref);
      ok(await run(['build', '--no-cache', '-t', tag, ctx], { env }), 'build on the local image');
      assert.equal(ok(await run(['run', '--rm', tag, 'cat', '/seen']), 'run').stdout, `${stale.content}\n`);
      ok(await run(['build', '--pull', '--no-cache', '-t', tag, ctx], { env }), 'build --pull');
      assert.equal(ok(await run(['run', '--rm', tag, 'cat', '/seen']), 'run').stdout, `${pushed.content}\n`);
      assert.equal(await imageId(ref), pushed.id);
      // Without the credentials the registry refuses the pull, and the build fails with its answer.
      ok(await run(['rmi', ref]), 'rmi again');
      const anon = await run(['build', '-t', tag, ctx]);
      assert.notEqual(anon.code, 0);
      assert.match(anon.stdout + anon.stderr, /unauthorized/);
    } finally {
      await berth(['rmi', '-f', tag, ref]);
      rmSync(config, { recursive: true, force: true });
      rmSync(ctx, { recursive: true, force: true });
    }
  });
}

test('berth push and pull load none of the Node modules only a credential helper, a login or node:http needs', async () => {
  const reg = plain!;
  const ref = `${reg.host}/${uniqueName('mods')}:1`;
  await makeImage(ref);
  const unneeded = (r: { modules: string[] }): void => {
    assert.ok(r.modules.includes('NativeModule net'), 'the list is read (the client uses node:net)');
    for (const m of ['http', 'child_process', 'crypto', 'fs/promises', 'os']) assert.ok(!r.modules.includes(`NativeModule ${m}`), `node:${m} is not loaded`);
  };
  try {
    const pushed = ok(await berthCliModules(['push', ref]), 'push');
    assert.match(pushed.stdout, /: Pushed$/m);
    assert.match(pushed.stdout, /^1: digest: sha256:[0-9a-f]{64} size: \d+$/m);
    unneeded(pushed);
    ok(await berth(['rmi', ref]), 'rmi');
    const pulled = ok(await berthCliModules(['pull', ref]), 'pull');
    assert.match(pulled.stdout, /^Status: Downloaded newer image for /m);
    unneeded(pulled);
  } finally {
    await berth(['rmi', '-f', ref]);
  }
});

test('berth: pull of a manifest list / OCI index picks linux/amd64, or --platform', async () => {
  const reg = plain!;
  const repo = uniqueName('multi');
  const multi = `${reg.host}/${repo}:multi`;
  try {
    const a = await makeImage(`${reg.host}/${repo}:amd`);
    const b = await makeImage(`${reg.host}/${repo}:arm`);
    ok(await berth(['push', `${reg.host}/${repo}:amd`]), 'push a');
    ok(await berth(['push', `${reg.host}/${repo}:arm`]), 'push b');
    const entry = async (tag: string, architecture: string) => {
      const res = await fetch(`http://${reg.host}/v2/${repo}/manifests/${tag}`, { method: 'HEAD', headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
      return {
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        digest: res.headers.get('docker-content-digest'),
        size: Number(res.headers.get('content-length')),
        platform: { os: 'linux', architecture },
      };
    };
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [await entry('arm', 'arm64'), await entry('amd', 'amd64')],
    });
    const put = await fetch(`http://${reg.host}/v2/${repo}/manifests/multi`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/vnd.oci.image.index.v1+json' },
      body: index,
    });
    assert.equal(put.status, 201, await put.text());
    const indexDigest = put.headers.get('docker-content-digest');

    const pulled = ok(await berth(['pull', multi]), 'pull index');
    assert.match(pulled.stdout, new RegExp(`^Digest: ${indexDigest}$`, 'm'));
    assert.equal(await imageId(multi), a.id);
    ok(await berth(['pull', '--platform', 'linux/arm64', multi]), 'pull arm64');
    assert.equal(await imageId(multi), b.id);
    const none = await berth(['pull', '--platform', 'linux/s390x', multi]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no matching manifest for linux\/s390x in the manifest list entries/);
  } finally {
    await berth(['rmi', '-f', `${reg.host}/${repo}:amd`, `${reg.host}/${repo}:arm`, multi]);
  }
});

for (const { name: client, run } of CLIENTS) {
  test(`${client}: bearer token flow: login, push and pull with scoped tokens, cached per scope`, async () => {
    const reg = tokened!;
    const tokens = reg.tokens!;
    const repo = uniqueName('tok');
    const ref = `${reg.host}/${repo}:1`;
    const { id, content } = await makeImage(ref);
    const config = mkdtempSync(join(tmpdir(), 'berth-dockercfg-'));
    const env = { DOCKER_CONFIG: config };
    try {
      const anon = await run(['push', ref], { env });
      assert.equal(anon.code, 1);
      assert.match(anon.stderr, /unauthorized/);
      const wrong = await run(['login', '-u', USER, '--password-stdin', reg.host], { env, input: 'nope\n' });
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /unauthorized/i);
      ok(await run(['login', '-u', USER, '--password-stdin', reg.host], { env, input: `${PASSWORD}\n` }), 'login');
      ok(await run(['push', ref], { env }), 'push');
      ok(await run(['rmi', ref], { env }), 'rmi');
      tokens.requests.length = 0;
      ok(await run(['pull', ref], { env }), 'pull');
      assert.deepEqual(
        tokens.requests.map((r) => `${r.user} ${r.scope}`),
        [`${USER} repository:${repo}:pull`],
        'one token, asked for with the credentials, serves the whole pull',
      );
      assert.equal(await imageId(ref), id);
      assert.equal(ok(await run(['run', '--rm', ref, 'cat', '/uniq'], { env }), 'run').stdout, `${content}\n`);
    } finally {
      await berth(['rmi', '-f', ref]);
      rmSync(config, { recursive: true, force: true });
    }
  });
}

test('interop: skopeo reads what berth pushed; berth pulls an OCI-manifest image skopeo copied from an OCI layout', async () => {
  const reg = plain!;
  const repo = uniqueName('interop');
  const ref = `${reg.host}/${repo}:1`;
  const { id, content } = await makeImage(ref);
  const dir = mkdtempSync(join(tmpdir(), 'berth-interop-'));
  const copied = `${reg.host}/${repo}-oci:1`;
  try {
    const push = ok(await berth(['push', ref]), 'push');
    const digest = /^1: digest: (sha256:[0-9a-f]{64}) /m.exec(push.stdout)?.[1];
    const inspect = ok(await runCommand('skopeo', ['inspect', '--tls-verify=false', `docker://${ref}`]), 'skopeo inspect');
    const info = JSON.parse(inspect.stdout) as { Digest: string; Layers: string[] };
    assert.equal(info.Digest, digest);
    assert.equal(info.Layers.length, 2);
    // skopeo fetches and verifies every blob berth uploaded.
    ok(await runCommand('skopeo', ['copy', '--src-tls-verify=false', `docker://${ref}`, `oci:${join(dir, 'layout')}:one`]), 'skopeo copy out');

    ok(
      await runCommand('skopeo', ['copy', '--format', 'oci', '--dest-tls-verify=false', `oci:${join(dir, 'layout')}:one`, `docker://${copied}`]),
      'skopeo copy in',
    );
    const manifest = await fetch(`http://${reg.host}/v2/${repo}-oci/manifests/1`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
    assert.equal(manifest.headers.get('content-type'), 'application/vnd.oci.image.manifest.v1+json');
    const oci = (await manifest.json()) as { config: { digest: string } };
    ok(await berth(['pull', copied]), 'pull OCI manifest');
    // skopeo rewrote the config as an OCI one: the image is the one its manifest names.
    assert.equal(await imageId(copied), oci.config.digest);
    assert.notEqual(oci.config.digest, id);
    assert.equal(ok(await berth(['run', '--rm', copied, 'cat', '/uniq']), 'run').stdout, `${content}\n`);
  } finally {
    await berth(['rmi', '-f', ref, copied]);
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const { name: client, run } of CLIENTS) {
  test(`${client}: a credential helper (credsStore) keeps the secret out of config.json`, async () => {
    const reg = secured!;
    const ref = `${reg.host}/${uniqueName('helper')}:1`;
    await makeImage(ref);
    const dir = mkdtempSync(join(tmpdir(), 'berth-credhelper-'));
    const store = join(dir, 'store.json');
    writeFileSync(
      join(dir, 'docker-credential-berthtest'),
      `#!/bin/sh\ncase "$1" in\n  store) cat > "${store}" ;;\n  get) if [ -s "${store}" ]; then cat "${store}"; else echo "credentials not found in native keychain"; exit 1; fi ;;\n  erase) rm -f "${store}" ;;\nesac\n`,
      { mode: 0o755 },
    );
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ credsStore: 'berthtest' }));
    const env = { DOCKER_CONFIG: dir, PATH: `${dir}:${process.env['PATH'] ?? ''}` };
    try {
      ok(await run(['login', '-u', USER, '--password-stdin', reg.host], { env, input: `${PASSWORD}\n` }), 'login');
      const config = readFileSync(join(dir, 'config.json'), 'utf8');
      assert.doesNotMatch(config, new RegExp(Buffer.from(`${USER}:${PASSWORD}`).toString('base64')));
      assert.deepEqual((JSON.parse(config) as { auths: Record<string, unknown> }).auths[reg.host], {});
      assert.equal((JSON.parse(readFileSync(store, 'utf8')) as { Username: string }).Username, USER);
      ok(await run(['push', ref], { env }), 'push with the helper');
      ok(await run(['logout', reg.host], { env }), 'logout');
      assert.equal(existsSync(store), false, 'logout erased the helper entry');
    } finally {
      await berth(['rmi', '-f', ref]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("berthd's registry client loads no node:http2 (undici is asked for HTTP/1.1 only)", async () => {
  const reg = plain!;
  const ref = `${reg.host}/${uniqueName('h1')}:1`;
  const dir = mkdtempSync(join(tmpdir(), 'berth-daemon-modules-'));
  let daemon: PrivateDaemon | undefined;
  try {
    await makeImage(ref);
    ok(await berth(['push', ref]), 'push');
    // A preload (through NODE_OPTIONS, past the launcher) writes the built-in modules berthd loaded as it exits.
    const preload = join(dir, 'modules.cjs');
    const list = join(dir, 'modules.txt');
    writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')));\n`);
    daemon = await startPrivateDaemon(uniqueName('h1'), undefined, [], { NODE_OPTIONS: `--require ${preload}` });
    ok(await berth(['pull', ref], { host: daemon.host }), 'pull');
    await daemon.destroy();
    daemon = undefined;
    const loaded = readFileSync(list, 'utf8').split('\n');
    assert.ok(loaded.includes('NativeModule tls'), 'the registry was contacted (its https attempt loads node:tls)');
    assert.ok(!loaded.includes('NativeModule http2'), 'node:http2 is not loaded');
  } finally {
    await daemon?.destroy();
    await berth(['rmi', '-f', ref]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a daemon killed mid-pull leaves no partial blob or image; after restart the pull completes', async () => {
  const reg = plain!;
  const ref = `${reg.host}/${uniqueName('crash')}:1`;
  const src = uniqueName('bigsrc');
  let daemon: PrivateDaemon | undefined;
  try {
    ok(await berth(['run', '--name', src, 'busybox', 'sh', '-c', 'head -c 100000000 /dev/urandom > /big; echo done > /uniq']), 'run');
    ok(await berth(['commit', src, ref]), 'commit');
    ok(await berth(['push', ref]), 'push');
    daemon = await startPrivateDaemon(uniqueName('t9pull'));
    const host = daemon.host;
    const ingest = join(daemon.dataRoot, 'content', 'ingest');
    const pulling = berth(['pull', ref], { host });
    let seen = false;
    for (let i = 0; i < 500 && !seen; i++) {
      seen = existsSync(ingest) && readdirSync(ingest).some((f) => statSync(join(ingest, f)).size > 1_000_000);
      if (!seen) await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(seen, 'the pull was caught while a blob was streaming in');
    await daemon.kill();
    assert.notEqual((await pulling).code, 0);

    daemon = await startPrivateDaemon(daemon.dataRoot.replace(/^\/var\/lib\/berth-test-/, ''), { dataRoot: daemon.dataRoot, runRoot: daemon.runRoot });
    assert.deepEqual(readdirSync(ingest), [], 'the partial blob is gone');
    assert.equal((await berth(['image', 'inspect', ref], { host })).code, 1);
    ok(await berth(['pull', ref], { host }), 'pull after restart');
    assert.equal(ok(await berth(['run', '--rm', ref, 'cat', '/uniq'], { host }), 'run').stdout, 'done\n');
  } finally {
    await daemon?.destroy();
    await berth(['rm', '-f', src]);
    await berth(['rmi', '-f', ref]);
  }
});

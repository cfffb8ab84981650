import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-stream';
import type { ImageRunConfig } from '../oci/image.js';
import type { CacheCandidate, CopyManifest } from './cache-explain.js';
import type { BuildBackend, BuildImage, CommitSpec, RunSpec } from './backend.js';
import { parseRunMount, PLATFORM_ARGS, runBuild, type BuildOptions } from './executor.js';
import { LayeredFs } from './image-fs.js';

/** An in-memory backend: images are configs, RUN records what it would run and exits with `exitCode`. */
class FakeBackend implements BuildBackend {
  images = new Map<string, BuildImage & { parent: string; cc?: ImageRunConfig; files?: CopyManifest }>();
  runs: RunSpec[] = [];
  /** Each committed layer's entries: `path:type:mode:uid:gid`. */
  layers: string[][] = [];
  removed: string[] = [];
  exitCode = 0;
  private n = 0;

  constructor() {
    this.images.set('busybox', { id: 'sha256:base', config: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: ['sha256:l'] }, config: { Cmd: ['sh'], Env: ['PATH=/bin'] } }, layerDirs: [], parent: '' });
  }

  async image(ref: string): Promise<BuildImage> {
    const img = this.images.get(ref) ?? [...this.images.values()].find((i) => i.id === ref);
    if (!img) throw new Error(`No such image: ${ref}`);
    return img;
  }

  async cached(parent: BuildImage | null, cc: ImageRunConfig): Promise<BuildImage | undefined> {
    const want = JSON.parse(JSON.stringify(cc)) as unknown;
    return [...this.images.values()].find((i) => i.parent === (parent?.id ?? '') && isDeepStrictEqual(i.cc, want));
  }

  cacheCandidates(parent: BuildImage | null): CacheCandidate[] {
    return [...this.images.values()]
      .filter((i) => i.parent === (parent?.id ?? '') && i.cc !== undefined)
      .map((i) => ({ containerConfig: i.cc!, ...(i.files ? { files: i.files } : {}) }));
  }

  async commit(spec: CommitSpec, layer: Readable | null): Promise<BuildImage> {
    if (layer) {
      const entries: string[] = [];
      const ex = extract();
      ex.on('entry', (h, body, next) => {
        entries.push(`${h.name}:${h.type}:${(h.mode ?? 0).toString(8)}:${h.uid}:${h.gid}`);
        body.on('end', next).resume();
      });
      await pipeline(layer, ex);
      this.layers.push(entries);
    }
    const id = `sha256:img${++this.n}`;
    const base = spec.parent?.config;
    const img = {
      id,
      config: { architecture: 'amd64', os: 'linux', config: structuredClone(spec.runConfig), rootfs: { type: 'layers' as const, diff_ids: [...(base?.rootfs.diff_ids ?? []), ...(layer ? [`sha256:${id}`] : [])] }, history: [...(base?.history ?? []), spec.history] },
      layerDirs: [],
      parent: spec.parent?.id ?? '',
      cc: JSON.parse(JSON.stringify(spec.containerConfig)) as ImageRunConfig,
      ...(spec.copyFiles ? { files: spec.copyFiles } : {}),
    };
    this.images.set(id, img);
    return img;
  }

  async run(spec: RunSpec): Promise<{ containerId: string; exitCode: number }> {
    this.runs.push(spec);
    spec.onCreated('c0ffee0000000000');
    spec.onOutput(Buffer.from('output\n'));
    return { containerId: 'c0ffee0000000000', exitCode: this.exitCode };
  }

  async removeMountStubs(): Promise<void> {}

  async commitContainer(_id: string, spec: CommitSpec): Promise<BuildImage> {
    return this.commit(spec, null);
  }

  async removeContainer(id: string): Promise<void> {
    this.removed.push(id);
  }

  async openArchive(): Promise<Readable | null> {
    return null;
  }

  tag(): void {}
}

async function build(backend: FakeBackend, dockerfile: string, extra: Partial<BuildOptions> = {}): Promise<{ image: BuildImage; out: string }> {
  const ctx = mkdtempSync(join(tmpdir(), 'berth-exec-'));
  let out = '';
  try {
    const image = await runBuild(backend, {
      dockerfile,
      dockerfileName: 'Dockerfile',
      context: new LayeredFs([ctx]),
      tags: [],
      buildArgs: new Map(),
      noCache: false,
      explainCache: false,
      labels: {},
      rm: true,
      forceRm: false,
      network: 'default',
      extraHosts: [],
      resources: {},
      pull: false,
      now: () => '2026-01-01T00:00:00Z',
      out: (t) => (out += t),
      signal: new AbortController().signal,
      ...extra,
    });
    return { image, out };
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

test('ARG scope, --build-arg, ENV precedence and RUN environment', async () => {
  const b = new FakeBackend();
  const { image } = await build(
    b,
    ['ARG BASE=busybox', 'ARG V=global', 'FROM $BASE', 'ARG V', 'ARG W=w1', 'ENV W=from-env X=${V}-${W}', 'RUN echo', 'ENV Y=${UNSET:-dflt}'].join('\n'),
    { buildArgs: new Map([['W', 'cli'], ['UNUSED', 'x']]) },
  );
  assert.deepEqual(image.config.config?.Env, ['PATH=/bin', 'W=from-env', 'X=global-cli', 'Y=dflt']);
  const run = b.runs[0]!;
  assert.deepEqual(run.argv, ['/bin/sh', '-c', 'echo']);
  // ENV wins over an ARG of the same name; other args are in the environment.
  assert.deepEqual(run.env, ['PATH=/bin', 'W=from-env', 'X=global-cli', 'V=global']);
  // As dockerd's: the prefix leaves out W, which an ENV overrides.
  assert.equal(image.config.history?.at(-2)?.created_by, '|1 V=global /bin/sh -c echo');
});

test('metadata steps: empty_layer history in Docker wording; ENTRYPOINT drops an inherited CMD', async () => {
  const b = new FakeBackend();
  const { image, out } = await build(b, ['FROM busybox', 'WORKDIR /a', 'WORKDIR b', 'ENTRYPOINT ["/bin/x"]', 'EXPOSE 80 53/udp 8000-8001', 'SHELL ["/bin/bash", "-c"]', 'CMD run me', 'STOPSIGNAL SIGTERM', 'USER 1:2', 'VOLUME /data'].join('\n'));
  const c = image.config.config!;
  assert.equal(c.WorkingDir, '/a/b');
  assert.deepEqual(c.Entrypoint, ['/bin/x']);
  assert.deepEqual(c.Cmd, ['/bin/bash', '-c', 'run me']);
  assert.deepEqual(c.ExposedPorts, { '80/tcp': {}, '53/udp': {}, '8000/tcp': {}, '8001/tcp': {} });
  assert.deepEqual([c.StopSignal, c.User, c.Volumes], ['SIGTERM', '1:2', { '/data': {} }]);
  const hist = image.config.history!.map((h) => [h.created_by, h.empty_layer]);
  // This busybox has no /a: each WORKDIR makes its directory in a layer.
  assert.deepEqual(hist.slice(0, 3), [
    ['/bin/sh -c #(nop) WORKDIR /a', undefined],
    ['/bin/sh -c #(nop) WORKDIR /a/b', undefined],
    ['/bin/sh -c #(nop)  ENTRYPOINT ["/bin/x"]', true],
  ]);
  assert.deepEqual(hist[3], ['/bin/sh -c #(nop)  EXPOSE 53/udp 80 8000-8001', true]);
  assert.deepEqual(hist[5], ['/bin/bash -c #(nop)  CMD ["/bin/bash" "-c" "run me"]', true]);
  assert.match(out, /^Step 1\/10 : FROM busybox\n ---> base\nStep 2\/10 : WORKDIR \/a\n ---> img1\n/);
  const noCmd = await build(new FakeBackend(), 'FROM busybox\nENTRYPOINT ["e"]');
  assert.equal(noCmd.image.config.config?.Cmd, null);
});

test('the cache: a second build reuses every step; a changed step misses from there on', async () => {
  const b = new FakeBackend();
  const df = 'FROM busybox\nENV A=1\nRUN make\nLABEL x=y';
  const first = await build(b, df);
  const second = await build(b, df);
  assert.equal(second.image.id, first.image.id);
  assert.equal(second.out.match(/Using cache/g)?.length, 3);
  assert.equal(b.runs.length, 1);
  const third = await build(b, df, { buildArgs: new Map(), noCache: true });
  assert.notEqual(third.image.id, first.image.id);
  const changed = await build(b, 'FROM busybox\nENV A=2\nRUN make\nLABEL x=y');
  assert.doesNotMatch(changed.out, /Using cache/);
});

test('a failing RUN reports the command and code and removes its container', async () => {
  const b = new FakeBackend();
  b.exitCode = 2;
  await assert.rejects(build(b, 'FROM busybox\nRUN false'), (e: Error & { exitCode?: number }) => {
    assert.equal(e.message, "The command '/bin/sh -c false' returned a non-zero code: 2");
    assert.equal(e.exitCode, 2);
    return true;
  });
  assert.deepEqual(b.removed, ['c0ffee0000000000']);
  await assert.rejects(build(b, 'FROM busybox\nRUN ["false", "x"]'), /The command 'false x' returned a non-zero code: 2/);
});

test('stages: --target stops early, ONBUILD triggers run in the child, labels add a step', async () => {
  const b = new FakeBackend();
  const { image, out } = await build(b, 'FROM busybox AS one\nONBUILD ENV T=1\nFROM one AS two\nRUN x\nFROM busybox AS three\nRUN never', { target: 'two', labels: { k: 'v' } });
  assert.match(out, /Step 4\/5 : RUN x\n/);
  assert.match(out, /# Executing 1 build trigger\n/);
  assert.match(out, /Step 5\/5 : LABEL "k"="v"\n/);
  assert.doesNotMatch(out, /never/);
  assert.deepEqual(image.config.config?.Env, ['PATH=/bin', 'T=1']);
  assert.equal(image.config.config?.OnBuild, undefined);
  assert.deepEqual(image.config.config?.Labels, { k: 'v' });
  await assert.rejects(build(b, 'FROM busybox', { target: 'nope' }), /failed to reach build target nope/);
  await assert.rejects(build(b, 'RUN x'), /no build stage in current context/);
  await assert.rejects(build(b, 'FROM scratch'), /No image was generated/);
});

test('RUN heredocs: alone it is the script; after a command the shell reads it', async () => {
  const b = new FakeBackend();
  await build(b, 'FROM busybox\nRUN <<EOF\necho a\necho b\nEOF\nRUN cat <<X > /f\nhello\nX\n');
  assert.deepEqual(b.runs[0]!.argv, ['/bin/sh', '-c', 'echo a\necho b\n']);
  assert.deepEqual(b.runs[1]!.argv, ['/bin/sh', '-c', 'cat <<X > /f\nhello\nX\n']);
});

test('--explain-cache names the build arg and the copied file that made a step miss', async () => {
  const b = new FakeBackend();
  const df = (body: string) => ['FROM busybox', 'ARG V', 'RUN echo $V', 'COPY <<EOF /etc/motd', body, 'EOF', 'ENV DONE=1'].join('\n');
  await build(b, df('hello'), { buildArgs: new Map([['V', '1']]) });
  const cached = await build(b, df('hello'), { buildArgs: new Map([['V', '1']]), explainCache: true });
  assert.doesNotMatch(cached.out, /Cache miss/);
  const argChanged = await build(b, df('hello'), { buildArgs: new Map([['V', '2']]), explainCache: true });
  const misses = argChanged.out.split('\n').filter((l) => l.includes('Cache miss'));
  assert.deepEqual(misses, [
    ' ---> Cache miss: build arg V changed: "1" -> "2"',
    ' ---> Cache miss: its parent image was built by this build (an earlier step missed)',
    ' ---> Cache miss: its parent image was built by this build (an earlier step missed)',
  ]);
  const fileChanged = await build(b, df('bye'), { buildArgs: new Map([['V', '1']]), explainCache: true });
  assert.match(fileChanged.out, /Cache miss: files copied by COPY \/etc\/motd differ: changed: etc\/motd\n/);
  const quiet = await build(b, df('again'), { buildArgs: new Map([['V', '1']]) });
  assert.doesNotMatch(quiet.out, /Cache miss/);
});

test("RUN --mount: BuildKit's cache and tmpfs options; other kinds refused by name", () => {
  assert.deepEqual(parseRunMount('type=cache,target=/root/.cache', '/'), { type: 'cache', target: '/root/.cache', id: '/root/.cache', readonly: false, mode: 0o755, uid: 0, gid: 0 });
  assert.deepEqual(parseRunMount('type=cache,dst=c,id=pip,mode=0700,uid=1000,gid=1000,ro', '/app'), { type: 'cache', target: '/app/c', id: 'pip', readonly: true, mode: 0o700, uid: 1000, gid: 1000 });
  assert.deepEqual(parseRunMount('type=tmpfs,target=/t,size=1m', '/'), { type: 'tmpfs', target: '/t', size: 1024 * 1024 });
  assert.deepEqual(parseRunMount('target=/src', '/'), { type: 'bind', target: '/src', source: '.', readwrite: false });
  assert.deepEqual(parseRunMount('type=bind,src=req.txt,dst=req.txt,from=deps,rw', '/app'), { type: 'bind', target: '/app/req.txt', source: 'req.txt', from: 'deps', readwrite: true });
  assert.throws(() => parseRunMount('type=secret,id=x,target=/s', '/'), /type=secret is not supported/);
  assert.throws(() => parseRunMount('type=cache', '/'), /a target is required/);
  assert.throws(() => parseRunMount('type=cache,target=/c,from=stage', '/'), /seeded from "from" is not supported/);
  assert.throws(() => parseRunMount('type=cache,target=/c,uid=x', '/'), /invalid uid "x"/);
});

test('RUN --mount and --network reach the backend and the cache key; a bad network is refused', async () => {
  const b = new FakeBackend();
  await build(b, 'FROM busybox\nRUN --mount=type=tmpfs,target=/t --network=none echo hi\n');
  assert.deepEqual(b.runs[0]!.mounts, [{ type: 'tmpfs', target: '/t' }]);
  assert.equal(b.runs[0]!.network, 'none');
  await assert.rejects(build(new FakeBackend(), 'FROM busybox\nRUN --network=bridge echo\n'), /RUN --network=bridge: use default, none or host/);
});

test("BuildKit's platform args: an ARG TARGETARCH without a value gets the host's, a --build-arg wins", async () => {
  const arch = PLATFORM_ARGS.get('TARGETARCH')!;
  assert.match(arch, /^[a-z0-9]+$/);
  assert.equal(PLATFORM_ARGS.get('TARGETPLATFORM'), `linux/${arch}${PLATFORM_ARGS.get('TARGETVARIANT') ? `/${PLATFORM_ARGS.get('TARGETVARIANT')}` : ''}`);
  const b = new FakeBackend();
  await build(b, 'FROM busybox\nARG TARGETARCH\nARG TARGETOS\nRUN echo\n');
  assert.deepEqual(b.runs[0]!.env.filter((e) => e.startsWith('TARGET')), [`TARGETARCH=${arch}`, 'TARGETOS=linux']);
  const given = new FakeBackend();
  await build(given, 'FROM busybox\nARG TARGETARCH\nRUN echo\n', { buildArgs: new Map([['TARGETARCH', 'riscv64']]) });
  assert.deepEqual(given.runs[0]!.env.filter((e) => e.startsWith('TARGET')), ['TARGETARCH=riscv64']);
});

test("dockerd's builder: a default PATH, MAINTAINER as author, HEALTHCHECK history as Go's %q", async () => {
  const b = new FakeBackend();
  const { image } = await build(b, ['FROM scratch', 'MAINTAINER Jane <j@x>', 'ENV PATH=/opt:$PATH', 'HEALTHCHECK --interval=1m30s --retries=4 CMD true', 'LABEL a=b'].join('\n'));
  assert.deepEqual(image.config.config?.Env, ['PATH=/opt:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
  const hist = image.config.history!;
  assert.deepEqual(hist.map((h) => h.author), ['Jane <j@x>', 'Jane <j@x>', 'Jane <j@x>', 'Jane <j@x>']);
  assert.equal(hist[2]!.created_by, `/bin/sh -c #(nop)  HEALTHCHECK &{["CMD-SHELL" "true"] "1m30s" "0s" "0s" "0s" '\\x04'}`);
  const none = await build(new FakeBackend(), 'FROM busybox\nHEALTHCHECK NONE');
  assert.equal(none.image.config.history!.at(-1)!.created_by, `/bin/sh -c #(nop)  HEALTHCHECK &{["NONE"] "0s" "0s" "0s" "0s" '\\x00'}`);
  // An image with a PATH keeps it; FROM's author is not inherited.
  assert.deepEqual(none.image.config.config?.Env, ['PATH=/bin']);
  assert.equal(none.image.config.history!.at(-1)!.author, undefined);
});

test("WORKDIR makes the directories the image lacks in a layer, as dockerd's builder; one it has adds none", async () => {
  const layer = mkdtempSync(join(tmpdir(), 'berth-workdir-'));
  try {
    mkdirSync(join(layer, 'srv'));
    symlinkSync('/srv', join(layer, 'link'));
    const b = new FakeBackend();
    b.images.get('busybox')!.layerDirs = [layer];
    const base = b.images.get('busybox')!.config.rootfs.diff_ids.length;
    // (This fake's images have no layer directories of their own: one step after FROM each.)
    const has = await build(b, 'FROM busybox\nWORKDIR /srv');
    assert.equal(has.image.config.history!.at(-1)!.empty_layer, true);
    assert.equal(has.image.config.rootfs.diff_ids.length, base);
    const lacks = await build(b, 'FROM busybox\nWORKDIR /link/app/x');
    assert.equal(lacks.image.config.history!.at(-1)!.empty_layer, undefined);
    assert.equal(lacks.image.config.rootfs.diff_ids.length, base + 1);
    // The symlink is followed inside the image: the directories go under /srv.
    assert.deepEqual(b.layers.at(-1), ['srv/app/:directory:755:0:0', 'srv/app/x/:directory:755:0:0']);
  } finally {
    rmSync(layer, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, CLIENTS, uniqueName } from './harness.js';

for (const { name: client, run } of CLIENTS) {
  test(`${client}: commit a container's changes, diff them, run the new image`, async () => {
    const name = uniqueName('commit');
    const repo = uniqueName('committed');
    try {
      // Every container has an empty /.dockerenv, as Docker's.
      const r = await run(['run', '--name', name, 'busybox', 'sh', '-c', 'test -f /.dockerenv && test ! -s /.dockerenv && mkdir /test; echo lcy > /test/name.txt; echo x >> /etc/passwd; rm /etc/group']);
      assert.equal(r.code, 0, r.stderr);
      // The engine's mount points (/etc/hosts…) and /.dockerenv are no change of the container's, as in Docker.
      const diff = await run(['diff', name]);
      assert.equal(diff.code, 0, diff.stderr);
      assert.equal(diff.stdout, 'C /etc\nD /etc/group\nC /etc/passwd\nA /test\nA /test/name.txt\n');

      const c = await run(['commit', '-a', 'A. Author', '-m', 'a message', '-c', 'CMD ["cat", "/test/name.txt"]', '-c', 'ENV FOO=bar', name, `${repo}:v1`]);
      assert.equal(c.code, 0, c.stderr);
      assert.match(c.stdout, /^sha256:[0-9a-f]{64}\n$/);
      const ls = await run(['run', '--rm', `${repo}:v1`, 'ls', '/test']);
      assert.equal(ls.stdout, 'name.txt\n');
      const cmd = await run(['run', '--rm', `${repo}:v1`]);
      assert.equal(cmd.stdout, 'lcy\n');
      const gone = await run(['run', '--rm', `${repo}:v1`, 'sh', '-c', 'test -e /etc/group || echo no-group; env | grep FOO; wc -c < /etc/hosts']);
      assert.match(gone.stdout, /^no-group\nFOO=bar\n\d+\n$/);

      // HEALTHCHECK as a Dockerfile writes it, as dockerd's --change takes it.
      const hc = await run(['commit', '-c', 'HEALTHCHECK --interval=5s --retries=2 CMD true', name, `${repo}:hc`]);
      assert.equal(hc.code, 0, hc.stderr);
      const hcConfig = await run(['image', 'inspect', '--format', '{{json .Config.Healthcheck}}', `${repo}:hc`]);
      assert.equal(hcConfig.stdout.trim(), '{"Test":["CMD-SHELL","true"],"Interval":5000000000,"Retries":2}');
      await run(['rmi', `${repo}:hc`]);

      const info = await run(['image', 'inspect', '--format', '{{.Id}}|{{.Author}}|{{.Comment}}|{{json .Config.Cmd}}|{{len .RootFS.Layers}}', `${repo}:v1`]);
      assert.equal(info.stdout.trim(), `${c.stdout.trim()}|A. Author|a message|["cat","/test/name.txt"]|2`);
      const base = await run(['image', 'inspect', '--format', '{{.Id}}', 'busybox']);
      const parent = await run(['image', 'inspect', '--format', '{{.Parent}}', `${repo}:v1`]);
      assert.equal(parent.stdout, base.stdout);

      // No tag: a dangling image whose ID is printed.
      const untagged = await run(['commit', name]);
      assert.equal(untagged.code, 0, untagged.stderr);
      const id = untagged.stdout.trim();
      const ids = await run(['images', '-q', '--no-trunc']);
      assert.ok(ids.stdout.split('\n').includes(id), ids.stdout);
      await run(['rmi', id]);
    } finally {
      await run(['rm', '-f', name]);
      await run(['rmi', `${repo}:v1`]);
    }
  });

  test(`${client}: commit of a container that changed nothing adds no layer, as dockerd's`, async () => {
    const name = uniqueName('commit-none');
    const repo = uniqueName('unchanged');
    try {
      assert.equal((await run(['run', '--name', name, 'busybox', 'true'])).code, 0);
      const c = await run(['commit', '-m', 'nothing', name, repo]);
      assert.equal(c.code, 0, c.stderr);
      const layers = async (ref: string): Promise<string> => (await run(['image', 'inspect', '--format', '{{json .RootFS.Layers}}', ref])).stdout;
      assert.equal(await layers(repo), await layers('busybox'));
      const hist = (await api('GET', `/images/${repo}/history`)).json() as { CreatedBy: string; Size: number; Comment: string }[];
      assert.deepEqual(hist[0], { ...hist[0], CreatedBy: 'true', Size: 0, Comment: 'nothing' });
    } finally {
      await run(['rm', '-f', name]);
      await run(['rmi', repo]);
    }
  });

  test(`${client}: commit a running container, paused meanwhile by default`, async () => {
    const name = uniqueName('commit-live');
    const repo = uniqueName('live');
    try {
      const r = await run(['run', '-d', '--name', name, 'busybox', 'sh', '-c', 'echo one > /state; exec sleep 1000']);
      assert.equal(r.code, 0, r.stderr);
      await waitFor(async () => (await run(['exec', name, 'cat', '/state'])).stdout === 'one\n');
      const diff = await run(['diff', name]);
      assert.equal(diff.stdout, 'A /state\n');
      const c = await run(['commit', name, repo]);
      assert.equal(c.code, 0, c.stderr);
      const status = await run(['inspect', '--format', '{{.State.Status}}', name]);
      assert.equal(status.stdout.trim(), 'running');
      const noPause = await run(['commit', '--pause=false', name, `${repo}:nopause`]);
      assert.equal(noPause.code, 0, noPause.stderr);
      for (const tag of ['latest', 'nopause']) {
        const cat = await run(['run', '--rm', `${repo}:${tag}`, 'cat', '/state']);
        assert.equal(cat.stdout, 'one\n');
      }
      // A container paused by the user stays paused.
      assert.equal((await run(['pause', name])).code, 0);
      const paused = await run(['commit', name, `${repo}:paused`]);
      assert.equal(paused.code, 0, paused.stderr);
      const still = await run(['inspect', '--format', '{{.State.Status}}', name]);
      assert.equal(still.stdout.trim(), 'paused');
    } finally {
      await run(['rm', '-f', name]);
      for (const tag of ['latest', 'nopause', 'paused']) await run(['rmi', `${repo}:${tag}`]);
    }
  });

  test(`${client}: commit and diff refuse bad input`, async () => {
    const none = await run(['commit', 'nosuch-container-t2']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /No such container: nosuch-container-t2/);
    const nodiff = await run(['diff', 'nosuch-container-t2']);
    assert.equal(nodiff.code, 1);
    assert.match(nodiff.stderr, /No such container: nosuch-container-t2/);
    const name = uniqueName('commit-bad');
    try {
      assert.equal((await run(['create', '--name', name, 'busybox', 'true'])).code, 0);
      const ref = await run(['commit', name, 'Bad:Ref']);
      assert.equal(ref.code, 1);
      assert.match(ref.stderr, /invalid reference format/);
      const change = await run(['commit', '-c', 'RUN true', name]);
      assert.equal(change.code, 1);
      assert.match(change.stderr, /run is not a valid change command/);
      const before = await run(['images', '-aq']);
      const empty = await run(['diff', name]);
      assert.equal(empty.code, 0, empty.stderr);
      assert.equal(empty.stdout, '');
      assert.equal((await run(['images', '-aq'])).stdout, before.stdout, 'a failed commit makes no image');
    } finally {
      await run(['rm', '-f', name]);
    }
  });
}

test('API: /commit answers 201 with the ID, /changes with Kind 0, 1, 2', async () => {
  const created = await api('POST', '/containers/create', { Image: 'busybox', Cmd: ['sh', '-c', 'touch /new; rm /etc/group; echo >> /etc/passwd'] });
  assert.equal(created.status, 201, created.body);
  const id = (created.json() as { Id: string }).Id;
  try {
    assert.equal((await api('POST', `/containers/${id}/start`)).status, 204);
    assert.equal((await api('POST', `/containers/${id}/wait`)).status, 200);
    const changes = await api('GET', `/v1.50/containers/${id}/changes`);
    assert.equal(changes.status, 200);
    assert.deepEqual(changes.json(), [
      { Path: '/etc', Kind: 0 },
      { Path: '/etc/group', Kind: 2 },
      { Path: '/etc/passwd', Kind: 0 },
      { Path: '/new', Kind: 1 },
    ]);
    const commit = await api('POST', `/v1.24/commit?container=${id}&comment=c1&changes=${encodeURIComponent('LABEL a=b')}`, { Env: ['FROM_BODY=1'] });
    assert.equal(commit.status, 201, commit.body);
    const imageId = (commit.json() as { Id: string }).Id;
    assert.match(imageId, /^sha256:[0-9a-f]{64}$/);
    try {
      const img = (await api('GET', `/images/${imageId}/json`)).json() as { Comment: string; Config: { Env: string[]; Labels: Record<string, string> } };
      assert.equal(img.Comment, 'c1');
      assert.ok(img.Config.Env.includes('FROM_BODY=1'), JSON.stringify(img.Config));
      assert.equal(img.Config.Labels['a'], 'b');
    } finally {
      await api('DELETE', `/images/${imageId}`);
    }
    const bad = await api('POST', '/commit?container=nosuch-container-t2');
    assert.equal(bad.status, 404);
    assert.equal(bad.headers['content-type'], 'application/json');
    assert.deepEqual(bad.json(), { message: 'No such container: nosuch-container-t2' });
  } finally {
    await api('DELETE', `/containers/${id}?force=1`);
  }
});

/**
 * A commit's layer is stored once, as its plain tar, and unpacked where it is first needed: a
 * container, a build reading it, an inspect naming its directory. Sizes are the same either way.
 */
test('a commit stores its layer as one plain tar, unpacked at first use by run, build or inspect', async () => {
  const { run } = CLIENTS[0];
  const dataRoot = ((await api('GET', '/info')).json() as { DockerRootDir: string }).DockerRootDir;
  const snapshotDirs = (): string[] => readdirSync(join(dataRoot, 'snapshots')).sort();
  const names: string[] = [];
  const repos: string[] = [];
  const ctxDir = await mkdtemp(join(tmpdir(), 'berth-commit-'));
  const commitNew = async (what: string): Promise<string> => {
    const name = uniqueName('commit-tar');
    const repo = uniqueName(`tar-${what}`);
    names.push(name);
    repos.push(repo);
    const r = await run(['run', '--name', name, 'busybox', 'sh', '-c', `echo ${repo} > /made; head -c 100000 /dev/zero > /zeros`]);
    assert.equal(r.code, 0, r.stderr);
    const before = snapshotDirs();
    const c = await run(['commit', name, repo]);
    assert.equal(c.code, 0, c.stderr);
    assert.deepEqual(snapshotDirs(), before, `${what}: the commit unpacked nothing`);
    return repo;
  };
  const topLayerSize = async (repo: string): Promise<number> => ((await api('GET', `/images/${repo}/history`)).json() as { Size: number }[])[0]!.Size;
  try {
    const forRun = await commitNew('run');
    const size = await topLayerSize(forRun);
    const r = await run(['run', '--rm', forRun, 'cat', '/made']);
    assert.equal(r.stdout, `${forRun}\n`, r.stderr);
    assert.equal(await topLayerSize(forRun), size, 'the layer size is the same once unpacked');
    const inspected = (await api('GET', `/images/${forRun}/json`)).json() as { RootFS: { Layers: string[] } };
    const diffId = inspected.RootFS.Layers.at(-1)!;
    const blob = readFileSync(join(dataRoot, 'content', 'blobs', 'sha256', diffId.slice('sha256:'.length)));
    assert.equal(`sha256:${createHash('sha256').update(blob).digest('hex')}`, diffId, 'the blob is the tar of the DiffID');
    // The layer's size counts its files' bytes (/made and /zeros), as dockerd's, not the tar's.
    assert.equal(size, Buffer.byteLength(`${forRun}\n`) + 100000);
    assert.ok(blob.length > size);

    const forBuild = await commitNew('build');
    await writeFile(join(ctxDir, 'Dockerfile'), `FROM busybox\nCOPY --from=${forBuild} /made /copied\n`);
    const built = uniqueName('from-commit');
    repos.push(built);
    const b = await run(['build', '-q', '-t', built, ctxDir]);
    assert.equal(b.code, 0, b.stderr);
    assert.equal((await run(['run', '--rm', built, 'cat', '/copied'])).stdout, `${forBuild}\n`);

    const forInspect = await commitNew('inspect');
    const graph = (await api('GET', `/images/${forInspect}/json`)).json() as { GraphDriver: { Data: { UpperDir: string } } };
    assert.equal(readFileSync(join(graph.GraphDriver.Data.UpperDir, 'made'), 'utf8'), `${forInspect}\n`);
  } finally {
    for (const name of names) await run(['rm', '-f', name]);
    for (const repo of repos.reverse()) await run(['rmi', repo]);
    await rm(ctxDir, { recursive: true, force: true });
  }
});

/** One container per layer: writes its file, is committed, and the next runs on the result. */
test('an image of 110 layers made by commit mounts, and sees its first and last layers', { timeout: 300_000 }, async () => {
  const LAYERS = 110;
  const made: string[] = [];
  let image = 'busybox';
  try {
    for (let i = 1; i < LAYERS; i++) {
      const created = await api('POST', '/containers/create', { Image: image, Cmd: ['sh', '-c', `echo ${i} > /layer-${i}`] });
      assert.equal(created.status, 201, created.body);
      const id = (created.json() as { Id: string }).Id;
      try {
        assert.equal((await api('POST', `/containers/${id}/start`)).status, 204);
        const wait = await api('POST', `/containers/${id}/wait`);
        assert.deepEqual(wait.json(), { StatusCode: 0, Error: null }, `layer ${i}`);
        const commit = await api('POST', `/commit?container=${id}`);
        assert.equal(commit.status, 201, commit.body);
        image = (commit.json() as { Id: string }).Id;
        made.push(image);
      } finally {
        await api('DELETE', `/containers/${id}?force=1`);
      }
    }
    const layers = (await api('GET', `/images/${image}/json`)).json() as { RootFS: { Layers: string[] } };
    assert.equal(layers.RootFS.Layers.length, LAYERS);
    const { run } = CLIENTS[0];
    const r = await run(['run', '--rm', image, 'sh', '-c', `cat /layer-1 /layer-${LAYERS - 1}; ls / | grep -c layer-`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `1\n${LAYERS - 1}\n${LAYERS - 1}\n`);
  } finally {
    // Children before parents: an image with children cannot go.
    for (const id of made.reverse()) await api('DELETE', `/images/${id}`);
  }
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

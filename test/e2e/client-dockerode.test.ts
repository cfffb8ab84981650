/**
 * dockerode 5, unmodified, against berthd: the calls its users make, with dockerode's own stream
 * helpers (demuxStream, followProgress) and its strict success-status tables.
 * Test names carry `[area]` tags for scripts/compat-report.sh.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import Docker from 'dockerode';
import { pack } from 'tar-stream';
import { SHARED_HOST, uniqueName } from './harness.js';
import { startRegistry, type TestRegistry } from './registry-fixture.js';

const docker = new Docker({ socketPath: SHARED_HOST.replace(/^unix:\/\//, '') });

let registry: TestRegistry | undefined;
before(async () => {
  registry = await startRegistry();
});
after(async () => {
  await registry?.stop();
});

/** Splits a multiplexed stream with dockerode's demuxStream; resolves at its end. */
function demux(stream: NodeJS.ReadableStream): Promise<{ stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  out.on('data', (b: Buffer) => chunks.stdout.push(b));
  err.on('data', (b: Buffer) => chunks.stderr.push(b));
  docker.modem.demuxStream(stream, out, err);
  return new Promise((resolve, reject) => {
    stream.on('error', reject);
    stream.on('end', () =>
      resolve({ stdout: Buffer.concat(chunks.stdout).toString('utf8'), stderr: Buffer.concat(chunks.stderr).toString('utf8') }),
    );
  });
}

/** Reads a JSON-lines progress stream to its end with followProgress; rejects on an in-band error. */
function follow(stream: NodeJS.ReadableStream): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, out: Record<string, unknown>[]) => (err ? reject(err) : resolve(out)));
  });
}

/** tar-stream's Pack is a streamx Readable, which @types/dockerode does not know as a stream. */
const asStream = (p: ReturnType<typeof pack>): NodeJS.ReadableStream => p as unknown as NodeJS.ReadableStream;

async function removeQuietly(c: Docker.Container): Promise<void> {
  await c.remove({ force: true, v: true }).catch(() => undefined);
}

test('dockerode: [containers] create, attach, start, wait, logs, inspect, list, remove', async () => {
  const name = uniqueName('do-life');
  const c = await docker.createContainer({
    name,
    Image: 'busybox',
    Cmd: ['sh', '-c', 'echo to-out; echo to-err >&2; exit 3'],
    Labels: { 'berth.test': name },
    AttachStdout: true,
    AttachStderr: true,
  });
  try {
    assert.match(c.id, /^[0-9a-f]{64}$/);
    const stream = await c.attach({ stream: true, stdout: true, stderr: true });
    const output = demux(stream);
    await c.start();
    const waited = (await c.wait()) as { StatusCode: number };
    assert.equal(waited.StatusCode, 3);
    assert.deepEqual(await output, { stdout: 'to-out\n', stderr: 'to-err\n' });

    const logs = await c.logs({ stdout: true, stderr: true, follow: false });
    assert.deepEqual(await demux(Readable.from([logs])), { stdout: 'to-out\n', stderr: 'to-err\n' });
    const onlyErr = await c.logs({ stdout: false, stderr: true, follow: false });
    assert.deepEqual(await demux(Readable.from([onlyErr])), { stdout: '', stderr: 'to-err\n' });

    const info = await c.inspect();
    assert.equal(info.Id, c.id);
    assert.equal(info.Name, `/${name}`);
    assert.equal(info.State.Status, 'exited');
    assert.equal(info.State.ExitCode, 3);
    assert.equal(info.Config.Labels['berth.test'], name);

    const listed = await docker.listContainers({ all: true, filters: { label: [`berth.test=${name}`] } });
    assert.equal(listed.length, 1);
    assert.equal(listed[0]?.Id, c.id);
    assert.deepEqual(listed[0]?.Names, [`/${name}`]);
    assert.equal(listed[0]?.State, 'exited');
    assert.ok(Array.isArray(listed[0]?.Ports));
    const running = await docker.listContainers({ filters: { label: [`berth.test=${name}`] } });
    assert.equal(running.length, 0, 'an exited container is not listed without all');

    await c.remove();
    await assert.rejects(c.inspect(), status(404));
  } finally {
    await removeQuietly(c);
  }
});

const status = (code: number) => (e: { statusCode?: number }) => e.statusCode === code;

test('dockerode: [containers] start twice is 304, stop of a stopped container is 304, rm of a running one is 409', async () => {
  const c = await docker.createContainer({ name: uniqueName('do-codes'), Image: 'busybox', Cmd: ['sleep', '60'] });
  try {
    await c.start();
    // dockerode's status tables name 304 "container already started/stopped" and reject with it.
    await assert.rejects(c.start(), status(304));
    await assert.rejects(c.remove(), status(409));
    await c.stop({ t: 0 });
    await assert.rejects(c.stop({ t: 0 }), status(304));
    assert.equal((await c.inspect()).State.Running, false);
  } finally {
    await removeQuietly(c);
  }
});

test('dockerode: [exec] exec start streams demuxed output; inspect has the exit code', async () => {
  const c = await docker.createContainer({ name: uniqueName('do-exec'), Image: 'busybox', Cmd: ['sleep', '60'] });
  try {
    await c.start();
    const exec = await c.exec({ Cmd: ['sh', '-c', 'echo exec-out; echo exec-err >&2; exit 5'], AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({});
    assert.deepEqual(await demux(stream), { stdout: 'exec-out\n', stderr: 'exec-err\n' });
    const info = await exec.inspect();
    assert.equal(info.ExitCode, 5);
    assert.equal(info.Running, false);

    // With stdin, the hijacked form (Upgrade: tcp) as dockerode users write it for interactive execs.
    const cat = await c.exec({ Cmd: ['cat'], AttachStdin: true, AttachStdout: true, AttachStderr: true });
    const duplex = (await cat.start({ hijack: true, stdin: true })) as NodeJS.ReadWriteStream & { end(data?: string): void };
    const read = demux(duplex);
    duplex.end('piped-in\n');
    assert.deepEqual(await read, { stdout: 'piped-in\n', stderr: '' });
    assert.equal((await cat.inspect()).ExitCode, 0);
  } finally {
    await removeQuietly(c);
  }
});

test('dockerode: [build] buildImage from a tar context with followProgress; the image runs', async () => {
  const tag = `${uniqueName('do-build')}:1`;
  const tar = pack();
  tar.entry({ name: 'Dockerfile' }, 'FROM busybox\nCOPY greeting /greeting\nRUN echo built >> /greeting\nCMD ["cat", "/greeting"]\n');
  tar.entry({ name: 'greeting' }, 'hello from the context\n');
  tar.finalize();
  const stream = await docker.buildImage(asStream(tar), { t: tag });
  try {
    const messages = await follow(stream);
    const aux = messages.find((m) => typeof m['aux'] === 'object');
    assert.match(String((aux?.['aux'] as { ID?: string } | undefined)?.ID), /^sha256:[0-9a-f]{64}$/);
    const text = messages.map((m) => m['stream'] ?? '').join('');
    assert.match(text, /Successfully tagged /);

    const image = await docker.getImage(tag).inspect();
    assert.deepEqual(image.Config.Cmd, ['cat', '/greeting']);
    const c = await docker.createContainer({ Image: tag });
    try {
      await c.start();
      assert.equal(((await c.wait()) as { StatusCode: number }).StatusCode, 0);
      const logs = await c.logs({ stdout: true, stderr: true });
      assert.deepEqual(await demux(Readable.from([logs])), { stdout: 'hello from the context\nbuilt\n', stderr: '' });
    } finally {
      await removeQuietly(c);
    }
  } finally {
    await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
  }

  // A failing RUN ends the stream with an in-band error (followProgress hands it over as a message).
  const bad = pack();
  bad.entry({ name: 'Dockerfile' }, 'FROM busybox\nRUN exit 9\n');
  bad.finalize();
  const failed = await follow(await docker.buildImage(asStream(bad), { t: `${uniqueName('do-bad')}:1` }));
  const last = failed.at(-1) as { error?: string; errorDetail?: { code?: number; message?: string } } | undefined;
  assert.match(String(last?.error), /returned a non-zero code: 9/);
  assert.equal(last?.errorDetail?.code, 9);
});

test('dockerode: [registry] tag, push to a local registry, remove, pull back', async () => {
  const reg = registry!;
  const repo = `${reg.host}/${uniqueName('do-push')}`;
  const ref = `${repo}:v1`;
  await docker.getImage('busybox').tag({ repo, tag: 'v1' });
  try {
    const pushed = await follow(await docker.getImage(ref).push({}));
    const aux = pushed.find((m) => typeof m['aux'] === 'object')?.['aux'] as { Digest?: string; Tag?: string } | undefined;
    assert.equal(aux?.Tag, 'v1');
    assert.match(String(aux?.Digest), /^sha256:[0-9a-f]{64}$/);
    const manifest = await fetch(`http://${reg.host}/v2/${repo.slice(reg.host.length + 1)}/manifests/v1`, {
      headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    });
    assert.equal(manifest.status, 200);
    assert.equal(manifest.headers.get('docker-content-digest'), aux?.Digest);

    await docker.getImage(ref).remove();
    await assert.rejects(docker.getImage(ref).inspect(), status(404));
    const pulled = await follow(await docker.pull(ref));
    assert.ok(pulled.some((m) => String(m['status']).startsWith(`Digest: ${aux?.Digest}`)), JSON.stringify(pulled));
    const image = await docker.getImage(ref).inspect();
    assert.equal(image.Id, (await docker.getImage('busybox').inspect()).Id);
    assert.ok(image.RepoDigests.includes(`${repo}@${aux?.Digest}`), JSON.stringify(image.RepoDigests));

    // An image the registry does not have: dockerode rejects with the daemon's 404.
    await assert.rejects(
      docker.pull(`${reg.host}/absent-${uniqueName('x')}:1`).then(follow),
      (e: Error & { statusCode?: number }) => e.statusCode === 404 || /not found|does not exist/i.test(e.message),
    );
  } finally {
    await docker.getImage(ref).remove({ force: true }).catch(() => undefined);
  }
});

test('dockerode: [images] listImages, inspect, and image errors with dockerode status codes', async () => {
  const images = await docker.listImages();
  const busybox = images.find((i) => i.RepoTags?.includes('busybox:latest'));
  assert.ok(busybox, JSON.stringify(images.map((i) => i.RepoTags)));
  assert.equal(typeof busybox.Created, 'number');
  assert.match(busybox.Id, /^sha256:/);
  await assert.rejects(docker.getImage(`no-such-${uniqueName('img')}`).inspect(), (e: Error & { statusCode?: number }) => {
    return e.statusCode === 404 && /no such image/i.test(e.message);
  });
});

test('dockerode: [system] ping, version, info', async () => {
  assert.equal(String(await docker.ping()), 'OK');
  const v = await docker.version();
  assert.match(v.ApiVersion, /^1\.\d+$/);
  const info = await docker.info();
  assert.equal(typeof info.Containers, 'number');
});

test('dockerode: [networks] createNetwork, inspect, listNetworks by label, connect with an alias, disconnect, remove', async () => {
  const name = uniqueName('do-net');
  const net = await docker.createNetwork({ Name: name, Labels: { 'berth.test': name } });
  const containers: Docker.Container[] = [];
  try {
    const info = await net.inspect();
    assert.equal(info.Name, name);
    assert.equal(info.Driver, 'bridge');
    const listed = await docker.listNetworks({ filters: { label: [`berth.test=${name}`] } });
    assert.deepEqual(listed.map((n) => n.Name), [name]);

    // A server on the default bridge joins the network with an alias; a client on the network reaches it by that name.
    const server = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'echo by-alias > /i.html; exec httpd -f -p 80 -h /'] });
    containers.push(server);
    await server.start();
    await net.connect({ Container: server.id, EndpointConfig: { Aliases: ['do-alias'] } });
    const client = await docker.createContainer({ Image: 'busybox', Cmd: ['wget', '-qO-', 'http://do-alias/i.html'], HostConfig: { NetworkMode: name } });
    containers.push(client);
    await client.start();
    assert.equal(((await client.wait()) as { StatusCode: number }).StatusCode, 0);
    assert.deepEqual(await demux(Readable.from([await client.logs({ stdout: true, stderr: true })])), { stdout: 'by-alias\n', stderr: '' });
    assert.ok(Object.keys((await net.inspect()).Containers ?? {}).includes(server.id));
    await assert.rejects(net.remove(), status(403), 'the running server has an endpoint');

    await net.disconnect({ Container: server.id });
    assert.equal((await server.inspect()).NetworkSettings.Networks[name], undefined);
    for (const c of containers.splice(0)) await c.remove({ force: true });
    await net.remove();
    await assert.rejects(net.inspect(), status(404));
  } finally {
    for (const c of containers) await removeQuietly(c);
    await net.remove().catch(() => undefined);
  }
});

test('dockerode: [volumes] createVolume, inspect, listVolumes, data survives its container, remove', async () => {
  const name = uniqueName('do-vol');
  const vol = await docker.createVolume({ Name: name, Labels: { 'berth.test': name } });
  const containers: Docker.Container[] = [];
  try {
    assert.equal((await docker.getVolume(name).inspect()).Name, name);
    const { Volumes } = await docker.listVolumes({ filters: { label: [`berth.test=${name}`] } });
    assert.deepEqual(Volumes.map((v) => v.Name), [name]);
    const run = async (cmd: string): Promise<string> => {
      const c = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', cmd], HostConfig: { Binds: [`${name}:/data`] } });
      containers.push(c);
      await c.start();
      await c.wait();
      return (await demux(Readable.from([await c.logs({ stdout: true })]))).stdout;
    };
    await run('echo kept > /data/f');
    assert.equal(await run('cat /data/f'), 'kept\n');
    await assert.rejects(docker.getVolume(name).remove(), status(409));
    for (const c of containers.splice(0)) await c.remove();
    await docker.getVolume(name).remove();
    await assert.rejects(docker.getVolume(name).inspect(), status(404));
  } finally {
    for (const c of containers) await removeQuietly(c);
    await docker.getVolume(vol.name).remove().catch(() => undefined);
  }
});

/** Parses a JSON-lines event stream until `done` says enough or the stream ends. */
function readEvents(stream: NodeJS.ReadableStream, done: (events: DockerEvent[]) => boolean = () => false): Promise<DockerEvent[]> {
  const events: DockerEvent[] = [];
  let buf = '';
  return new Promise((resolve, reject) => {
    stream.on('data', (b: Buffer) => {
      buf += b.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) events.push(JSON.parse(line) as DockerEvent);
      }
      if (done(events)) resolve(events);
    });
    stream.on('error', reject);
    stream.on('end', () => resolve(events));
  });
}

interface DockerEvent {
  Type: string;
  Action: string;
  status?: string;
  id?: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  time: number;
  timeNano: number;
}

test('dockerode: [events] getEvents replays a container life between since and until, and streams live ones', async () => {
  const name = uniqueName('do-events');
  const since = Math.floor(Date.now() / 1000) - 1;
  const c = await docker.createContainer({ name, Image: 'busybox', Cmd: ['sh', '-c', 'exit 2'], Labels: { 'berth.test': name } });
  let live: NodeJS.ReadableStream | undefined;
  try {
    await c.start();
    await c.wait();
    await c.remove();
    const until = Math.ceil(Date.now() / 1000) + 1;
    const replay = await readEvents(await docker.getEvents({ since, until, filters: { label: [`berth.test=${name}`] } }));
    assert.deepEqual(
      replay.map((e) => e.Action),
      ['create', 'start', 'die', 'destroy'],
    );
    for (const e of replay) {
      assert.equal(e.Type, 'container');
      assert.equal(e.Actor.ID, c.id);
      assert.equal(e.Actor.Attributes['name'], name);
      assert.equal(e.Actor.Attributes['berth.test'], name);
      assert.equal(e.status, e.Action, 'the deprecated status field is still sent');
      assert.equal(e.time, Math.floor(e.timeNano / 1e9));
    }
    assert.equal(replay[2]?.Actor.Attributes['exitCode'], '2');

    // Live: the stream's headers arrive before the container exists, then its events follow.
    const name2 = uniqueName('do-events-live');
    live = await docker.getEvents({ filters: { container: [name2], event: ['start', 'die'] } });
    const seen = readEvents(live, (events) => events.some((e) => e.Action === 'die'));
    const c2 = await docker.createContainer({ name: name2, Image: 'busybox', Cmd: ['true'] });
    try {
      await c2.start();
      const events = await seen;
      assert.deepEqual(events.map((e) => `${e.Action} ${e.Actor.Attributes['name']}`), [`start ${name2}`, `die ${name2}`]);
    } finally {
      await removeQuietly(c2);
    }
  } finally {
    (live as unknown as { destroy?: () => void } | undefined)?.destroy?.();
    await removeQuietly(c);
  }
});

test('dockerode: [containers] hijacked attach with stdin: what is written reaches the container, end closes its stdin', async () => {
  const c = await docker.createContainer({
    name: uniqueName('do-stdin'),
    Image: 'busybox',
    Cmd: ['sh', '-c', 'tr a-z A-Z; echo done >&2'],
    OpenStdin: true,
    StdinOnce: true,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
  });
  try {
    const duplex = (await c.attach({ stream: true, hijack: true, stdin: true, stdout: true, stderr: true })) as NodeJS.ReadWriteStream & {
      end(data?: string): void;
    };
    const output = demux(duplex);
    await c.start();
    duplex.end('shout\n');
    assert.equal(((await c.wait()) as { StatusCode: number }).StatusCode, 0);
    assert.deepEqual(await output, { stdout: 'SHOUT\n', stderr: 'done\n' });
  } finally {
    await removeQuietly(c);
  }
});

test('dockerode: [containers] rename, pause and unpause, top, kill with a signal, restart', async () => {
  const name = uniqueName('do-ops');
  const c = await docker.createContainer({ name, Image: 'busybox', Cmd: ['sh', '-c', 'trap "exit 42" USR1; while true; do sleep 0.1; done'] });
  try {
    await c.start();
    const renamed = `${name}-new`;
    await c.rename({ name: renamed });
    assert.equal((await c.inspect()).Name, `/${renamed}`);
    await c.pause();
    assert.equal((await c.inspect()).State.Status, 'paused');
    await c.unpause();
    assert.equal((await c.inspect()).State.Status, 'running');
    const top = await c.top();
    assert.ok(top.Titles.includes('PID'), JSON.stringify(top.Titles));
    assert.ok(top.Processes.some((p: string[]) => p.join(' ').includes('trap')), JSON.stringify(top.Processes));
    await c.kill({ signal: 'SIGUSR1' });
    assert.equal(((await c.wait()) as { StatusCode: number }).StatusCode, 42);
    await c.restart({ t: 0 });
    const info = await c.inspect();
    assert.equal(info.State.Running, true);
    assert.ok(info.State.Pid > 0);
  } finally {
    await removeQuietly(c);
  }
});

test('dockerode: [stats] stats without streaming: memory, CPU and PIDs of a running container', async () => {
  const c = await docker.createContainer({ name: uniqueName('do-stats'), Image: 'busybox', Cmd: ['sleep', '60'] });
  try {
    await c.start();
    const s = await c.stats({ stream: false });
    assert.ok(s.memory_stats.usage > 0, JSON.stringify(s.memory_stats));
    assert.ok(s.memory_stats.limit > 0);
    assert.ok((s.pids_stats?.current ?? 0) >= 1, JSON.stringify(s.pids_stats));
    assert.equal(typeof s.cpu_stats.cpu_usage.total_usage, 'number');
  } finally {
    await removeQuietly(c);
  }
});

test('dockerode: [cp] putArchive before start, infoArchive stat header, getArchive, 404 for a missing path', async () => {
  const name = uniqueName('dd-cp');
  const c = await docker.createContainer({ name, Image: 'busybox', Cmd: ['cat', '/tmp/in/hello.txt'], Labels: { 'berth.test': name } });
  try {
    const p = pack();
    p.entry({ name: 'in/', type: 'directory', mode: 0o755 });
    p.entry({ name: 'in/hello.txt', mode: 0o640 }, 'hi there\n');
    p.finalize();
    const chunks: Buffer[] = [];
    for await (const chunk of p) chunks.push(chunk as Buffer);
    await c.putArchive(Buffer.concat(chunks), { path: '/tmp' });

    const res = (await c.infoArchive({ path: '/tmp/in/hello.txt' })) as { headers: Record<string, string> };
    const stat = JSON.parse(Buffer.from(res.headers['x-docker-container-path-stat'] ?? '', 'base64').toString()) as Record<string, unknown>;
    assert.deepEqual([stat['name'], stat['size'], stat['mode'], stat['linkTarget']], ['hello.txt', 9, 0o640, '']);

    const tar = (await c.getArchive({ path: '/tmp/in' })) as NodeJS.ReadableStream;
    const got: Buffer[] = [];
    for await (const chunk of tar) got.push(chunk as Buffer);
    const body = Buffer.concat(got);
    assert.equal(body.subarray(0, 3).toString(), 'in/');
    assert.ok(body.includes('hi there\n'));

    await assert.rejects(c.getArchive({ path: '/nope' }), (e: { statusCode?: number; message?: string }) => {
      assert.equal(e.statusCode, 404);
      assert.match(e.message ?? '', /Could not find the file \/nope in container/);
      return true;
    });
    await c.start();
    assert.equal(((await c.wait()) as { StatusCode: number }).StatusCode, 0);
    const logs = (await c.logs({ stdout: true, stderr: false })) as Buffer;
    assert.ok(logs.includes('hi there\n'));
  } finally {
    await removeQuietly(c);
  }
});

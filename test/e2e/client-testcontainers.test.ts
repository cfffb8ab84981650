/**
 * testcontainers-node 12, unmodified, against berthd. Its reaper (ryuk) is disabled: its image
 * cannot be fetched here, so every test stops what it started itself.
 * Test names carry `[area]` tags for scripts/compat-report.sh.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GenericContainer, Network, Wait, type StartedNetwork, type StartedTestContainer } from 'testcontainers';
import { api, SHARED_HOST, uniqueName } from './harness.js';

// testcontainers reads its configuration from the environment when it first needs a client.
process.env['DOCKER_HOST'] = SHARED_HOST;
process.env['TESTCONTAINERS_RYUK_DISABLED'] = 'true';

let context = '';
const image = `${uniqueName('tc-web')}:1`;
/** On every container, so that after() finds those a failed start left behind (testcontainers does not remove them). */
const RUN_LABEL = { 'berth.test': uniqueName('tc') };

before(async () => {
  context = await mkdtemp(join(tmpdir(), 'berth-tc-'));
  await writeFile(join(context, 'index.html'), 'hello from berth\n');
  await writeFile(
    join(context, 'Dockerfile'),
    'FROM busybox\nCOPY index.html /www/index.html\nEXPOSE 80\nCMD ["sh", "-c", "echo web ready; exec httpd -f -p 80 -h /www"]\n',
  );
});

after(async () => {
  const filters = encodeURIComponent(JSON.stringify({ label: [`berth.test=${RUN_LABEL['berth.test']}`] }));
  const left = (await api('GET', `/containers/json?all=1&filters=${filters}`)).json() as { Id: string }[];
  for (const c of left) await api('DELETE', `/containers/${c.Id}?force=1&v=1`);
  await api('DELETE', `/images/${image}?force=1`);
  await rm(context, { recursive: true, force: true });
});

async function stopQuietly(c: StartedTestContainer | undefined): Promise<void> {
  await c?.stop({ timeout: 0, remove: true, removeVolumes: true }).catch(() => undefined);
}

test('testcontainers: [build] [containers] fromDockerfile, exposed port, log, listening-port and HTTP waits, fetch from the mapped port', async () => {
  const built = await GenericContainer.fromDockerfile(context).build(image, { deleteOnExit: false });
  let web: StartedTestContainer | undefined;
  try {
    web = await built
      .withLabels(RUN_LABEL)
      .withExposedPorts(80)
      .withWaitStrategy(Wait.forAll([Wait.forLogMessage('web ready'), Wait.forListeningPorts(), Wait.forHttp('/', 80).forStatusCode(200)]))
      .withStartupTimeout(30_000)
      .start();
    const port = web.getMappedPort(80);
    assert.ok(port > 0 && port !== 80, `mapped port ${port}`);
    const res = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'hello from berth\n');

    const inside = await web.exec(['sh', '-c', 'cat /www/index.html; echo oops >&2; exit 4']);
    assert.equal(inside.exitCode, 4);
    assert.equal(inside.stdout, 'hello from berth\n');
    assert.equal(inside.stderr, 'oops\n');

    const labels = (await api('GET', `/containers/${web.getId()}/json`)).json() as { Config: { Labels: Record<string, string> } };
    assert.equal(labels.Config.Labels['org.testcontainers'], 'true');
  } finally {
    await stopQuietly(web);
  }
  if (web) assert.equal((await api('GET', `/containers/${web.getId()}/json`)).status, 404, 'stop removed the container');
});

test('testcontainers: [networks] a Network of two containers; one reaches the other by its alias', async () => {
  let network: StartedNetwork | undefined;
  let server: StartedTestContainer | undefined;
  let client: StartedTestContainer | undefined;
  try {
    network = await new Network().start();
    // The image of the first test, or a fresh build when this test runs alone.
    if ((await api('GET', `/images/${image}/json`)).status === 404) {
      await GenericContainer.fromDockerfile(context).build(image, { deleteOnExit: false });
    }
    server = await new GenericContainer(image)
      .withNetwork(network)
      .withLabels(RUN_LABEL)
      .withNetworkAliases('web-alias')
      .withWaitStrategy(Wait.forLogMessage('web ready'))
      .start();
    client = await new GenericContainer('busybox').withLabels(RUN_LABEL).withNetwork(network).withCommand(['sleep', '120']).start();
    const r = await client.exec(['wget', '-qO-', 'http://web-alias/']);
    assert.equal(r.exitCode, 0, r.output);
    assert.equal(r.stdout, 'hello from berth\n');
    assert.equal(client.getNetworkId(network.getName()), network.getId());
  } finally {
    await stopQuietly(client);
    await stopQuietly(server);
    await network?.stop().catch(() => undefined);
  }
});

test('testcontainers: [cp] content, files and directories copied before start and after, archive copied out', async () => {
  const src = await mkdtemp(join(tmpdir(), 'berth-tc-cp-'));
  let c: StartedTestContainer | undefined;
  try {
    await writeFile(join(src, 'f.txt'), 'from file\n');
    await mkdir(join(src, 'sub'));
    await writeFile(join(src, 'sub', 'g.txt'), 'in dir\n');
    c = await new GenericContainer('busybox')
      .withLabels(RUN_LABEL)
      .withCommand(['sleep', '300'])
      .withCopyContentToContainer([{ content: 'content!\n', target: '/tmp/content.txt' }])
      .withCopyFilesToContainer([{ source: join(src, 'f.txt'), target: '/opt/f.txt' }])
      .withCopyDirectoriesToContainer([{ source: join(src, 'sub'), target: '/opt/dir' }])
      .start();
    const before = await c.exec(['cat', '/tmp/content.txt', '/opt/f.txt', '/opt/dir/g.txt']);
    assert.equal(before.output, 'content!\nfrom file\nin dir\n');
    await c.copyContentToContainer([{ content: 'later\n', target: '/tmp/later.txt', mode: 0o600 }]);
    assert.equal((await c.exec(['stat', '-c', '%a %s', '/tmp/later.txt'])).output, '600 6\n');
    const tar = await c.copyArchiveFromContainer('/tmp/later.txt');
    const chunks: Buffer[] = [];
    for await (const chunk of tar) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    assert.equal(body.subarray(0, 9).toString(), 'later.txt');
    assert.ok(body.includes('later\n'));
  } finally {
    await stopQuietly(c);
    await rm(src, { recursive: true, force: true });
  }
});

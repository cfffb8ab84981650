/**
 * docker-compose 1.29 (Debian's package, docker-py underneath) against berthd, unmodified: a
 * two-service project with a built image, a user network, a named volume, a published port,
 * depends_on (also on a healthcheck) and environment, driven through up / ps / logs / exec / port / down.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, berth, runCommand, SHARED_HOST, uniqueName, waitFor, type RunResult } from './harness.js';

const COMPOSE_BIN = '/usr/bin/docker-compose';

/** Runs docker-compose in a project directory against the daemon under test. */
function compose(dir: string, project: string, args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
  return runCommand(COMPOSE_BIN, ['-f', join(dir, 'docker-compose.yml'), '-p', project, ...args], {
    // By default compose hands build and exec to the docker CLI, whose paths other suites cover:
    // these settings make compose use docker-py's own /build and exec calls instead.
    baseEnv: { DOCKER_HOST: SHARED_HOST, COMPOSE_DOCKER_CLI_BUILD: '0', COMPOSE_INTERACTIVE_NO_CLI: '1' },
    env,
    timeoutMs: 120_000,
  });
}

async function composeInstalled(): Promise<boolean> {
  try {
    return (await runCommand(COMPOSE_BIN, ['version'])).code === 0;
  } catch {
    return false;
  }
}

/** GET http://127.0.0.1:port/ from the host; resolves with the body. */
function httpGet(port: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/', timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolvePromise(body));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

interface Summary {
  Id: string;
  Names: string[];
  State: string;
  Labels: Record<string, string>;
}

async function projectContainers(project: string): Promise<Summary[]> {
  const filters = encodeURIComponent(JSON.stringify({ label: [`com.docker.compose.project=${project}`] }));
  const r = await api('GET', `/containers/json?all=1&filters=${filters}`);
  assert.equal(r.status, 200, r.body);
  return r.json() as Summary[];
}

/** Writes a project directory; the compose file is format 2.4, which 1.29 reads with every feature used here. */
async function writeProject(dir: string, services: string, extra = ''): Promise<void> {
  await mkdir(join(dir, 'a'), { recursive: true });
  await writeFile(
    join(dir, 'a', 'Dockerfile'),
    [
      'FROM busybox',
      'RUN mkdir -p /data && echo built > /built',
      'CMD ["sh", "-c", "echo \\"$GREETING\\" > /data/index.html && echo a-ready && exec httpd -f -v -p 80 -h /data"]',
      '',
    ].join('\n'),
  );
  await writeFile(join(dir, 'docker-compose.yml'), `version: "2.4"\nservices:\n${services}${extra}`);
}

/** Removes whatever a failed test left of a project: containers, network, volume, built image. */
async function purge(dir: string, project: string): Promise<void> {
  await compose(dir, project, ['down', '-v', '-t', '0']).catch(() => undefined);
  const ids = (await projectContainers(project)).map((c) => c.Id);
  if (ids.length) await berth(['rm', '-f', '-v', ...ids]);
  await berth(['network', 'rm', '-f', `${project}_back`]);
  await berth(['volume', 'rm', '-f', `${project}_data`]);
  await berth(['rmi', '-f', `${project}_a`]);
  await rm(dir, { recursive: true, force: true });
}

/**
 * A test on a fresh compose project (a unique project name and a temporary directory), skipped
 * where docker-compose is missing; the project's containers, network, volume, image and directory
 * are removed afterwards, whatever the outcome.
 */
function composeTest(name: string, body: (dir: string, project: string) => Promise<void>): void {
  test(name, async (t) => {
    if (!(await composeInstalled())) {
      t.skip('docker-compose is not installed (Debian package docker-compose; scripts/install.sh installs it)');
      return;
    }
    const project = uniqueName('cmp');
    const dir = await mkdtemp(join(tmpdir(), 'berth-compose-'));
    try {
      await body(dir, project);
    } finally {
      await purge(dir, project);
    }
  });
}

const SERVICE_A = `  a:
    build: ./a
    environment:
      GREETING: hello from a
    ports:
      - "127.0.0.1::80"
    volumes:
      - data:/data
    networks:
      - back
`;

const NETWORKS_AND_VOLUMES = `networks:
  back: {}
volumes:
  data: {}
`;

composeTest('docker-compose 1.29: [projects] [build] [networks] [volumes] [exec] up -d, ps, port, logs, exec -T, down -v of a two-service project', async (dir, project) => {
  // B resolves A by its service name on the project network, fetches its page, prints it and stays up.
  const serviceB = `  b:
    image: busybox
    depends_on:
      - a
    environment:
      - TARGET=a
    command: ["sh", "-c", "until nslookup $$TARGET >/tmp/ns 2>&1 && printf 'GET / HTTP/1.0\\\\r\\\\n\\\\r\\\\n' | nc $$TARGET 80 >/tmp/got; do sleep 0.2; done; cat /tmp/ns /tmp/got; echo b-done; exec sleep 3600"]
    networks:
      - back
`;
  await writeProject(dir, SERVICE_A + serviceB, NETWORKS_AND_VOLUMES);
  const up = await compose(dir, project, ['up', '-d']);
  assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
  assert.match(up.stderr, new RegExp(`Creating ${project}_a_1 \\.\\.\\. done`));
  assert.match(up.stderr, new RegExp(`Creating ${project}_b_1 \\.\\.\\. done`));

  // Containers running, named and labelled as compose does.
  const cs = await projectContainers(project);
  assert.deepEqual(cs.map((c) => c.Names[0]).sort(), [`/${project}_a_1`, `/${project}_b_1`]);
  for (const c of cs) {
    assert.equal(c.State, 'running', c.Names[0]);
    assert.equal(c.Labels['com.docker.compose.oneoff'], 'False');
    assert.equal(c.Labels['com.docker.compose.container-number'], '1');
    assert.equal(c.Labels['com.docker.compose.project.working_dir'], dir);
    assert.match(c.Labels['com.docker.compose.config-hash'] ?? '', /^[0-9a-f]{64}$/);
  }
  assert.deepEqual(cs.map((c) => c.Labels['com.docker.compose.service']).sort(), ['a', 'b']);

  // The image was built from the local Dockerfile and tagged <project>_a.
  const img = await berth(['image', 'inspect', '-f', '{{.Id}}', `${project}_a`]);
  assert.equal(img.code, 0, img.stderr);

  // The network and the volume exist under the project's names, with compose's labels.
  const net = await api('GET', `/networks/${project}_back`);
  assert.equal(net.status, 200, net.body);
  const netJson = net.json() as { Labels: Record<string, string>; Containers: Record<string, { Name: string }> };
  assert.equal(netJson.Labels['com.docker.compose.project'], project);
  assert.equal(netJson.Labels['com.docker.compose.network'], 'back');
  assert.deepEqual(Object.values(netJson.Containers).map((c) => c.Name).sort(), [`${project}_a_1`, `${project}_b_1`]);
  const vol = await api('GET', `/volumes/${project}_data`);
  assert.equal(vol.status, 200, vol.body);
  assert.equal((vol.json() as { Labels: Record<string, string> }).Labels['com.docker.compose.volume'], 'data');

  // ps lists both services up, with A's published port.
  const ps = await compose(dir, project, ['ps']);
  assert.equal(ps.code, 0, ps.stderr);
  const portOut = await compose(dir, project, ['port', 'a', '80']);
  assert.equal(portOut.code, 0, portOut.stderr);
  const m = /^127\.0\.0\.1:(\d+)\n$/.exec(portOut.stdout);
  assert.ok(m, `port output: ${portOut.stdout}`);
  const hostPort = Number(m[1]);
  assert.match(ps.stdout, new RegExp(`${project}_a_1 .* Up +127\\.0\\.0\\.1:${hostPort}->80/tcp`));
  assert.match(ps.stdout, new RegExp(`${project}_b_1 .* Up`));
  const services = await compose(dir, project, ['ps', '--services']);
  assert.deepEqual(services.stdout.split('\n').filter(Boolean).sort(), ['a', 'b']);

  // The published port answers from the host with A's environment-derived page.
  let page = '';
  await waitFor('A on the published port', async () => (page = await httpGet(hostPort).catch(() => '')) !== '', 30_000);
  assert.equal(page, 'hello from a\n');

  // B reached A by service name: its log holds the name lookup and A's page.
  let bLogs = '';
  await waitFor('B to reach A', async () => (bLogs = (await compose(dir, project, ['logs', '--no-color', 'b'])).stdout).includes('b-done'), 30_000);
  assert.match(bLogs, new RegExp(`^b_1 +\\| Name:\\s+a$`, 'm'));
  assert.match(bLogs, /^b_1 +\| HTTP\/1\.[01] 200 OK/m);
  assert.match(bLogs, /^b_1 +\| hello from a$/m);
  const aLogs = await compose(dir, project, ['logs', '--no-color', 'a']);
  assert.match(aLogs.stdout, /^a_1 +\| a-ready$/m);
  assert.match(aLogs.stdout, /^a_1 +\| .*response:200/m);

  // exec -T: output, exit status and the service's environment; docker-py's exec prints both
  // streams on stdout, compose's default path (the docker CLI) keeps them apart.
  const cmd = ['exec', '-T', 'a', 'sh', '-c', 'cat /built; echo "$GREETING" >&2'];
  const ex = await compose(dir, project, cmd);
  assert.equal(ex.code, 0, ex.stderr);
  assert.equal(ex.stdout, 'built\nhello from a\n');
  const viaCli = await compose(dir, project, cmd, { COMPOSE_INTERACTIVE_NO_CLI: '' });
  assert.equal(viaCli.code, 0, viaCli.stderr);
  assert.equal(viaCli.stdout, 'built\n');
  assert.equal(viaCli.stderr, 'hello from a\n');
  const failing = await compose(dir, project, ['exec', '-T', 'b', 'sh', '-c', 'exit 3']);
  assert.equal(failing.code, 3);

  // The page lives in the named volume: another container mounting it sees it.
  const fromVolume = await berth(['run', '--rm', '-v', `${project}_data:/v`, 'busybox', 'cat', '/v/index.html']);
  assert.equal(fromVolume.stdout, 'hello from a\n', fromVolume.stderr);

  const down = await compose(dir, project, ['down', '-v', '-t', '1']);
  assert.equal(down.code, 0, down.stderr);
  assert.match(down.stderr, new RegExp(`Removing network ${project}_back`));
  assert.match(down.stderr, new RegExp(`Removing volume ${project}_data`));
  assert.deepEqual(await projectContainers(project), [], 'down removes the containers');
  assert.equal((await api('GET', `/networks/${project}_back`)).status, 404, 'down removes the network');
  assert.equal((await api('GET', `/volumes/${project}_data`)).status, 404, 'down -v removes the volume');
  const ps2 = await compose(dir, project, ['ps', '-q']);
  assert.equal(ps2.stdout, '');
});

composeTest('docker-compose 1.29: [projects] [containers] a changed service is recreated, its named volume kept; pause, stop, start, kill, rm', async (dir, project) => {
  await writeProject(dir, SERVICE_A, NETWORKS_AND_VOLUMES);
  const up = await compose(dir, project, ['up', '-d']);
  assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
  const [first] = await projectContainers(project);
  assert.ok(first);
  const mark = await compose(dir, project, ['exec', '-T', 'a', 'sh', '-c', 'echo kept > /data/mark']);
  assert.equal(mark.code, 0, mark.stderr);

  const again = await compose(dir, project, ['up', '-d']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, new RegExp(`${project}_a_1 is up-to-date`));

  // A new environment value changes the config hash: compose stops, renames, recreates and removes the old one.
  await writeProject(dir, SERVICE_A.replace('hello from a', 'changed'), NETWORKS_AND_VOLUMES);
  const re = await compose(dir, project, ['up', '-d', '-t', '1']);
  assert.equal(re.code, 0, `${re.stdout}\n${re.stderr}`);
  assert.match(re.stderr, new RegExp(`Recreating ${project}_a_1 \\.\\.\\. done`));
  const cs = await projectContainers(project);
  assert.equal(cs.length, 1);
  assert.notEqual(cs[0]?.Id, first.Id);
  assert.equal(cs[0]?.Names[0], `/${project}_a_1`);
  assert.equal(cs[0]?.State, 'running');
  const read = await compose(dir, project, ['exec', '-T', 'a', 'cat', '/data/mark', '/data/index.html']);
  assert.equal(read.stdout, 'kept\nchanged\n', `exit ${read.code}: ${read.stderr}`);

  // The lifecycle commands, each checked through the container's state.
  const stateOfA = async (): Promise<string | undefined> => (await projectContainers(project))[0]?.State;
  assert.equal((await compose(dir, project, ['pause', 'a'])).code, 0);
  assert.equal(await stateOfA(), 'paused');
  assert.equal((await compose(dir, project, ['unpause', 'a'])).code, 0);
  assert.equal(await stateOfA(), 'running');
  assert.equal((await compose(dir, project, ['stop', '-t', '1', 'a'])).code, 0);
  assert.equal(await stateOfA(), 'exited');
  assert.equal((await compose(dir, project, ['start', 'a'])).code, 0);
  assert.equal(await stateOfA(), 'running');
  assert.equal((await compose(dir, project, ['kill', 'a'])).code, 0);
  assert.equal(await stateOfA(), 'exited');
  const rmA = await compose(dir, project, ['rm', '-f', 'a']);
  assert.match(rmA.stderr, new RegExp(`Removing ${project}_a_1 \\.\\.\\. done`));
  assert.deepEqual(await projectContainers(project), []);

  const down = await compose(dir, project, ['down', '-v', '-t', '1']);
  assert.equal(down.code, 0, down.stderr);
  assert.equal((await api('GET', `/volumes/${project}_data`)).status, 404);
});

composeTest('docker-compose 1.29: [projects] [events] attached up streams both services and passes on --exit-code-from', async (dir, project) => {
  await writeFile(
    join(dir, 'docker-compose.yml'),
    `version: "2.4"
services:
  one:
    image: busybox
    command: ["sh", "-c", "echo one-says-hi; sleep 1; echo one-bye; exit 4"]
  two:
    image: busybox
    command: ["sh", "-c", "echo two-up; exec sleep 30"]
`,
  );
  const up = await compose(dir, project, ['up', '--no-color', '--exit-code-from', 'one', '-t', '1']);
  assert.equal(up.code, 4, `${up.stdout}\n${up.stderr}`);
  assert.match(up.stdout, /^one_1 +\| one-says-hi$/m);
  assert.match(up.stdout, /^one_1 +\| one-bye$/m);
  assert.match(up.stdout, /^two_1 +\| two-up$/m);
  assert.match(up.stdout, new RegExp(`${project}_one_1 exited with code 4`));
  // Aborting stops the other service; its container stays until down.
  const cs = await projectContainers(project);
  assert.deepEqual(cs.map((c) => `${c.Names[0]} ${c.State}`).sort(), [`/${project}_one_1 exited`, `/${project}_two_1 exited`]);
  const down = await compose(dir, project, ['down']);
  assert.equal(down.code, 0, down.stderr);
  assert.match(down.stderr, new RegExp(`Removing network ${project}_default`));
  assert.deepEqual(await projectContainers(project), []);
  assert.equal((await api('GET', `/networks/${project}_default`)).status, 404);
});

composeTest('docker-compose 1.29: [projects] [health] depends_on condition service_healthy waits for the healthcheck', async (dir, project) => {
  // A becomes healthy only once /tmp/ready exists, about two seconds after it starts; C never does.
  await writeFile(
    join(dir, 'docker-compose.yml'),
    `version: "2.4"
services:
  a:
    image: busybox
    command: ["sh", "-c", "sleep 2; touch /tmp/ready; exec sleep 3600"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 500ms
      timeout: 2s
      retries: 20
  b:
    image: busybox
    command: ["sleep", "3600"]
    depends_on:
      a:
        condition: service_healthy
  c:
    image: busybox
    command: ["sleep", "3600"]
    healthcheck:
      test: ["CMD", "false"]
      interval: 300ms
      retries: 2
  d:
    image: busybox
    command: ["sleep", "3600"]
    depends_on:
      c:
        condition: service_healthy
`,
  );
  const inspect = async (name: string) => {
    const r = await api('GET', `/containers/${name}/json`);
    assert.equal(r.status, 200, r.body);
    return r.json() as { State: { StartedAt: string; Health?: { Status: string; Log: { Start: string; End: string; ExitCode: number }[] } } };
  };
  const up = await compose(dir, project, ['up', '-d', 'b']);
  assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
  const a = await inspect(`${project}_a_1`);
  assert.equal(a.State.Health?.Status, 'healthy');
  const firstPass = a.State.Health?.Log.find((l) => l.ExitCode === 0);
  assert.ok(firstPass, 'a passing probe is logged');
  const b = await inspect(`${project}_b_1`);
  assert.ok(Date.parse(b.State.StartedAt) >= Date.parse(firstPass.End), `b started (${b.State.StartedAt}) after a became healthy (${firstPass.End})`);
  const ps = await compose(dir, project, ['ps']);
  assert.match(ps.stdout, new RegExp(`${project}_a_1 .* Up \\(healthy\\)`));

  const bad = await compose(dir, project, ['up', '-d', 'd']);
  assert.equal(bad.code, 1, `${bad.stdout}\n${bad.stderr}`);
  assert.match(bad.stderr, new RegExp(`Container "[0-9a-f]+" is unhealthy`));
  assert.equal((await inspect(`${project}_c_1`)).State.Health?.Status, 'unhealthy');
  assert.deepEqual((await projectContainers(project)).filter((c) => c.Names[0] === `/${project}_d_1`), [], 'd is never created');
});

composeTest('docker-compose 1.29: [networks] links: the alias resolves to the linked service for the linking one only', async (dir, project) => {
  await writeProject(
    dir,
    `  db:
    image: busybox
    command: ["sleep", "3600"]
  app:
    image: busybox
    command: ["sleep", "3600"]
    links:
      - "db:database"
`,
  );
  const up = await compose(dir, project, ['up', '-d']);
  assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
  const db = (await api('GET', `/containers/${project}_db_1/json`)).json() as { NetworkSettings: { Networks: Record<string, { IPAddress: string }> } };
  const ip = db.NetworkSettings.Networks[`${project}_default`]?.IPAddress;
  assert.ok(ip, 'db on the project network');
  const lookup = await berth(['exec', `${project}_app_1`, 'sh', '-c', 'nslookup database | grep -A1 "^Name:" | tail -n 1']);
  assert.equal(lookup.stdout.trim(), `Address: ${ip}`, lookup.stderr);
  const fromDb = await berth(['exec', `${project}_db_1`, 'nslookup', 'database']);
  assert.notEqual(fromDb.code, 0, 'the alias resolved for the service without the link');
});

/**
 * `run`/`create` flags berth once took and ignored, through both CLIs and the raw API: each now
 * works as Docker's (`--annotation`, `--link`, `--link-local-ip`) or is refused with dockerd's own
 * status and message, leaving nothing behind (`--storage-opt`, `--volume-driver`, `--gpus`,
 * `--ip6`, `--userns`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { api, CLIENTS, SHARED_HOST, uniqueName, type RunResult } from './harness.js';

type Run = (typeof CLIENTS)[number]['run'];

/** The daemon's runtime root: the directory of its socket; bundles are under containers/<id>. */
const RUN_ROOT = dirname(SHARED_HOST.replace(/^unix:\/\//, ''));

function ok(r: RunResult, what: string): string {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}`);
  return r.stdout;
}

/** A refusal by the daemon as both CLIs print it: a failure (125 from run and create) and dockerd's message. */
function refused(r: RunResult, message: string): void {
  assert.notEqual(r.code, 0, r.stderr);
  assert.ok(r.stderr.includes('Error response from daemon: '), r.stderr);
  assert.ok(r.stderr.includes(message), r.stderr);
}

async function containerIds(run: Run): Promise<string> {
  return (await run(['ps', '-aq', '--no-trunc'])).stdout;
}

for (const { name: client, run } of CLIENTS) {
  test(`${client}: --annotation reaches the runtime spec and inspect`, async () => {
    const name = uniqueName('annot');
    try {
      const id = ok(await run(['run', '-d', '--name', name, '--annotation', 'org.example.key=a=b', '--annotation', 'bare', 'busybox', 'sleep', '60']), 'run').trim();
      const spec = JSON.parse(readFileSync(join(RUN_ROOT, 'containers', id, 'config.json'), 'utf8')) as { annotations?: Record<string, string> };
      assert.equal(spec.annotations?.['org.example.key'], 'a=b');
      assert.equal(spec.annotations?.['bare'], '');
      const shown = ok(await run(['inspect', '--format', '{{json .HostConfig.Annotations}}', name]), 'inspect').trim();
      assert.deepEqual(JSON.parse(shown), { bare: '', 'org.example.key': 'a=b' });
      // The list shows them from API 1.46, as dockerd's.
      const list = async (version: string) =>
        ((await api('GET', `/v${version}/containers/json?filters=${encodeURIComponent(JSON.stringify({ name: [name] }))}`)).json() as { HostConfig: { Annotations?: unknown } }[])[0]?.HostConfig;
      assert.deepEqual((await list('1.46'))?.Annotations, { bare: '', 'org.example.key': 'a=b' });
      assert.equal((await list('1.45'))?.Annotations, undefined);
    } finally {
      await run(['rm', '-f', name]);
    }
  });

  test(`${client}: --storage-opt is refused at create as dockerd's overlay2 without xfs quotas`, async () => {
    const before = await containerIds(run);
    refused(await run(['run', '--rm', '--storage-opt', 'size=1G', 'busybox', 'true']), "--storage-opt is supported only for overlay over xfs with 'pquota' mount option");
    refused(await run(['create', '--storage-opt', 'Foo=bar', 'busybox']), 'Unknown option foo');
    assert.equal(await containerIds(run), before, 'a container was left');
    const bad = await run(['create', '--storage-opt', 'size', 'busybox']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /invalid storage option/);
  });

  test(`${client}: --volume-driver and volume-driver= other than local are dockerd's missing plugin, nothing created`, async () => {
    const vol = uniqueName('vd');
    const before = await containerIds(run);
    const plugin = 'plugin "nosuchdriver" not found';
    // `--pull never`: the docker CLI takes the 404 as a missing image otherwise, as with dockerd.
    refused(
      await run(['run', '--rm', '--pull', 'never', '--volume-driver', 'nosuchdriver', '-v', `${vol}:/data`, 'busybox', 'true']),
      `create ${vol}: error looking up volume plugin nosuchdriver: ${plugin}`,
    );
    refused(await run(['create', '--pull', 'never', '--mount', `type=volume,src=${vol},dst=/data,volume-driver=nosuchdriver`, 'busybox']), `create ${vol}: error looking up volume plugin nosuchdriver: ${plugin}`);
    const anonymous = await run(['create', '--pull', 'never', '--volume-driver', 'nosuchdriver', '-v', '/data', 'busybox']);
    assert.match(anonymous.stderr, new RegExp(`create [0-9a-f]{64}: error looking up volume plugin nosuchdriver: ${plugin}`));
    assert.equal(await containerIds(run), before, 'a container was left');
    assert.notEqual((await run(['volume', 'inspect', vol])).code, 0, 'the volume was created');
    refused(await run(['volume', 'create', '-d', 'nosuchdriver', vol]), `create ${vol}: error looking up volume plugin nosuchdriver: ${plugin}`);
    // A bind takes no driver; `local` is the one there is.
    const name = uniqueName('vd');
    try {
      assert.equal(ok(await run(['run', '--name', name, '--volume-driver', 'local', '-v', `${vol}:/data`, 'busybox', 'sh', '-c', 'echo ok > /data/f && cat /data/f']), 'run').trim(), 'ok');
    } finally {
      await run(['rm', '-f', name]);
      await run(['volume', 'rm', '-f', vol]);
    }
  });

  test(`${client}: --gpus is recorded and fails the start as dockerd without a device driver`, async () => {
    const name = uniqueName('gpu');
    try {
      ok(await run(['create', '--name', name, '--gpus', 'all', 'busybox', 'true']), 'create');
      const shown = ok(await run(['inspect', '--format', '{{json .HostConfig.DeviceRequests}}', name]), 'inspect').trim();
      assert.deepEqual(JSON.parse(shown), [{ Driver: '', Count: -1, DeviceIDs: null, Capabilities: [['gpu']], Options: {} }]);
      const start = await run(['start', name]);
      assert.notEqual(start.code, 0);
      assert.match(start.stderr, /Error response from daemon: could not select device driver "" with capabilities: \[\[gpu\]\]/);
      assert.equal(ok(await run(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', name]), 'inspect').trim(), 'created 128');
    } finally {
      await run(['rm', '-f', name]);
    }
  });

  test(`${client}: --userns takes host only, as docker's CLI`, async () => {
    const r = await run(['create', '--userns', 'private', 'busybox']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /--userns: invalid USER mode/);
    const name = uniqueName('userns');
    try {
      ok(await run(['create', '--name', name, '--userns', 'host', 'busybox']), 'create');
      assert.equal(ok(await run(['inspect', '--format', '{{.HostConfig.UsernsMode}}', name]), 'inspect').trim(), 'host');
    } finally {
      await run(['rm', '-f', name]);
    }
  });

  test(`${client}: --link on the default bridge writes the linked container's hosts line and variables`, async () => {
    const db = uniqueName('db');
    const app = uniqueName('app');
    try {
      refused(await run(['create', '--link', `${db}:data`, 'busybox']), `could not get container for ${db}: No such container: ${db}`);
      ok(await run(['run', '-d', '--name', db, '-h', 'dbhost', '-e', 'SECRET=s3', '--expose', '5432', 'busybox', 'sleep', '60']), 'run db');
      const ip = ok(await run(['inspect', '--format', '{{.NetworkSettings.IPAddress}}', db]), 'inspect').trim();
      const out = ok(await run(['run', '--name', app, '--link', `${db}:data`, 'busybox', 'sh', '-c', 'cat /etc/hosts; env']), 'run app');
      assert.ok(out.includes(`${ip}\tdata dbhost ${db}\n`), out);
      for (const v of [`DATA_PORT=tcp://${ip}:5432`, `DATA_PORT_5432_TCP_ADDR=${ip}`, `DATA_NAME=/${app}/data`, 'DATA_ENV_SECRET=s3']) assert.ok(out.split('\n').includes(v), `${v} missing:\n${out}`);
      assert.equal(ok(await run(['inspect', '--format', '{{json .HostConfig.Links}}', app]), 'inspect').trim(), JSON.stringify([`/${db}:/${app}/data`]));
      // The link follows a rename of either end, as dockerd's.
      ok(await run(['rename', db, `${db}-2`]), 'rename');
      ok(await run(['rename', app, `${app}-2`]), 'rename');
      assert.equal(ok(await run(['inspect', '--format', '{{json .HostConfig.Links}}', `${app}-2`]), 'inspect').trim(), JSON.stringify([`/${db}-2:/${app}-2/data`]));
      const again = ok(await run(['start', '-a', `${app}-2`]), 'start again');
      assert.ok(again.split('\n').includes(`DATA_NAME=/${app}-2/data`), again);
      ok(await run(['rename', `${db}-2`, db]), 'rename back');
      ok(await run(['rename', `${app}-2`, app]), 'rename back');
      // A linked container started again at another address: the running linking one's hosts follow.
      const holder = uniqueName('holder');
      ok(await run(['run', '-d', '--name', `${app}-r`, '--link', `${db}:data`, 'busybox', 'sleep', '60']), 'run linking');
      try {
        ok(await run(['stop', '-t', '0', db]), 'stop');
        ok(await run(['run', '-d', '--name', holder, 'busybox', 'sleep', '60']), 'run holder');
        ok(await run(['start', db]), 'start');
        const moved = ok(await run(['inspect', '--format', '{{.NetworkSettings.IPAddress}}', db]), 'inspect').trim();
        assert.notEqual(moved, ip, 'the address did not change');
        const hosts = ok(await run(['exec', `${app}-r`, 'cat', '/etc/hosts']), 'exec');
        assert.ok(hosts.includes(`${moved}\tdata dbhost ${db}\n`) && !hosts.includes(`${ip}\t`), hosts);
      } finally {
        await run(['rm', '-f', `${app}-r`, holder]);
      }
      ok(await run(['stop', '-t', '0', db]), 'stop');
      const start = await run(['start', app]);
      assert.notEqual(start.code, 0);
      assert.match(start.stderr, new RegExp(`Cannot link to a non running container: /${db} AS /${app}/data`));
      // `rm --link PARENT/ALIAS` takes the link away; both containers stay.
      refused(await run(['rm', '--link', `/${app}/nosuch`]), `No such container: ${app}/nosuch`);
      assert.equal(ok(await run(['rm', '--link', `/${app}/data`]), 'rm --link').trim(), `/${app}/data`);
      assert.equal(ok(await run(['inspect', '--format', '{{json .HostConfig.Links}}', app]), 'inspect').trim(), 'null');
      ok(await run(['start', app]), 'start without the link');
      refused(await run(['create', '--net', 'host', '--link', db, 'busybox']), "conflicting options: host type networking can't be used with links. This would result in undefined behavior");
    } finally {
      await run(['rm', '-f', app, db]);
    }
  });

  test(`${client}: --link on a user network: the alias resolves to the linked container for the linking one only`, async () => {
    const net = uniqueName('lnet');
    const db = uniqueName('db');
    const app = uniqueName('app');
    const bridged = uniqueName('bridged');
    ok(await run(['network', 'create', net]), 'network create');
    try {
      ok(await run(['run', '-d', '--name', db, '--network', net, 'busybox', 'sleep', '60']), 'run db');
      const ip = ok(await run(['inspect', '--format', `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`, db]), 'inspect').trim();
      const out = ok(await run(['run', '--name', app, '--network', net, '--link', `${db}:database`, 'busybox', 'sh', '-c', 'nslookup database | grep -A1 "^Name:" | tail -n 1; env']), 'run app');
      assert.match(out, new RegExp(`^Address: ${ip.replaceAll('.', '\\.')}$`, 'm'));
      assert.ok(!out.includes('DATABASE_NAME='), 'legacy link variables on a user network');
      const shown = ok(await run(['inspect', '--format', `{{json .HostConfig.Links}} {{json (index .NetworkSettings.Networks "${net}").Links}}`, app]), 'inspect').trim();
      assert.equal(shown, `null ["${db}:database"]`);
      const other = await run(['run', '--rm', '--network', net, 'busybox', 'nslookup', 'database']);
      assert.notEqual(other.code, 0, 'the alias resolved for a container without the link');
      // A legacy link from the default bridge needs the linked container there.
      ok(await run(['create', '--name', bridged, '--link', db, 'busybox', 'true']), 'create');
      const start = await run(['start', bridged]);
      assert.notEqual(start.code, 0);
      assert.match(start.stderr, new RegExp(`Cannot link to /${db}, as it does not belong to the default network`));
    } finally {
      await run(['rm', '-f', app, db, bridged]);
      await run(['network', 'rm', net]);
    }
  });

  test(`${client}: --ip6 is refused where no network has IPv6; --link-local-ip adds the address`, async () => {
    const before = await containerIds(run);
    refused(await run(['create', '--ip6', '2001:db8::5', 'busybox']), 'user specified IP address is supported on user defined networks only');
    // Every complaint, one a line, as dockerd's.
    refused(await run(['create', '--ip6', 'nonsense', 'busybox']), 'invalid endpoint settings:\nuser specified IP address is supported on user defined networks only\ninvalid IPv6 address: nonsense');
    refused(await run(['create', '--link-local-ip', 'nonsense', 'busybox']), 'invalid link-local IP address: nonsense');
    const net = uniqueName('v4only');
    ok(await run(['network', 'create', '--subnet', '10.231.7.0/24', net]), 'network create');
    const name = uniqueName('ll');
    const running = uniqueName('ll');
    try {
      refused(await run(['create', '--network', net, '--ip6', '2001:db8::5', 'busybox']), 'user specified IP address is supported only when connecting to networks with user configured subnets');
      assert.equal(await containerIds(run), before, 'a container was left');
      const out = ok(await run(['run', '--name', name, '--link-local-ip', '169.254.10.10', 'busybox', 'ip', '-o', '-4', 'addr', 'show', 'eth0']), 'run');
      assert.match(out, /inet 169\.254\.10\.10\/16 /);
      const shown = ok(await run(['inspect', '--format', '{{json .NetworkSettings.Networks.bridge.IPAMConfig.LinkLocalIPs}}', name]), 'inspect').trim();
      assert.deepEqual(JSON.parse(shown), ['169.254.10.10']);
      // `network connect` takes them too.
      ok(await run(['run', '-d', '--name', running, 'busybox', 'sleep', '60']), 'run');
      refused(await run(['network', 'connect', '--ip6', '2001:db8::6', net, running]), 'user specified IP address is supported only when connecting to networks with user configured subnets');
      ok(await run(['network', 'connect', '--link-local-ip', '169.254.20.20', net, running]), 'connect');
      assert.match(ok(await run(['exec', running, 'ip', '-o', '-4', 'addr', 'show', 'eth1']), 'exec'), /inet 169\.254\.20\.20\/16 /);
    } finally {
      await run(['rm', '-f', name, running]);
      await run(['network', 'rm', net]);
    }
  });
}

test('API: statuses as dockerd: storage-opt 500 at create, volume driver 404, gpus 500 at start, link 400; Annotations from 1.43', async () => {
  const create = (hostConfig: object, version = '1.50') => api('POST', `/v${version}/containers/create`, { Image: 'busybox', Cmd: ['true'], HostConfig: hostConfig });
  const storage = await create({ StorageOpt: { size: '1G' } });
  assert.equal(storage.status, 500, storage.body);
  const driver = await create({ VolumeDriver: 'nosuchdriver', Binds: ['vdapi:/data'] });
  assert.equal(driver.status, 404, driver.body);
  assert.deepEqual(driver.json(), { message: 'create vdapi: error looking up volume plugin nosuchdriver: plugin "nosuchdriver" not found' });
  const link = await create({ Links: ['nosuch-linked'] });
  assert.equal(link.status, 400, link.body);
  assert.deepEqual(link.json(), { message: 'could not get container for nosuch-linked: No such container: nosuch-linked' });
  const volume = await api('POST', '/v1.50/volumes/create', { Name: 'vdapi', Driver: 'nosuchdriver' });
  assert.equal(volume.status, 404, volume.body);

  const ids: string[] = [];
  try {
    const gpu = await create({ DeviceRequests: [{ Driver: '', Count: -1, Capabilities: [['gpu', 'utility']] }] });
    assert.equal(gpu.status, 201, gpu.body);
    ids.push((gpu.json() as { Id: string }).Id);
    const start = await api('POST', `/v1.50/containers/${ids[0]}/start`);
    assert.equal(start.status, 500, start.body);
    assert.deepEqual(start.json(), { message: 'could not select device driver "" with capabilities: [[gpu utility]]' });
    // `rm --link` of a container's own name, as dockerd answers it; the container stays.
    const ownName = await api('DELETE', `/v1.50/containers/${ids[0]}?link=1`);
    assert.equal(ownName.status, 500, ownName.body);
    assert.deepEqual(ownName.json(), { message: 'Conflict, cannot remove the default link name of the container' });
    assert.equal((await api('GET', `/v1.50/containers/${ids[0]}/json`)).status, 200);
    // Before API 1.43 a client's Annotations are not its own: dockerd drops them.
    const old = await create({ Annotations: { 'org.example': 'x' } }, '1.42');
    assert.equal(old.status, 201, old.body);
    ids.push((old.json() as { Id: string }).Id);
    const shown = (await api('GET', `/v1.50/containers/${ids[1]}/json`)).json() as { HostConfig: { Annotations?: unknown } };
    assert.equal(shown.HostConfig.Annotations, undefined);
  } finally {
    for (const id of ids) await api('DELETE', `/v1.50/containers/${id}?force=1`);
  }
});

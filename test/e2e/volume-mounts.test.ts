/**
 * The local driver's mount options (`volume create -o type=… -o device=… -o o=…`, `--mount
 * volume-opt=…`): the file system is mounted on the volume's _data while a container holds it, as
 * dockerd's local driver does, and never removed through.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLIENTS, api, berth, makeBusybox, mountsUnder, startPrivateDaemon, uniqueName, waitFor, type RunResult } from './harness.js';

function ok(r: RunResult, what: string): string {
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  return r.stdout;
}

async function mounted(path: string): Promise<boolean> {
  return (await mountsUnder(path)).includes(path);
}

for (const { name: client, run } of CLIENTS) {
  test(`${client}: a volume of type=none,o=bind shows the host directory while a container holds it; rm leaves the directory's files`, async () => {
    const vol = uniqueName('bindvol');
    const c1 = uniqueName('bv1');
    const dir = await mkdtemp(join(tmpdir(), 'berth-bindvol-'));
    try {
      await writeFile(join(dir, 'seed'), 'from the host\n');
      ok(await run(['volume', 'create', '-o', 'type=none', '-o', 'o=bind', '-o', `device=${dir}`, vol]), 'create');
      const [info] = JSON.parse(ok(await run(['volume', 'inspect', vol]), 'inspect')) as { Mountpoint: string; Options: Record<string, string> }[];
      assert.deepEqual(info?.Options, { device: dir, o: 'bind', type: 'none' });
      const mp = info?.Mountpoint ?? '';
      assert.equal(await mounted(mp), false, 'nothing is mounted before a container uses it');

      ok(await run(['run', '-d', '--name', c1, '-v', `${vol}:/data`, 'busybox', 'sleep', '1000']), 'run -d');
      assert.equal(await mounted(mp), true, 'mounted while the container runs');
      assert.equal(ok(await run(['exec', c1, 'cat', '/data/seed']), 'exec cat'), 'from the host\n');
      ok(await run(['exec', c1, 'sh', '-c', 'echo from the container > /data/new']), 'exec write');
      assert.equal(await readFile(join(dir, 'new'), 'utf8'), 'from the container\n');
      // A second holder comes and goes: the first keeps the mount.
      assert.equal(ok(await run(['run', '--rm', '-v', `${vol}:/v`, 'busybox', 'cat', '/v/new']), 'second holder'), 'from the container\n');
      assert.equal(await mounted(mp), true, 'still mounted for the first holder');

      ok(await run(['stop', '-t', '0', c1]), 'stop');
      assert.equal(await mounted(mp), false, 'unmounted with its last holder');
      // cp of a stopped container sees the volume's file system, as dockerd's, and leaves it unmounted.
      const out = join(dir, 'copied-out');
      ok(await run(['cp', `${c1}:/data/seed`, out]), 'cp from');
      assert.equal(await readFile(out, 'utf8'), 'from the host\n');
      await rm(out);
      await writeFile(join(tmpdir(), `${vol}-in`), 'copied in\n');
      ok(await run(['cp', join(tmpdir(), `${vol}-in`), `${c1}:/data/copied`]), 'cp to');
      await rm(join(tmpdir(), `${vol}-in`));
      assert.equal(await readFile(join(dir, 'copied'), 'utf8'), 'copied in\n');
      assert.equal(await mounted(mp), false, 'unmounted after the copies');
      ok(await run(['rm', c1]), 'rm container');
      ok(await run(['volume', 'rm', vol]), 'volume rm');
      assert.deepEqual((await readdir(dir)).sort(), ['copied', 'new', 'seed']);
    } finally {
      await run(['rm', '-f', c1]);
      await run(['volume', 'rm', '-f', vol]);
      await rm(dir, { recursive: true, force: true });
    }
  });

  test(`${client}: --mount volume-opt makes a tmpfs volume, seeded from the image, gone when the container ends`, async () => {
    const vol = uniqueName('tmpfsvol');
    try {
      const spec = `type=volume,src=${vol},dst=/bin,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-opt=o=size=8m,volume-label=kind=scratch`;
      // /bin is the image's: the empty volume is seeded from it after its tmpfs is mounted.
      const r = ok(await run(['run', '--rm', '--mount', spec, 'busybox', 'sh', '-c', 'awk \'$2=="/bin"{print $3}\' /proc/mounts; df -k /bin | tail -1']), 'run');
      const [fsType, df] = r.split('\n');
      assert.equal(fsType, 'tmpfs');
      assert.match(df ?? '', /^\S+\s+8192\s/);
      const [info] = JSON.parse(ok(await run(['volume', 'inspect', vol]), 'inspect')) as { Mountpoint: string; Options: Record<string, string>; Labels: Record<string, string> }[];
      assert.deepEqual(info?.Options, { device: 'tmpfs', o: 'size=8m', type: 'tmpfs' });
      assert.deepEqual(info?.Labels, { kind: 'scratch' });
      assert.equal(await mounted(info?.Mountpoint ?? ''), false);
      // What the container wrote lived in the tmpfs: the volume's directory is empty.
      assert.deepEqual(await readdir(info?.Mountpoint ?? ''), []);
    } finally {
      await run(['volume', 'rm', '-f', vol]);
    }
  });
}

test('a volume whose mount fails: the start is dockerd\'s 500 naming the volume, exit code 128, nothing mounted; bad options are 400s', async () => {
  const vol = uniqueName('badvol');
  const name = uniqueName('badmnt');
  try {
    ok(await berth(['volume', 'create', '-o', 'type=none', '-o', 'o=bind', '-o', 'device=/nonexistent-berth-dir', vol]), 'create');
    const created = await api('POST', `/containers/create?name=${name}`, { Image: 'busybox', Cmd: ['true'], HostConfig: { Binds: [`${vol}:/data`] } });
    assert.equal(created.status, 201);
    const start = await api('POST', `/containers/${name}/start`);
    assert.equal(start.status, 500);
    const message = (start.json() as { message: string }).message;
    assert.match(message, new RegExp(`^error while mounting volume '/\\S+/volumes/${vol}/_data': failed to mount local volume: mount /nonexistent-berth-dir:/\\S+/_data, data: bind: `));
    const state = (await api('GET', `/containers/${name}/json`)).json() as { State: { Status: string; ExitCode: number; Error: string } };
    assert.deepEqual([state.State.Status, state.State.ExitCode, state.State.Error], ['created', 128, message]);
    const [info] = JSON.parse(ok(await berth(['volume', 'inspect', vol]), 'inspect')) as { Mountpoint: string }[];
    assert.equal(await mounted(info?.Mountpoint ?? ''), false);
    // A mount's failure is no missing command, whatever its words: still 500 and 128.
    ok(await berth(['volume', 'create', '-o', 'type=none', '-o', 'o=bind', '-o', 'device=/etc/hostname', `${vol}-f`]), 'create on a file');
    ok(await berth(['rm', name]), 'rm');
    assert.equal((await api('POST', `/containers/create?name=${name}`, { Image: 'busybox', Cmd: ['true'], HostConfig: { Binds: [`${vol}-f:/data`] } })).status, 201);
    const onFile = await api('POST', `/containers/${name}/start`);
    assert.equal(onFile.status, 500);
    assert.match((onFile.json() as { message: string }).message, /: Not a directory\.?$/);
    assert.equal(((await api('GET', `/containers/${name}/json`)).json() as { State: { ExitCode: number } }).State.ExitCode, 128);

    const bad = async (options: Record<string, string>): Promise<[number, string]> => {
      const r = await api('POST', '/volumes/create', { Name: `${vol}-o`, DriverOpts: options });
      return [r.status, (r.json() as { message: string }).message];
    };
    assert.deepEqual(await bad({ size: '10m' }), [400, `create ${vol}-o: quota size requested but no quota support`]);
    assert.deepEqual(await bad({ size: 'lots' }), [400, `create ${vol}-o: invalid size: 'lots'`]);
    assert.deepEqual(await bad({ type: 'cifs', device: '//10.0.0.1:445/share' }), [400, `create ${vol}-o: port not allowed in CIFS device URL, include 'port' in 'o='`]);
    assert.equal((await api('GET', `/volumes/${vol}-o`)).status, 404);
    // An existing volume is returned whatever options come with its name.
    assert.equal((await api('POST', '/volumes/create', { Name: vol, DriverOpts: { size: '10m' } })).status, 201);
  } finally {
    await berth(['rm', '-f', name]);
    await berth(['volume', 'rm', '-f', vol, `${vol}-o`, `${vol}-f`]);
  }
});

test('a daemon restart keeps a volume mounted for the containers still running and unmounts it for one that died meanwhile', async () => {
  const d = await startPrivateDaemon(`volmnt-${process.pid}`);
  let current = d;
  try {
    await makeBusybox(d.host);
    const vol = 'scratch';
    ok(await berth(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', vol], { host: d.host }), 'create');
    for (const c of ['ca', 'cb']) ok(await berth(['run', '-d', '--name', c, '-v', `${vol}:/data`, 'busybox', 'sleep', '1000'], { host: d.host }), `run ${c}`);
    ok(await berth(['exec', 'ca', 'sh', '-c', 'echo kept > /data/f'], { host: d.host }), 'write');
    const pidA = Number(ok(await berth(['inspect', '--format', '{{.State.Pid}}', 'ca'], { host: d.host }), 'pid').trim());
    const mp = join(d.dataRoot, 'volumes', vol, '_data');
    await d.stop();
    // a dies while the daemon is down; b still holds the mount.
    process.kill(pidA, 'SIGKILL');
    current = await startPrivateDaemon(`volmnt-${process.pid}`, { dataRoot: d.dataRoot, runRoot: d.runRoot });
    const host = current.host;
    await waitFor('a recorded as exited', async () => ok(await berth(['inspect', '--format', '{{.State.Status}}', 'ca'], { host }), 'status').trim() === 'exited');
    assert.equal(await mounted(mp), true, 'still mounted for b');
    assert.equal(ok(await berth(['exec', 'cb', 'cat', '/data/f'], { host }), 'read'), 'kept\n');
    ok(await berth(['stop', '-t', '0', 'cb'], { host }), 'stop b');
    assert.equal(await mounted(mp), false, 'unmounted with b');
    ok(await berth(['rm', 'ca', 'cb'], { host }), 'rm');
    ok(await berth(['volume', 'rm', vol], { host }), 'volume rm');
  } finally {
    await current.destroy();
    if (current !== d) await rm(d.dataRoot, { recursive: true, force: true });
  }
  assert.deepEqual(await mountsUnder(d.dataRoot), []);
  assert.deepEqual(await mountsUnder(d.runRoot), []);
});

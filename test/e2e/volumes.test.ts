import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLIENTS, api, berth, makeBusybox, mountsUnder, SHARED_HOST, startPrivateDaemon, uniqueName, type RunResult } from './harness.js';

function ok(r: RunResult, what: string): string {
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  return r.stdout;
}

interface MountPointJson {
  Type: string;
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

for (const { name: client, run } of CLIENTS) {
  test(`${client}: named volume keeps data across containers; ls, inspect, rm in use refused`, async () => {
    const vol = uniqueName('vol');
    const c1 = uniqueName('vc');
    try {
      assert.equal(ok(await run(['volume', 'create', vol]), 'create'), `${vol}\n`);
      const ls = ok(await run(['volume', 'ls']), 'ls');
      assert.match(ls, /^DRIVER\s+VOLUME NAME\n/);
      assert.match(ls, new RegExp(`^local\\s+${vol}$`, 'm'));
      assert.equal(ok(await run(['volume', 'ls', '-q', '--filter', `name=${vol}`]), 'ls -q'), `${vol}\n`);
      const inspect = JSON.parse(ok(await run(['volume', 'inspect', vol]), 'inspect')) as { Name: string; Driver: string; Mountpoint: string; Scope: string }[];
      assert.equal(inspect[0]?.Name, vol);
      assert.equal(inspect[0]?.Driver, 'local');
      assert.equal(inspect[0]?.Scope, 'local');
      assert.match(inspect[0]?.Mountpoint ?? '', new RegExp(`/volumes/${vol}/_data$`));

      ok(await run(['run', '--name', c1, '-v', `${vol}:/data`, 'busybox', 'sh', '-c', 'echo persisted > /data/f']), 'write');
      const mounts = JSON.parse(ok(await run(['inspect', '--format', '{{json .Mounts}}', c1]), 'inspect mounts')) as MountPointJson[];
      assert.deepEqual(mounts, [
        { Type: 'volume', Name: vol, Source: inspect[0]?.Mountpoint, Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: '' },
      ]);
      const inUse = await run(['volume', 'rm', vol]);
      assert.equal(inUse.code, 1);
      assert.match(inUse.stderr, new RegExp(`remove ${vol}: volume is in use`));
      ok(await run(['rm', '-v', c1]), 'rm -v');
      // A named volume is not removed by rm -v.
      const read = await run(['run', '--rm', '-v', `${vol}:/data:ro`, 'busybox', 'sh', '-c', 'cat /data/f; echo x > /data/g']);
      assert.equal(read.stdout, 'persisted\n');
      assert.match(read.stderr, /Read-only file system/);
      assert.notEqual(read.code, 0);
      assert.equal(ok(await run(['volume', 'rm', vol]), 'rm'), `${vol}\n`);
      const gone = await run(['volume', 'inspect', vol]);
      assert.equal(gone.code, 1);
      assert.match(gone.stderr, new RegExp(`get ${vol}: no such volume`));
    } finally {
      await run(['rm', '-f', c1]);
      await run(['volume', 'rm', '-f', vol]);
    }
  });

  test(`${client}: bind mounts rw and ro, a missing -v source is created, --mount bind of a missing source fails`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-bind-'));
    try {
      await writeFile(join(dir, 'in'), 'from-host\n');
      const rw = await run(['run', '--rm', '-v', `${dir}:/b`, 'busybox', 'sh', '-c', 'cat /b/in; echo from-ctr > /b/out']);
      assert.equal(ok(rw, 'rw bind'), 'from-host\n');
      assert.equal(await readFile(join(dir, 'out'), 'utf8'), 'from-ctr\n');
      const ro = await run(['run', '--rm', '-v', `${dir}:/b:ro`, 'busybox', 'sh', '-c', 'echo no > /b/ro']);
      assert.notEqual(ro.code, 0);
      assert.match(ro.stderr, /Read-only file system/);
      const viaMount = await run(['run', '--rm', '--mount', `type=bind,source=${dir},target=/m,readonly`, 'busybox', 'cat', '/m/in']);
      assert.equal(ok(viaMount, '--mount bind'), 'from-host\n');
      ok(await run(['run', '--rm', '-v', `${dir}/made/here:/n`, 'busybox', 'true']), 'missing source');
      assert.ok((await stat(join(dir, 'made/here'))).isDirectory());
      const missing = await run(['run', '--rm', '--mount', `type=bind,source=${dir}/nope,target=/m`, 'busybox', 'true']);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /bind source path does not exist/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test(`${client}: tmpfs from --tmpfs and --mount type=tmpfs`, async () => {
    const t = await run(['run', '--rm', '--tmpfs', '/run:size=64m', 'busybox', 'sh', '-c', 'grep " /run " /proc/mounts']);
    assert.match(ok(t, '--tmpfs'), /^tmpfs \/run tmpfs rw,nosuid,nodev,noexec,relatime,size=65536k/);
    const m = await run(['run', '--rm', '--mount', 'type=tmpfs,target=/t,tmpfs-size=1m', 'busybox', 'sh', '-c', 'grep " /t " /proc/mounts']);
    assert.match(ok(m, '--mount tmpfs'), /size=1024k/);
  });

  test(`${client}: anonymous volume from -v /path is removed by rm -v`, async () => {
    const c = uniqueName('anon');
    try {
      ok(await run(['run', '--name', c, '-v', '/data', 'busybox', 'sh', '-c', 'echo a > /data/a']), 'run');
      const mounts = JSON.parse(ok(await run(['inspect', '--format', '{{json .Mounts}}', c]), 'inspect')) as MountPointJson[];
      assert.equal(mounts.length, 1);
      const name = mounts[0]?.Name ?? '';
      assert.match(name, /^[0-9a-f]{64}$/);
      assert.equal(mounts[0]?.Destination, '/data');
      assert.equal(mounts[0]?.Type, 'volume');
      assert.equal(ok(await run(['volume', 'ls', '-q', '--filter', `name=${name}`]), 'ls'), `${name}\n`);
      ok(await run(['rm', '-v', c]), 'rm -v');
      assert.equal(ok(await run(['volume', 'ls', '-q', '--filter', `name=${name}`]), 'ls after'), '');
      // run --rm: the anonymous volume is gone when the client returns, as with dockerd.
      const before = ok(await run(['volume', 'ls', '-q']), 'ls before --rm');
      ok(await run(['run', '--rm', '-v', '/scratch', 'busybox', 'sh', '-c', 'echo x > /scratch/f']), 'run --rm -v');
      assert.equal(ok(await run(['volume', 'ls', '-q']), 'ls after --rm'), before);
    } finally {
      await run(['rm', '-f', '-v', c]);
    }
  });

  test(`${client}: --volumes-from takes another container's volumes and binds, read-only with :ro; its own -v wins; an unknown container is refused`, async () => {
    const src = uniqueName('vfsrc');
    const dir = await mkdtemp(join(tmpdir(), 'berth-vf-'));
    const users: string[] = [];
    try {
      ok(await run(['run', '--name', src, '-v', '/anon', '-v', `${dir}:/bound`, 'busybox', 'sh', '-c', 'echo a > /anon/a; echo b > /bound/b']), 'run source');
      const anon = (JSON.parse(ok(await run(['inspect', '--format', '{{json .Mounts}}', src]), 'inspect')) as MountPointJson[]).find((m) => m.Destination === '/anon')?.Name ?? '';
      assert.match(anon, /^[0-9a-f]{64}$/);
      const rw = uniqueName('vfrw');
      users.push(rw);
      assert.equal(ok(await run(['run', '--name', rw, '--volumes-from', src, 'busybox', 'sh', '-c', 'cat /anon/a /bound/b; echo c > /anon/c']), 'run --volumes-from'), 'a\nb\n');
      const ro = uniqueName('vfro');
      users.push(ro);
      const refused = await run(['run', '--name', ro, '--volumes-from', `${src}:ro`, 'busybox', 'sh', '-c', 'cat /anon/c; echo d > /anon/d']);
      assert.equal(refused.stdout, 'c\n');
      assert.match(refused.stderr, /Read-only file system/);
      const mounts = JSON.parse(ok(await run(['inspect', '--format', '{{json .Mounts}}', ro]), 'inspect ro')) as MountPointJson[];
      assert.deepEqual(mounts.map((m) => [m.Destination, m.Type, m.RW, m.Name ?? '']).sort(), [['/anon', 'volume', false, anon], ['/bound', 'bind', false, '']]);
      const own = await run(['run', '--rm', '--volumes-from', src, '-v', `${dir}:/anon:ro`, 'busybox', 'ls', '/anon']);
      assert.equal(own.stdout, 'b\n', own.stderr);
      // A 400, as dockerd's: a 404 would make the docker CLI try to pull the image.
      const unknown = await api('POST', '/containers/create', { Image: 'busybox', HostConfig: { VolumesFrom: ['nosuch-vf-container:ro'] } });
      assert.equal(unknown.status, 400, unknown.body);
      assert.deepEqual(unknown.json(), { message: 'No such container: nosuch-vf-container' });
      const viaCli = await run(['run', '--rm', '--volumes-from', 'nosuch-vf-container', 'busybox', 'true']);
      assert.notEqual(viaCli.code, 0);
      assert.match(viaCli.stderr, /No such container: nosuch-vf-container/);
      assert.doesNotMatch(viaCli.stderr, /Unable to find image/);
      // The anonymous volume stays while a container still uses it, and goes with the last.
      ok(await run(['rm', '-v', src]), 'rm -v source');
      assert.equal(ok(await run(['volume', 'ls', '-q', '--filter', `name=${anon}`]), 'ls'), `${anon}\n`);
      ok(await run(['rm', '-v', rw, ro]), 'rm -v users');
      users.length = 0;
      assert.equal(ok(await run(['volume', 'ls', '-q', '--filter', `name=${anon}`]), 'ls after'), '');
    } finally {
      await run(['rm', '-f', '-v', src, ...users]);
      await rm(dir, { recursive: true, force: true });
    }
  });

  test(`${client}: volume prune asks first; -a removes unused named volumes the filter selects`, async () => {
    const label = uniqueName('prune');
    const vol = uniqueName('pv');
    try {
      ok(await run(['volume', 'create', '--label', label, vol]), 'create');
      const declined = await run(['volume', 'prune', '-a', '--filter', `label=${label}`], { input: 'n\n' });
      assert.equal(ok(declined, 'declined'), 'WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ');
      assert.equal(ok(await run(['volume', 'ls', '-q', '--filter', `label=${label}`]), 'ls'), `${vol}\n`);
      const pruned = await run(['volume', 'prune', '-a', '-f', '--filter', `label=${label}`]);
      assert.equal(ok(pruned, 'prune'), `Deleted Volumes:\n${vol}\n\nTotal reclaimed space: 0B\n`);
      assert.equal(ok(await run(['volume', 'ls', '-q', '--filter', `label=${label}`]), 'ls after'), '');
    } finally {
      await run(['volume', 'rm', '-f', vol]);
    }
  });

  test(`${client}: mount errors: relative destination, duplicate mount point`, async () => {
    const rel = await run(['run', '--rm', '--mount', 'type=volume,target=data', 'busybox', 'true']);
    assert.notEqual(rel.code, 0);
    const dup = await run(['create', '-v', '/tmp:/x', '-v', '/var:/x', 'busybox', 'true']);
    assert.notEqual(dup.code, 0);
    assert.match(dup.stderr, /Duplicate mount point: \/x/);
  });
}

test('an image VOLUME gets an anonymous volume seeded from the image (copy-up); prune removes it', async () => {
  const src = uniqueName('seed');
  const tag = `${uniqueName('volimg')}:latest`;
  const dir = await mkdtemp(join(tmpdir(), 'berth-volimg-'));
  const c = uniqueName('cu');
  const named = uniqueName('cun');
  try {
    ok(await berth(['run', '--name', src, 'busybox', 'sh', '-c', 'mkdir /data && echo seeded > /data/seed']), 'seed');
    ok(await berth(['export', '-o', join(dir, 'fs.tar'), src]), 'export');
    ok(await berth(['import', '-c', 'VOLUME /data', '-c', 'CMD ["sh"]', join(dir, 'fs.tar'), tag]), 'import');
    const out = await berth(['run', '--name', c, tag, 'sh', '-c', 'cat /data/seed; echo more > /data/more']);
    assert.equal(ok(out, 'run'), 'seeded\n');
    const mounts = JSON.parse(ok(await berth(['inspect', '--format', '{{json .Mounts}}', c]), 'inspect')) as MountPointJson[];
    const anon = mounts[0]?.Name ?? '';
    assert.match(anon, /^[0-9a-f]{64}$/);
    // A named volume over an image path is seeded too, once, when empty.
    const n1 = await berth(['run', '--rm', '-v', `${named}:/data`, tag, 'sh', '-c', 'cat /data/seed; rm /data/seed; echo kept > /data/k']);
    assert.equal(ok(n1, 'named copy-up'), 'seeded\n');
    const n2 = await berth(['run', '--rm', '-v', `${named}:/data`, tag, 'ls', '/data']);
    assert.equal(ok(n2, 'named second'), 'k\n');
    // Prune keeps volumes in use, then removes the anonymous one once its container is gone.
    const keep = ok(await berth(['volume', 'prune', '-f']), 'prune in use');
    assert.doesNotMatch(keep, new RegExp(anon));
    ok(await berth(['rm', c]), 'rm');
    const pruned = ok(await berth(['volume', 'prune', '-f']), 'prune');
    assert.match(pruned, new RegExp(`^Deleted Volumes:\\n(?:.*\\n)*${anon}\\n(?:.*\\n)*\\nTotal reclaimed space: `));
    assert.doesNotMatch(pruned, new RegExp(named), 'named volumes survive a prune without --all');
    const r = await api('POST', `/volumes/prune?filters=${encodeURIComponent(JSON.stringify({ all: ['true'], label: ['nosuch'] }))}`, undefined, SHARED_HOST);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), { VolumesDeleted: [], SpaceReclaimed: 0 });
  } finally {
    await berth(['rm', '-f', src, c]);
    await berth(['volume', 'rm', '-f', named]);
    await berth(['rmi', tag]);
    await rm(dir, { recursive: true, force: true });
  }
});

test('volumes API: create is 201 and idempotent, errors have Docker status codes', async () => {
  const name = uniqueName('apivol');
  try {
    const c = await api('POST', '/volumes/create', { Name: name, Labels: { a: 'b' } });
    assert.equal(c.status, 201);
    assert.deepEqual((c.json() as { Labels: unknown }).Labels, { a: 'b' });
    assert.equal((await api('POST', '/volumes/create', { Name: name })).status, 201);
    const list = (await api('GET', `/volumes?filters=${encodeURIComponent(JSON.stringify({ label: { 'a=b': true } }))}`)).json() as { Volumes: { Name: string }[] };
    assert.deepEqual(list.Volumes.map((v) => v.Name), [name]);
    const missing = await api('GET', '/volumes/nosuch-volume-xyz');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json(), { message: 'get nosuch-volume-xyz: no such volume' });
    assert.equal((await api('DELETE', '/volumes/nosuch-volume-xyz')).status, 404);
    assert.equal((await api('POST', '/volumes/create', { Name: 'bad/name' })).status, 400);
    // The local driver's option checks, as dockerd's; no volume is left.
    const unknownOpt = await api('POST', '/volumes/create', { Name: `${name}-o`, DriverOpts: { foo: 'bar' } });
    assert.equal(unknownOpt.status, 400);
    assert.deepEqual(unknownOpt.json(), { message: `create ${name}-o: invalid option: "foo"` });
    const lonely = await api('POST', '/volumes/create', { Name: `${name}-o`, DriverOpts: { type: 'tmpfs' } });
    assert.deepEqual(lonely.json(), { message: `create ${name}-o: missing required option: "device"` });
    assert.equal((await api('GET', `/volumes/${name}-o`)).status, 404);
    assert.equal((await api('DELETE', `/volumes/${name}`)).status, 204);
  } finally {
    await api('DELETE', `/volumes/${name}?force=1`);
  }
});

test('named volume data survives a daemon restart; no mounts are left', async () => {
  const d = await startPrivateDaemon(`vol-${process.pid}`);
  let restarted = false;
  try {
    await makeBusybox(d.host);
    const vol = 'restartvol';
    ok(await berth(['run', '--rm', '-v', `${vol}:/data`, 'busybox', 'sh', '-c', 'echo survives > /data/f'], { host: d.host }), 'write');
    await d.stop();
    const d2 = await startPrivateDaemon(`vol-${process.pid}`, { dataRoot: d.dataRoot, runRoot: d.runRoot });
    restarted = true;
    try {
      assert.equal(ok(await berth(['volume', 'ls', '-q'], { host: d2.host }), 'ls'), `${vol}\n`);
      const r = await berth(['run', '--rm', '-v', `${vol}:/data`, 'busybox', 'cat', '/data/f'], { host: d2.host });
      assert.equal(ok(r, 'read'), 'survives\n');
      ok(await berth(['volume', 'rm', vol], { host: d2.host }), 'rm');
    } finally {
      await d2.destroy();
    }
    assert.deepEqual(await mountsUnder(d.runRoot), []);
    assert.deepEqual(await mountsUnder(d.dataRoot), []);
  } finally {
    if (!restarted) await d.destroy();
  }
});

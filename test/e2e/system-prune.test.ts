/**
 * `system df` and the prune commands, on a daemon of this file's own: prunes without filters
 * would remove what other tests made on the shared one.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, berth, CLIENTS, makeBusybox, startPrivateDaemon, uniqueName, type PrivateDaemon, type RunResult } from './harness.js';

let daemon: PrivateDaemon;

before(async () => {
  daemon = await startPrivateDaemon(uniqueName('prune'));
  await makeBusybox(daemon.host);
});

after(async () => {
  await berth(['network', 'prune', '-f'], { host: daemon.host });
  await daemon.destroy();
});

function ok(r: RunResult, what: string): string {
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  return r.stdout;
}

interface DiskUsageJson {
  LayersSize: number;
  Images: { Id: string; Containers: number; Size: number; SharedSize: number }[] | null;
  Containers: { Id: string; SizeRw: number; SizeRootFs: number }[] | null;
  Volumes: { Name: string; UsageData: { Size: number; RefCount: number } }[] | null;
  BuildCache: unknown[] | null;
}

async function df(query = ''): Promise<DiskUsageJson> {
  const r = await api('GET', `/system/df${query}`, undefined, daemon.host);
  assert.equal(r.status, 200, r.body);
  return r.json() as DiskUsageJson;
}

for (const { name: client, run: runWith } of CLIENTS) {
  const run = (args: string[], input?: string) => runWith(args, { host: daemon.host, input });

  test(`${client}: system df counts what is added; the table and -v sections`, async () => {
    const ctr = uniqueName('dfc');
    const vol = uniqueName('dfv');
    const img = `${uniqueName('dfimg')}:1`;
    const before = await df();
    assert.deepEqual(before.BuildCache, []);
    try {
      ok(await run(['run', '--name', ctr, '-v', `${vol}:/data`, 'busybox', 'sh', '-c', 'echo hello > /data/f; head -c 3000 /dev/zero > /big']), 'run');
      ok(await run(['commit', ctr, img]), 'commit');
      const now = await df();
      assert.equal(now.Images?.length, (before.Images?.length ?? 0) + 1);
      assert.ok(now.LayersSize > before.LayersSize, 'the committed layer adds to LayersSize');
      const c = now.Containers?.find((x) => x.Id.length === 64 && !before.Containers?.some((b) => b.Id === x.Id));
      assert.ok(c && c.SizeRw >= 3000 && c.SizeRootFs > c.SizeRw, JSON.stringify(c));
      assert.deepEqual(now.Volumes?.find((v) => v.Name === vol)?.UsageData, { Size: 6, RefCount: 1 });
      const busybox = now.Images?.find((i) => i.Containers > 0);
      assert.ok(busybox, 'the image the container uses counts it');
      assert.deepEqual((await df('?type=volume')).Images, null, 'types not asked for are null');
      assert.equal((await api('GET', '/system/df?type=nope', undefined, daemon.host)).status, 400);

      const table = ok(await run(['system', 'df']), 'system df').split('\n');
      assert.match(table[0] ?? '', /^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE$/);
      assert.match(table[1] ?? '', new RegExp(`^Images\\s+${now.Images?.length}\\s+\\d+\\s+\\S+\\s+\\S+ \\(\\d+%\\)$`));
      assert.match(table[3] ?? '', new RegExp(`^Local Volumes\\s+${now.Volumes?.length}\\s+\\d+\\s+`));
      assert.match(table[4] ?? '', /^Build Cache\s+0\s+0\s+0B\s+0B$/);
      const rows = ok(await run(['system', 'df', '--format', '{{.Type}}={{.TotalCount}}']), 'df --format');
      assert.equal(rows, `Images=${now.Images?.length}\nContainers=${now.Containers?.length}\nLocal Volumes=${now.Volumes?.length}\nBuild Cache=0\n`);
      const verbose = ok(await run(['system', 'df', '-v']), 'df -v');
      for (const section of ['Images space usage:', 'Containers space usage:', 'Local Volumes space usage:', 'Build cache usage: 0B']) {
        assert.ok(verbose.includes(`${section}\n\n`), section);
      }
      assert.match(verbose, new RegExp(`\\n${vol}\\s+1\\s+6B\\n`));
      assert.match(verbose, new RegExp(`${ctr}\\n`));
    } finally {
      await run(['rm', '-f', ctr]);
      await run(['rmi', img]);
      await run(['volume', 'rm', vol]);
    }
    const after = await df();
    assert.equal(after.Images?.length, before.Images?.length);
    assert.equal(after.Volumes?.length, before.Volumes?.length);
  });

  test(`${client}: prunes remove exactly what is unused; the prompt; label and until filters`, async () => {
    const keeper = uniqueName('keep');
    const stopped = uniqueName('stopped');
    const labelled = uniqueName('lab');
    const net = uniqueName('pnet');
    const usedNet = uniqueName('unet');
    const tagged = `${uniqueName('pimg')}:1`;
    try {
      ok(await run(['run', '-d', '--name', keeper, '-v', '/keepdata', 'busybox', 'sleep', '1000']), 'keeper');
      ok(await run(['network', 'create', net]), 'net');
      ok(await run(['network', 'create', usedNet]), 'used net');
      ok(await run(['create', '--name', stopped, '--network', usedNet, '-v', '/anon', 'busybox', 'true']), 'stopped');
      ok(await run(['create', '--name', labelled, '--label', 'prune-me=yes', 'busybox', 'true']), 'labelled');
      ok(await run(['commit', stopped]), 'dangling image');
      ok(await run(['commit', labelled, tagged]), 'tagged image');

      // Declining leaves everything.
      const declined = await run(['container', 'prune'], 'n\n');
      assert.equal(ok(declined, 'declined'), 'WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ');
      assert.equal(ok(await run(['ps', '-aq']), 'ps').trim().split('\n').length, 3);

      // Filters select: a label, and until (everything here is younger than an hour).
      assert.equal(ok(await run(['container', 'prune', '-f', '--filter', 'until=1h']), 'until'), 'Total reclaimed space: 0B\n');
      const byLabel = ok(await run(['container', 'prune', '--filter', 'label=prune-me=yes'], 'y\n'), 'label prune');
      const labelledId = ok(await berth(['inspect', '--format', '{{.Id}}', stopped], { host: daemon.host }), 'id').trim();
      assert.match(byLabel, /\[y\/N\] Deleted Containers:\n[0-9a-f]{64}\n\nTotal reclaimed space: \S+\n$/);
      assert.doesNotMatch(byLabel, new RegExp(labelledId));
      const rest = ok(await run(['container', 'prune', '-f', '--filter', 'label!=prune-me']), 'label! prune');
      assert.equal(rest, `Deleted Containers:\n${labelledId}\n\nTotal reclaimed space: 0B\n`);
      assert.equal(ok(await run(['ps', '-a', '--format', '{{.Names}}']), 'ps after'), `${keeper}\n`, 'the running container stays');

      // Networks: the one no container refers to goes; predefined ones stay.
      const nets = ok(await run(['network', 'prune', '-f']), 'network prune');
      assert.equal(nets, `Deleted Networks:\n${[net, usedNet].sort().join('\n')}\n\n`);
      assert.deepEqual(ok(await run(['network', 'ls', '--format', '{{.Name}}']), 'ls').trim().split('\n').sort(), ['bridge', 'host', 'none']);

      // Volumes: the stopped container's anonymous volume is unused now; the running one's is kept.
      const vols = ok(await run(['volume', 'prune', '-f']), 'volume prune');
      assert.match(vols, /^Deleted Volumes:\n[0-9a-f]{64}\n\nTotal reclaimed space: 0B\n$/);
      assert.equal(ok(await run(['volume', 'ls', '-q']), 'volumes').trim().split('\n').length, 1);

      // Images: dangling first, then -a takes the unused tagged one but never the running container's.
      const dangling = ok(await run(['image', 'prune', '-f']), 'image prune');
      assert.match(dangling, /^Deleted Images:\ndeleted: sha256:[0-9a-f]{64}\n\nTotal reclaimed space: \S+\n$/);
      assert.equal(ok(await run(['image', 'prune', '-a', '-f', '--filter', 'until=1h']), 'until'), 'Total reclaimed space: 0B\n');
      const unused = ok(await run(['image', 'prune', '-a', '-f']), 'image prune -a');
      assert.match(unused, new RegExp(`^Deleted Images:\\nuntagged: ${tagged}\\ndeleted: sha256:[0-9a-f]{64}\\n\\nTotal reclaimed space: \\S+\\n$`));
      assert.equal(ok(await run(['images', '--format', '{{.Repository}}']), 'images'), 'busybox\n');
      assert.equal(ok(await run(['builder', 'prune', '-f']), 'builder prune'), 'Total reclaimed space: 0B\n');
    } finally {
      await run(['rm', '-f', '-v', keeper, stopped, labelled]);
      await run(['network', 'rm', net, usedNet]);
      await run(['rmi', tagged]);
    }
  });

  test(`${client}: system prune: docker's warning, then containers, networks, volumes, images in order`, async () => {
    const keeper = uniqueName('keep');
    const gone = uniqueName('gone');
    const net = uniqueName('snet');
    const img = `${uniqueName('simg')}:1`;
    try {
      ok(await run(['run', '-d', '--name', keeper, 'busybox', 'sleep', '1000']), 'keeper');
      ok(await run(['create', '--name', gone, '-v', '/anon', 'busybox', 'true']), 'gone');
      ok(await run(['network', 'create', net]), 'net');
      ok(await run(['commit', gone, img]), 'image');
      const declined = ok(await run(['system', 'prune', '-a', '--volumes', '--filter', 'label=x=y', '--filter', 'label!=z'], 'n\n'), 'declined');
      assert.equal(
        declined,
        'WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n' +
          '  - all anonymous volumes not used by at least one container\n  - all images without at least one container associated to them\n' +
          '  - all build cache\n\n  Items to be pruned will be filtered with:\n  - label!=z\n  - label=x=y\n\nAre you sure you want to continue? [y/N] ',
      );
      const bad = await run(['system', 'prune', '-f', '--volumes', '--filter', 'until=1h']);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /ERROR: The "until" filter is not supported with "--volumes"/);
      const goneId = ok(await berth(['inspect', '--format', '{{.Id}}', gone], { host: daemon.host }), 'id').trim();
      const out = ok(await run(['system', 'prune', '-a', '--volumes'], 'y\n'), 'system prune');
      assert.match(
        out,
        new RegExp(
          `\\[y/N\\] Deleted Containers:\\n${goneId}\\n\\nDeleted Networks:\\n${net}\\n\\nDeleted Volumes:\\n[0-9a-f]{64}\\n\\n` +
            `Deleted Images:\\nuntagged: ${img}\\ndeleted: sha256:[0-9a-f]{64}\\n\\nTotal reclaimed space: \\S+\\n$`,
        ),
      );
      assert.equal(ok(await run(['ps', '-a', '--format', '{{.Names}}']), 'ps'), `${keeper}\n`);
      assert.equal(ok(await run(['images', '--format', '{{.Repository}}']), 'images'), 'busybox\n');
      const again = ok(await run(['system', 'prune', '-f']), 'again');
      assert.equal(again, 'Total reclaimed space: 0B\n');
    } finally {
      await run(['rm', '-f', keeper, gone]);
      await run(['network', 'rm', net]);
      await run(['rmi', img]);
    }
  });
}

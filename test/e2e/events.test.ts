import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { api, berth, CLIENTS, SHARED_HOST, uniqueName } from './harness.js';
import { startRegistry } from './registry-fixture.js';

/** Unix seconds with nine fraction digits, as both CLIs pass them to the daemon. */
const unixNow = (): string => (Date.now() / 1000).toFixed(3) + '000000';

/** Replays the events between two instants with the given CLI flags; the command ends by itself. */
async function replay(run: (typeof CLIENTS)[number]['run'], since: string, args: string[]): Promise<string[]> {
  const r = await run(['events', '--since', since, '--until', unixNow(), ...args], { timeoutMs: 20_000 });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

interface Stream {
  /** Resolves with the lines seen once `done` says so. */
  until(done: (lines: unknown[]) => boolean): Promise<unknown[]>;
  close(): void;
}

/** Opens `GET /events` and resolves once the response headers arrived (the daemon flushes them at once). */
function openStream(query: string): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: SHARED_HOST.replace(/^unix:\/\//, ''), path: `/events${query}` }, (res) => {
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'application/json');
      const lines: unknown[] = [];
      let buf = '';
      let check: (() => void) | undefined;
      res.on('data', (c: Buffer) => {
        buf += c.toString('utf8');
        let nl = buf.indexOf('\n');
        while (nl >= 0) {
          lines.push(JSON.parse(buf.slice(0, nl)));
          buf = buf.slice(nl + 1);
          nl = buf.indexOf('\n');
        }
        check?.();
      });
      resolve({
        until: (done) =>
          new Promise((ok, fail) => {
            const t = setTimeout(() => fail(new Error(`timed out; saw ${JSON.stringify(lines)}`)), 20_000);
            check = () => {
              if (!done(lines)) return;
              clearTimeout(t);
              ok(lines);
            };
            check();
          }),
        close: () => req.destroy(),
      });
    });
    req.setTimeout(5_000, () => reject(new Error('no response headers within 5 s')));
    req.on('error', (e) => {
      if (!req.destroyed) reject(e);
    });
    req.end();
  });
}

for (const { name: client, run } of CLIENTS) {
  test(`${client}: a container's lifecycle events, replayed with --since/--until and filtered`, async () => {
    const name = uniqueName('evc');
    const label = `berth.test.events=${name}`;
    const since = unixNow();
    try {
      const d = await run(['run', '-d', '--name', name, '--label', label, 'busybox', 'sleep', '60']);
      assert.equal(d.code, 0, d.stderr);
      const id = d.stdout.trim();
      assert.equal((await run(['stop', '-t', '0', name])).code, 0);
      assert.equal((await run(['rm', name])).code, 0);

      const actions = await replay(run, since, ['--filter', `container=${name}`, '--format', '{{.Type}} {{.Action}} {{.Actor.ID}}']);
      assert.deepEqual(actions, ['create', 'start', 'kill', 'die', 'stop', 'destroy'].map((a) => `container ${a} ${id}`));

      // Default output: time, type, action, id and the attributes sorted by key, the labels among them.
      const lines = await replay(run, since, ['--filter', `label=${label}`, '--filter', 'event=die']);
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.match(
        lines[0] ?? '',
        new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}(Z|[+-]\\d\\d:\\d\\d) container die ${id} \\(berth\\.test\\.events=${name}, execDuration=0, exitCode=137, image=busybox, name=${name}\\)$`),
      );

      const json = await replay(run, since, ['--filter', `container=${id.slice(0, 12)}`, '--filter', 'event=start', '--format', '{{json .}}']);
      assert.equal(json.length, 1);
      const ev = JSON.parse(json[0] ?? '') as Record<string, unknown>;
      assert.equal(ev['status'], 'start');
      assert.equal(ev['id'], id);
      assert.equal(ev['from'], 'busybox');
      assert.equal(ev['scope'], 'local');
      assert.deepEqual(ev['Actor'], { ID: id, Attributes: { 'berth.test.events': name, image: 'busybox', name } });

      // --until before the events shows none of them.
      const none = await run(['events', '--since', since, '--until', since, '--filter', `container=${name}`]);
      assert.equal(none.code, 0, none.stderr);
      assert.equal(none.stdout, '');
    } finally {
      await run(['rm', '-f', name]);
    }
  });
  test(`${client}: image tag and untag events`, async () => {
    const ref = `${uniqueName('evimg')}:1`;
    const since = unixNow();
    const id = (await run(['image', 'inspect', '--format', '{{.Id}}', 'busybox'])).stdout.trim();
    assert.equal((await run(['tag', 'busybox', ref])).code, 0);
    assert.equal((await run(['rmi', ref])).code, 0);
    const format = ['--format', '{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}} {{.Status}} {{.ID}}'];
    assert.deepEqual(await replay(run, since, ['--filter', `image=${ref}`, ...format]), [`image tag ${id} ${ref} tag ${id}`]);
    const untags = await replay(run, since, ['--filter', 'type=image', '--filter', 'event=untag', ...format]);
    assert.ok(untags.includes(`image untag ${id} ${id} untag ${id}`), untags.join('\n'));
  });

  test(`${client}: network and volume events of a container's run`, async () => {
    const net = uniqueName('evnet');
    const vol = uniqueName('evvol');
    const name = uniqueName('evnv');
    const since = unixNow();
    try {
      assert.equal((await run(['network', 'create', net])).code, 0);
      assert.equal((await run(['volume', 'create', vol])).code, 0);
      const r = await run(['run', '--name', name, '--network', net, '-v', `${vol}:/data:ro`, 'busybox', 'true']);
      assert.equal(r.code, 0, r.stderr);
      const id = (await run(['inspect', '--format', '{{.Id}}', name])).stdout.trim();
      assert.equal((await run(['rm', name])).code, 0);
      assert.equal((await run(['volume', 'rm', vol])).code, 0);
      assert.equal((await run(['network', 'rm', net])).code, 0);
      const netId = (await replay(run, since, ['--filter', `network=${net}`, '--filter', 'event=create', '--format', '{{.Actor.ID}}']))[0] ?? '';
      assert.match(netId, /^[0-9a-f]{64}$/);
      assert.deepEqual(await replay(run, since, ['--filter', `network=${net}`, '--format', '{{.Type}} {{.Action}} {{.Actor.ID}} {{json .Actor.Attributes}}']), [
        `network create ${netId} {"name":"${net}","type":"bridge"}`,
        `network connect ${netId} {"container":"${id}","name":"${net}","type":"bridge"}`,
        `network disconnect ${netId} {"container":"${id}","name":"${net}","type":"bridge"}`,
        `network destroy ${netId} {"name":"${net}","type":"bridge"}`,
      ]);
      assert.deepEqual(await replay(run, since, ['--filter', `volume=${vol}`, '--format', '{{.Type}} {{.Action}} {{.Actor.ID}} {{json .Actor.Attributes}}']), [
        `volume create ${vol} {"driver":"local"}`,
        `volume mount ${vol} {"container":"${id}","destination":"/data","driver":"local","propagation":"","read/write":"false"}`,
        `volume unmount ${vol} {"container":"${id}","driver":"local"}`,
        `volume destroy ${vol} {"driver":"local"}`,
      ]);
      // The container filter leaves out the network's and the volume's events.
      const types = await replay(run, since, ['--filter', `container=${name}`, '--format', '{{.Type}}']);
      assert.deepEqual([...new Set(types)], ['container']);
    } finally {
      await run(['rm', '-f', name]);
      await run(['volume', 'rm', '-f', vol]);
      await run(['network', 'rm', net]);
    }
  });
}

test('berth: exec, rename, pause and kill events carry Docker attributes', async () => {
  const name = uniqueName('evx');
  const since = unixNow();
  try {
    const d = await berth(['run', '-d', '--name', name, 'busybox', 'sleep', '60']);
    assert.equal(d.code, 0, d.stderr);
    const id = d.stdout.trim();
    assert.equal((await berth(['exec', name, 'sh', '-c', 'exit 3'])).code, 3);
    assert.equal((await berth(['rename', name, `${name}-b`])).code, 0);
    assert.equal((await berth(['pause', `${name}-b`])).code, 0);
    assert.equal((await berth(['unpause', `${name}-b`])).code, 0);
    // sleep ignores SIGWINCH, so no die follows.
    assert.equal((await berth(['kill', '-s', 'WINCH', `${name}-b`])).code, 0);
    const lines = await replay(berth, since, [
      '--filter', `container=${id}`,
      '--format', '{{.Action}}|{{index .Actor.Attributes "name"}}|{{index .Actor.Attributes "exitCode"}}|{{index .Actor.Attributes "oldName"}}|{{index .Actor.Attributes "signal"}}',
    ]);
    const b = `${name}-b`;
    assert.deepEqual(lines, [
      `create|${name}|||`,
      `start|${name}|||`,
      `exec_create: sh -c exit 3|${name}|||`,
      `exec_start: sh -c exit 3|${name}|||`,
      `exec_die|${name}|3||`,
      `rename|${b}||/${name}|`,
      `pause|${b}|||`,
      `unpause|${b}|||`,
      `kill|${b}|||28`,
    ]);
    // exec_create matches its bare name, and the new name finds the events after the rename.
    assert.deepEqual(await replay(berth, since, ['--filter', `container=${id}`, '--filter', 'event=exec_create', '--format', '{{.Action}}']), ['exec_create: sh -c exit 3']);
    assert.equal((await replay(berth, since, ['--filter', `container=${b}`])).length, 4);
  } finally {
    await berth(['rm', '-f', name, `${name}-b`]);
  }
});

test('GET /events: headers at once, live events, both filter dialects, legacy fields', async () => {
  const name = uniqueName('evs');
  const forms = [`{"container":["${name}"]}`, `{"container":{"${name}":true}}`];
  const streams = await Promise.all(forms.map((f) => openStream(`?filters=${encodeURIComponent(f)}`)));
  try {
    assert.equal((await berth(['run', '--rm', '--name', name, 'busybox', 'true'])).code, 0);
    for (const s of streams) {
      const seen = (await s.until((l) => l.some((e) => (e as { Action: string }).Action === 'destroy'))) as Record<string, unknown>[];
      assert.deepEqual(
        seen.map((e) => e['Action']),
        ['create', 'attach', 'start', 'die', 'destroy'],
      );
      for (const e of seen) {
        assert.equal(e['Type'], 'container');
        assert.equal(e['status'], e['Action']);
        assert.equal(e['id'], (e['Actor'] as { ID: string }).ID);
        assert.equal(e['from'], 'busybox');
        assert.equal(typeof e['time'], 'number');
        assert.equal(Math.floor((e['timeNano'] as number) / 1e9), e['time']);
      }
    }
  } finally {
    for (const s of streams) s.close();
    await berth(['rm', '-f', name]);
  }
});

test('GET /events: until in the past ends the stream; bad filters and times are refused', async () => {
  const past = await api('GET', `/events?since=1&until=2`);
  assert.equal(past.status, 200);
  assert.equal(past.body, '');
  const badKey = await api('GET', `/events?filters=${encodeURIComponent('{"nope":["x"]}')}`);
  assert.equal(badKey.status, 400);
  assert.match(badKey.body, /invalid filter 'nope'/);
  const badTime = await api('GET', `/events?since=yesterday`);
  assert.equal(badTime.status, 400);
  const backwards = await api('GET', `/events?since=20&until=10`);
  assert.equal(backwards.status, 400);
});

test('berth: push and pull events name the reference, tag the image id', async () => {
  const reg = await startRegistry();
  const repo = uniqueName('evreg');
  const ref = `${reg.host}/${repo}:1`;
  const since = unixNow();
  try {
    const id = (await berth(['image', 'inspect', '--format', '{{.Id}}', 'busybox'])).stdout.trim();
    assert.equal((await berth(['tag', 'busybox', ref])).code, 0);
    const push = await berth(['push', ref]);
    assert.equal(push.code, 0, push.stderr);
    assert.equal((await berth(['rmi', ref])).code, 0);
    const pull = await berth(['pull', ref]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.deepEqual(await replay(berth, since, ['--filter', `image=${ref}`, '--format', '{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}}']), [
      `tag ${id} ${ref}`,
      `push ${ref} ${reg.host}/${repo}`,
      `pull ${ref} ${reg.host}/${repo}`,
    ]);
  } finally {
    await berth(['rmi', ref]);
    await reg.stop();
  }
});

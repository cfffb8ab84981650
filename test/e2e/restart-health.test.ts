/**
 * Restart policies (on exit, not after a user's stop, after a daemon restart) and healthchecks
 * (status and log in inspect, ps status and filter, image HEALTHCHECK and --no-healthcheck).
 * Intervals are short so the file stays quick.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { api, berth, CLIENTS, makeBusybox, SHARED_HOST, startPrivateDaemon, uniqueName, waitFor, type RunResult } from './harness.js';

type Run = (args: readonly string[], opts?: { host?: string }) => Promise<RunResult>;

async function ok(run: Run, args: string[], host?: string): Promise<string> {
  const r = await run(args, host ? { host } : {});
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

const inspect = (run: Run, ref: string, format: string, host?: string) => ok(run, ['inspect', '--format', format, ref], host);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The actions of the container's events recorded since `sinceMs` (GET /events with an `until` of now). */
async function eventActions(container: string, sinceMs: number): Promise<string[]> {
  const filters = encodeURIComponent(JSON.stringify({ container: [container] }));
  const r = await api('GET', `/events?since=${(sinceMs / 1000).toFixed(3)}&until=${(Date.now() / 1000).toFixed(3)}&filters=${filters}`);
  assert.equal(r.status, 200, r.body);
  return r.body
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { Action: string }).Action);
}

for (const { name: client, run } of CLIENTS) {
  test(`${client}: on-failure:2 restarts twice, then stays exited with RestartCount 2`, async () => {
    const name = uniqueName('onfail');
    const t0 = Date.now() - 1000;
    try {
      await ok(run, ['run', '-d', '--name', name, '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'echo ran; exit 3']);
      await waitFor('two restarts', async () => (await inspect(run, name, '{{.RestartCount}} {{.State.Status}}')) === '2 exited');
      // The back-off after the second restart would be 400 ms: nothing more may happen.
      await sleep(800);
      assert.equal(await inspect(run, name, '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}} {{.State.Restarting}}'), '2 exited 3 false');
      assert.equal(await inspect(run, name, '{{json .HostConfig.RestartPolicy}}'), '{"Name":"on-failure","MaximumRetryCount":2}');
      assert.equal((await run(['logs', name])).stdout, 'ran\nran\nran\n');
      const actions = (await eventActions(name, t0)).filter((a) => a === 'start' || a === 'die');
      assert.deepEqual(actions, ['start', 'die', 'start', 'die', 'start', 'die'], 'each automatic restart is a start event');
      // A user's start begins a new series.
      await ok(run, ['start', name]);
      await waitFor('the new series', async () => (await inspect(run, name, '{{.RestartCount}} {{.State.Status}}')) === '2 exited');
    } finally {
      await run(['rm', '-f', name]);
    }
  });

  test(`${client}: always restarts after an exit, not after stop; restarting needs rm -f`, async () => {
    const name = uniqueName('always');
    try {
      await ok(run, ['run', '-d', '--name', name, '--restart', 'always', 'busybox', 'sh', '-c', 'sleep 0.2; exit 1']);
      await waitFor('a restart', async () => Number(await inspect(run, name, '{{.RestartCount}}')) >= 1);
      // Between runs it is `restarting`, shown as Docker does; the back-off grows, so this is soon seen.
      await waitFor('the restarting state', async () => (await inspect(run, name, '{{.State.Restarting}} {{.State.Running}}')) === 'true true', 15_000);
      const ps = await ok(run, ['ps', '--filter', `name=${name}`, '--format', '{{.Status}}']);
      assert.match(ps, /^(Restarting \(1\) .* ago|Up .*)$/);
      const rm = await run(['rm', name]);
      assert.notEqual(rm.code, 0);
      assert.match(rm.stderr, /container is (restarting|running): stop the container before removing or force remove/);

      await ok(run, ['stop', '-t', '1', name]);
      const count = await inspect(run, name, '{{.RestartCount}}');
      assert.equal(await inspect(run, name, '{{.State.Status}}'), 'exited');
      await sleep(700);
      assert.equal(await inspect(run, name, '{{.State.Status}} {{.RestartCount}}'), `exited ${count}`, 'no restart after a stop');
    } finally {
      await run(['rm', '-f', name]);
    }
  });

  test(`${client}: kill with the stop signal is a user's stop, as dockerd: no restart by policy, a paused container resumed to take it; another signal stops unless-stopped only`, async () => {
    const name = uniqueName('killsig');
    const other = uniqueName('killhup');
    const unless = uniqueName('killunless');
    const script = 'trap "exit 3" TERM; trap "echo hup" HUP; while true; do sleep 0.1; done';
    try {
      await ok(run, ['run', '-d', '--name', name, '--restart', 'always', 'busybox', 'sh', '-c', script]);
      await ok(run, ['pause', name]);
      await ok(run, ['kill', '-s', 'TERM', name]);
      await waitFor('the exit', async () => (await inspect(run, name, '{{.State.Status}}')) === 'exited');
      await sleep(700);
      assert.equal(await inspect(run, name, '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}'), 'exited 3 0', 'no restart after a kill with the stop signal');

      // Another signal than the configured stop signal: `always` still restarts after it, `unless-stopped` does not.
      await ok(run, ['run', '-d', '--name', other, '--restart', 'always', '--stop-signal', 'HUP', 'busybox', 'sh', '-c', script]);
      await ok(run, ['kill', '-s', 'TERM', other]);
      await waitFor('a restart', async () => Number(await inspect(run, other, '{{.RestartCount}}')) >= 1);
      await ok(run, ['run', '-d', '--name', unless, '--restart', 'unless-stopped', '--stop-signal', 'HUP', 'busybox', 'sh', '-c', script]);
      await ok(run, ['kill', '-s', 'TERM', unless]);
      await waitFor('the exit', async () => (await inspect(run, unless, '{{.State.Status}}')) === 'exited');
      await sleep(700);
      assert.equal(await inspect(run, unless, '{{.State.Status}} {{.RestartCount}}'), 'exited 0', 'unless-stopped counts any kill as a stop');
    } finally {
      await run(['rm', '-f', name, other, unless]);
    }
  });

  test(`${client}: a healthy, an unhealthy and a starting healthcheck in inspect and ps`, async () => {
    const good = uniqueName('healthy');
    const bad = uniqueName('unhealthy');
    const slow = uniqueName('starting');
    const t0 = Date.now() - 1000;
    try {
      await ok(run, ['run', '-d', '--name', good, '--health-cmd', 'test -e /tmp/ready && echo fine', '--health-interval', '200ms', '--health-retries', '2', 'busybox', 'sh', '-c', 'sleep 0.3; touch /tmp/ready; exec sleep 100']);
      await ok(run, ['run', '-d', '--name', bad, '--health-cmd', 'echo bad; exit 1', '--health-interval', '200ms', '--health-retries', '2', 'busybox', 'sleep', '100']);
      await ok(run, ['run', '-d', '--name', slow, '--health-cmd', 'true', '--health-interval', '1m', 'busybox', 'sleep', '100']);

      assert.equal(await inspect(run, slow, '{{.State.Health.Status}} {{.State.Health.FailingStreak}}'), 'starting 0');
      assert.match(await ok(run, ['ps', '--filter', `name=${slow}`, '--format', '{{.Status}}']), /^Up .* \(health: starting\)$/);

      await waitFor('healthy', async () => (await inspect(run, good, '{{.State.Health.Status}}')) === 'healthy');
      const log = JSON.parse(await inspect(run, good, '{{json .State.Health.Log}}')) as { ExitCode: number; Output: string; Start: string; End: string }[];
      const last = log[log.length - 1]!;
      assert.equal(last.ExitCode, 0);
      assert.equal(last.Output, 'fine\n');
      assert.ok(Date.parse(last.End) >= Date.parse(last.Start));
      assert.match(await ok(run, ['ps', '--filter', `name=${good}`, '--format', '{{.Status}}']), /^Up .* \(healthy\)$/);

      await waitFor('unhealthy', async () => (await inspect(run, bad, '{{.State.Health.Status}}')) === 'unhealthy');
      assert.ok(Number(await inspect(run, bad, '{{.State.Health.FailingStreak}}')) >= 2);
      assert.equal(await inspect(run, bad, '{{(index .State.Health.Log 0).ExitCode}} {{(index .State.Health.Log 0).Output}}'), '1 bad');
      assert.match(await ok(run, ['ps', '--filter', `name=${bad}`, '--format', '{{.Status}}']), /^Up .* \(unhealthy\)$/);

      const names = async (health: string) => (await ok(run, ['ps', '--filter', `health=${health}`, '--format', '{{.Names}}'])).split('\n');
      assert.ok((await names('healthy')).includes(good));
      assert.ok(!(await names('healthy')).includes(bad));
      assert.ok((await names('unhealthy')).includes(bad));
      assert.ok((await names('starting')).includes(slow));
      assert.ok(!(await names('none')).includes(good));

      const goodEvents = await eventActions(good, t0);
      assert.ok(goodEvents.includes('health_status: healthy'), goodEvents.join(', '));
      assert.ok(goodEvents.includes('exec_create: /bin/sh -c test -e /tmp/ready && echo fine'), goodEvents.join(', '));
      assert.ok(goodEvents.includes('exec_die'), goodEvents.join(', '));
      assert.equal((await eventActions(bad, t0)).filter((a) => a.startsWith('health_status')).join(), 'health_status: unhealthy', 'one event per change');

      // The monitor stops with the container; the last health stays in inspect, as in Docker.
      await ok(run, ['stop', '-t', '0', good]);
      const count = (await inspect(run, good, '{{json .State.Health.Log}}')).length;
      await sleep(500);
      assert.equal((await inspect(run, good, '{{json .State.Health.Log}}')).length, count);
    } finally {
      await run(['rm', '-f', good, bad, slow]);
    }
  });

  test(`${client}: a probe that outlives --health-timeout fails with Docker's message`, async () => {
    const name = uniqueName('timeout');
    try {
      await ok(run, ['run', '-d', '--name', name, '--health-cmd', 'sleep 5', '--health-timeout', '200ms', '--health-interval', '200ms', '--health-retries', '1', 'busybox', 'sleep', '100']);
      await waitFor('unhealthy', async () => (await inspect(run, name, '{{.State.Health.Status}}')) === 'unhealthy');
      assert.equal(
        await inspect(run, name, '{{(index .State.Health.Log 0).ExitCode}} {{(index .State.Health.Log 0).Output}}'),
        '-1 Health check exceeded timeout (200ms)',
      );
    } finally {
      await run(['rm', '-f', name]);
    }
  });

  test(`${client}: restart policy and healthcheck errors`, async () => {
    const bogus = await run(['run', '--restart', 'bogus', 'busybox', 'true']);
    assert.equal(bogus.code, 125);
    assert.match(bogus.stderr, /invalid restart policy: unknown policy 'bogus'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'/);
    const both = await run(['run', '--no-healthcheck', '--health-cmd', 'true', 'busybox', 'true']);
    assert.equal(both.code, 125);
    assert.match(both.stderr, /--no-healthcheck conflicts with --health-\* options/);
    const tiny = await run(['run', '--rm', '--health-cmd', 'true', '--health-interval', '10us', 'busybox', 'true']);
    assert.equal(tiny.code, 125);
    assert.match(tiny.stderr, /Interval in Healthcheck cannot be less than 1ms/);
  });
}

test('the image HEALTHCHECK runs unless --no-healthcheck', async () => {
  const tag = uniqueName('hc-image');
  const ctx = await mkdtemp(join(tmpdir(), 'berth-hc-'));
  const withCheck = uniqueName('hc-on');
  const without = uniqueName('hc-off');
  try {
    await writeFile(join(ctx, 'Dockerfile'), 'FROM busybox\nSHELL ["/bin/sh", "-ec"]\nHEALTHCHECK --interval=200ms --retries=1 CMD echo from-image\n');
    await ok(berth, ['build', '-q', '-t', tag, ctx]);
    // The image's own inspect shows them, as dockerd's does.
    assert.equal(
      await ok(berth, ['image', 'inspect', '--format', '{{json .Config.Healthcheck}} {{json .Config.Shell}}', tag]),
      '{"Test":["CMD-SHELL","echo from-image"],"Interval":200000000,"Retries":1} ["/bin/sh","-ec"]',
    );
    await ok(berth, ['run', '-d', '--name', withCheck, tag, 'sleep', '100']);
    await ok(berth, ['run', '-d', '--name', without, '--no-healthcheck', tag, 'sleep', '100']);
    await waitFor('healthy', async () => (await inspect(berth, withCheck, '{{.State.Health.Status}}')) === 'healthy');
    assert.equal(await inspect(berth, withCheck, '{{(index .State.Health.Log 0).Output}}'), 'from-image');
    assert.equal(await inspect(berth, withCheck, '{{json .Config.Healthcheck.Test}}'), '["CMD-SHELL","echo from-image"]');
    const [off] = JSON.parse(await ok(berth, ['inspect', without])) as { Config: { Healthcheck: { Test: string[] } }; State: { Health?: unknown } }[];
    assert.deepEqual(off?.Config.Healthcheck.Test, ['NONE']);
    assert.equal(off?.State.Health, undefined, 'no State.Health without a healthcheck');
    assert.match(await ok(berth, ['ps', '--filter', `name=${without}`, '--format', '{{.Status}}']), /^Up [^(]*$/);
    assert.ok((await ok(berth, ['ps', '--filter', 'health=none', '--format', '{{.Names}}'])).split('\n').includes(without));
  } finally {
    await berth(['rm', '-f', withCheck, without]);
    await berth(['rmi', tag]);
    await rm(ctx, { recursive: true, force: true });
  }
});

/** Beside the shared daemon's roots, as daemon-restart.test.ts names its own. */
const DAEMON_NAME = ((p) => (p ? `${p}-policy` : 'policy'))(basename(dirname(SHARED_HOST.replace(/^unix:\/\//, ''))).replace(/^berth-test-?/, ''));

test('after a daemon restart (as after a reboot) always and unless-stopped containers are started again', { timeout: 120_000 }, async () => {
  let d = await startPrivateDaemon(DAEMON_NAME);
  try {
    await makeBusybox(d.host);
    const run = (args: string[]) => ok(berth, ['run', '-d', ...args, 'busybox', 'sleep', '1000'], d.host);
    const always = await run(['--name', 'always', '--restart', 'always']);
    const alwaysStopped = await run(['--name', 'always-stopped', '--restart', 'always']);
    const unless = await run(['--name', 'unless', '--restart', 'unless-stopped']);
    const unlessStopped = await run(['--name', 'unless-stopped', '--restart', 'unless-stopped']);
    const plain = await run(['--name', 'plain']);
    const healthy = await run(['--name', 'healthy', '--restart', 'always', '--health-cmd', 'true', '--health-interval', '200ms']);
    await ok(berth, ['stop', '-t', '0', alwaysStopped, unlessStopped], d.host);
    await waitFor('healthy', async () => (await inspect(berth, healthy, '{{.State.Health.Status}}', d.host)) === 'healthy');

    // The daemon dies, then the containers' processes: exits it never sees, as in a reboot.
    const pids = await Promise.all([always, unless, plain, healthy].map(async (id) => Number(await inspect(berth, id, '{{.State.Pid}}', d.host))));
    await d.kill();
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    await sleep(300);

    d = await startPrivateDaemon(DAEMON_NAME, { dataRoot: d.dataRoot, runRoot: d.runRoot });
    const status = (ref: string) => inspect(berth, ref, '{{.State.Status}}', d.host);
    assert.equal(await status(always), 'running');
    assert.equal(await status(alwaysStopped), 'running', 'always: even after a stop, once the daemon restarts');
    assert.equal(await status(unless), 'running');
    assert.equal(await status(unlessStopped), 'exited', 'unless-stopped: a stop is remembered');
    assert.equal(await status(plain), 'exited');
    // The healthcheck resumes with the container.
    await waitFor('healthy again', async () => (await inspect(berth, healthy, '{{.State.Health.Status}}', d.host)) === 'healthy');
    const ps = await ok(berth, ['ps', '--format', '{{.Names}}'], d.host);
    assert.deepEqual(ps.split('\n').sort(), ['always', 'always-stopped', 'healthy', 'unless']);
  } finally {
    await d.destroy();
  }
});


test('a Healthcheck whose unset fields are null, as docker-py (compose) sends it, is accepted', async () => {
  const name = uniqueName('hc-null');
  const r = await api('POST', `/containers/create?name=${name}`, {
    Image: 'busybox',
    Cmd: ['true'],
    Healthcheck: { Test: ['CMD', 'true'], Interval: 500_000_000, Timeout: null, Retries: null, StartPeriod: null },
  });
  try {
    assert.equal(r.status, 201, r.body);
  } finally {
    await berth(['rm', '-f', name]);
  }
});

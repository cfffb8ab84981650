/**
 * The container commands other than run's flags, end to end through both CLIs: lifecycle
 * (start/stop/kill/restart/pause/rm/wait/rename), top, logs, attach, exec, ps, inspect, version, info,
 * names and IDs, and Docker's CREATED/STATUS wording.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, berth, CLIENTS, docker, SHARED_HOST, uniqueName, type RunResult } from './harness.js';

type Run = (typeof CLIENTS)[number]['run'];

function ok(r: RunResult, what: string): string {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}`);
  return r.stdout;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A detached container named for the test, removed whatever happens. */
async function withContainer(run: Run, args: string[], body: (name: string, id: string) => Promise<void>): Promise<void> {
  const name = uniqueName('cmd');
  try {
    const id = ok(await run(['run', '-d', '--name', name, ...args]), 'run -d').trim();
    await body(name, id);
  } finally {
    await run(['rm', '-f', name]);
  }
}

async function state(run: Run, ref: string): Promise<string> {
  return ok(await run(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', ref]), 'inspect').trim();
}

for (const { name: client, run } of CLIENTS) {
  test(`${client}: create, then start -a (exit code and both streams) and start -ai (stdin)`, async () => {
    const name = uniqueName('start');
    try {
      ok(await run(['create', '--name', name, 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']), 'create');
      assert.equal(await state(run, name), 'created 0');
      const a = await run(['start', '-a', name]);
      assert.deepEqual([a.code, a.stdout, a.stderr], [3, 'out\n', 'err\n']);
      assert.equal(await state(run, name), 'exited 3');
      // start without -a prints the name and returns at once.
      assert.equal(ok(await run(['start', name]), 'start').trim(), name);
      assert.equal(ok(await run(['wait', name]), 'wait').trim(), '3');
    } finally {
      await run(['rm', '-f', name]);
    }
    const cat = uniqueName('start-i');
    try {
      ok(await run(['create', '-i', '--name', cat, 'busybox', 'sh', '-c', 'cat; echo eof']), 'create -i');
      const ai = await run(['start', '-ai', cat], { input: 'piped\n', timeoutMs: 20_000 });
      assert.deepEqual([ai.code, ai.stdout], [0, 'piped\neof\n'], ai.stderr);
    } finally {
      await run(['rm', '-f', cat]);
    }
  });

  test(`${client}: stop sends the stop signal, then SIGKILL after -t`, async () => {
    const trapper = 'trap "exit 0" TERM; while :; do sleep 0.1; done';
    await withContainer(run, ['busybox', 'sh', '-c', trapper], async (name) => {
      await sleep(300); // the trap is set
      const t0 = Date.now();
      assert.equal(ok(await run(['stop', name]), 'stop').trim(), name);
      assert.ok(Date.now() - t0 < 5000, 'a container that exits on TERM stops at once');
      assert.equal(await state(run, name), 'exited 0');
    });
    await withContainer(run, ['busybox', 'sleep', '60'], async (name) => {
      const t0 = Date.now();
      ok(await run(['stop', '-t', '1', name]), 'stop -t 1');
      const ms = Date.now() - t0;
      assert.ok(ms >= 900 && ms < 6000, `stop -t 1 took ${ms} ms`);
      assert.equal(await state(run, name), 'exited 137');
    });
  });

  test(`${client}: kill [-s], restart, wait`, async () => {
    const script = 'trap "echo got-hup" HUP; while :; do sleep 0.1; done';
    await withContainer(run, ['busybox', 'sh', '-c', script], async (name) => {
      await sleep(300);
      assert.equal(ok(await run(['kill', '-s', 'HUP', name]), 'kill -s HUP').trim(), name);
      await sleep(300);
      assert.equal(ok(await run(['logs', name]), 'logs'), 'got-hup\n');
      assert.equal((await state(run, name)).split(' ')[0], 'running');
      const pid1 = ok(await run(['inspect', '--format', '{{.State.Pid}}', name]), 'inspect').trim();
      assert.equal(ok(await run(['restart', '-t', '0', name]), 'restart').trim(), name);
      const pid2 = ok(await run(['inspect', '--format', '{{.State.Pid}} {{.State.Running}}', name]), 'inspect').trim();
      assert.notEqual(pid2, `${pid1} true`);
      assert.match(pid2, /^[1-9]\d* true$/);
      const waiting = run(['wait', name]);
      ok(await run(['kill', name]), 'kill');
      assert.equal(ok(await waiting, 'wait').trim(), '137');
      assert.equal(await state(run, name), 'exited 137');
    });
  });

  test(`${client}: pause and unpause; ps shows (Paused), exec is refused`, async () => {
    await withContainer(run, ['busybox', 'sleep', '60'], async (name, id) => {
      assert.equal(ok(await run(['pause', name]), 'pause').trim(), name);
      assert.equal(ok(await run(['inspect', '--format', '{{.State.Status}} {{.State.Paused}} {{.State.Running}}', name]), 'inspect').trim(), 'paused true true');
      assert.match(ok(await run(['ps', '--filter', `name=${name}`, '--format', '{{.Status}}']), 'ps'), /^Up .+ \(Paused\)\n$/);
      const ex = await run(['exec', name, 'true']);
      assert.notEqual(ex.code, 0);
      assert.match(ex.stderr, new RegExp(`Container ${id} is paused, unpause the container before exec`));
      assert.equal(ok(await run(['unpause', name]), 'unpause').trim(), name);
      assert.match(ok(await run(['ps', '--filter', `name=${name}`, '--format', '{{.Status}}']), 'ps'), /^Up [^(]+\n$/);
      ok(await run(['exec', name, 'true']), 'exec after unpause');
    });
  });

  test(`${client}: rm refuses a running container without -f; rm -f, rm -v`, async () => {
    const name = uniqueName('rm');
    ok(await run(['run', '-d', '--name', name, 'busybox', 'sleep', '60']), 'run');
    try {
      const r = await run(['rm', name]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`Error response from daemon: cannot remove container "/?${name}": container is running: stop the container before removing or force remove`));
      assert.equal(ok(await run(['rm', '-f', name]), 'rm -f').trim(), name);
    } finally {
      await run(['rm', '-f', name]);
    }
    assert.notEqual((await run(['inspect', name])).code, 0);
    const stopped = uniqueName('rmv');
    ok(await run(['create', '--name', stopped, 'busybox', 'true']), 'create');
    assert.equal(ok(await run(['rm', '-v', stopped]), 'rm -v').trim(), stopped);
    assert.equal(ok(await run(['ps', '-aq', '--filter', `name=${stopped}`]), 'ps'), '');
  });

  test(`${client}: rename, top, top -o`, async () => {
    await withContainer(run, ['busybox', 'sleep', '60'], async (name, id) => {
      const renamed = `${name}-new`;
      try {
        ok(await run(['rename', name, renamed]), 'rename');
        assert.equal(ok(await run(['inspect', '--format', '{{.Name}}', id]), 'inspect').trim(), `/${renamed}`);
        assert.equal(ok(await run(['ps', '-q', '--filter', `name=${name}$`]), 'ps old name'), '');
        const top = ok(await run(['top', renamed]), 'top').split('\n');
        assert.match(top[0] ?? '', /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
        const pid = ok(await run(['inspect', '--format', '{{.State.Pid}}', id]), 'inspect').trim();
        assert.ok(top.some((l) => new RegExp(`^root\\s+${pid}\\s.*sleep 60$`).test(l)), top.join('\n'));
        const topO = ok(await run(['top', renamed, '-o', 'pid,comm']), 'top -o').split('\n');
        assert.match(topO[0] ?? '', /^PID\s+COMMAND$/);
        assert.match(topO[1] ?? '', new RegExp(`^${pid}\\s+sleep$`));
      } finally {
        await run(['rm', '-f', renamed]);
      }
    });
  });

  test(`${client}: logs with -f, -t, --tail, --since, --until`, async () => {
    const script = 'echo one; echo two >&2; sleep 1.2; echo three; sleep 0.6; echo four';
    await withContainer(run, ['busybox', 'sh', '-c', script], async (name) => {
      // -f follows until the container exits.
      const f = await run(['logs', '-f', name], { timeoutMs: 20_000 });
      assert.deepEqual([f.code, f.stdout, f.stderr], [0, 'one\nthree\nfour\n', 'two\n']);
      const tail = await run(['logs', '--tail', '2', name]);
      assert.equal(tail.stdout, 'three\nfour\n');
      const t = ok(await run(['logs', '-t', name]), 'logs -t').split('\n').filter(Boolean);
      assert.equal(t.length, 3);
      for (const l of t) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (one|three|four)$/);
      // A point in time between `one` and `three`, as unix seconds with a fraction.
      const at = (i: number) => Date.parse((t[i] ?? '').split(' ')[0] ?? '');
      const mid = ((at(0) + at(1)) / 2 / 1000).toFixed(3);
      assert.equal(ok(await run(['logs', '--since', mid, name]), 'logs --since'), 'three\nfour\n');
      const until = await run(['logs', '--until', mid, name]);
      assert.deepEqual([until.stdout, until.stderr], ['one\n', 'two\n']);
      assert.equal(ok(await run(['logs', '--since', '1h', '--tail', '1', name]), 'logs --since 1h'), 'four\n');
      // --details: the (here empty) attributes and a space before each line, after a timestamp.
      assert.equal(ok(await run(['logs', '--details', '--tail', '1', name]), 'logs --details'), ' four\n');
      assert.match(ok(await run(['logs', '--details', '-t', '--tail', '1', name]), 'logs --details -t'), /^\d{4}-\d\d-\d\dT[^ ]+Z  four\n$/);
    });
  });

  test(`${client}: attach streams a running container's output and returns its exit code`, async () => {
    await withContainer(run, ['busybox', 'sh', '-c', 'sleep 1; echo out; echo err >&2; exit 4'], async (name) => {
      const a = await run(['attach', name], { timeoutMs: 20_000 });
      assert.deepEqual([a.code, a.stdout, a.stderr], [4, 'out\n', 'err\n']);
    });
  });

  test(`${client}: exec with -e, -w, -u, -i, -t, -d, --privileged`, async () => {
    await withContainer(run, ['busybox', 'sleep', '60'], async (name) => {
      const e = await run(['exec', '-e', 'A=1', '--env', 'B=2', '-w', '/tmp', '-u', 'nobody', name, 'sh', '-c', 'echo $A $B $(pwd) $(id -un)']);
      assert.equal(ok(e, 'exec').trim(), '1 2 /tmp nobody');
      assert.equal(ok(await run(['exec', '-i', name, 'cat'], { input: 'to stdin\n' }), 'exec -i'), 'to stdin\n');
      assert.equal(ok(await run(['exec', name, 'cat']), 'exec without -i').trim(), '');
      assert.match(ok(await run(['exec', '-t', name, 'tty']), 'exec -t'), /^\/dev\/pts\/\d+\r?\n$/);
      const d = await run(['exec', '-d', name, 'sh', '-c', 'sleep 0.3; touch /tmp/exec-d']);
      assert.deepEqual([d.code, d.stdout], [0, '']);
      await sleep(1000);
      ok(await run(['exec', name, 'test', '-f', '/tmp/exec-d']), 'exec -d ran');
      const caps = (args: string[]) => run(['exec', ...args, name, 'grep', 'CapEff', '/proc/self/status']);
      const plain = BigInt(`0x${ok(await caps([]), 'caps').trim().split(/\s+/)[1]}`);
      const priv = BigInt(`0x${ok(await caps(['--privileged']), 'caps --privileged').trim().split(/\s+/)[1]}`);
      assert.equal(plain & (1n << 21n), 0n);
      assert.equal(priv & (1n << 21n), 1n << 21n);
      const code = await run(['exec', name, 'sh', '-c', 'exit 9']);
      assert.equal(code.code, 9);
      const missing = await run(['exec', name, 'nosuch']);
      assert.equal(missing.code, 127);
      assert.match(missing.stdout + missing.stderr, /exec: "nosuch": executable file not found in \$PATH/);
    });
  });

  test(`${client}: ps -a, -q, -l, -n, -s, --no-trunc, filters, --format table and json`, async () => {
    const key = uniqueName('ps');
    const names = [`${key}-up`, `${key}-exited`, `${key}-created`];
    const label = `grp=${key}`;
    try {
      const upId = ok(await run(['run', '-d', '--name', names[0] ?? '', '-l', label, 'busybox', 'sleep', '60']), 'run -d').trim();
      const ex = await run(['run', '--name', names[1] ?? '', '-l', label, 'busybox', 'sh', '-c', 'exit 3']);
      assert.equal(ex.code, 3);
      ok(await run(['create', '--name', names[2] ?? '', '-l', label, 'busybox', 'true']), 'create');
      const byLabel = ['--filter', `label=${label}`];
      const fmt = (args: string[]) => run(['ps', ...byLabel, ...args, '--format', '{{.Names}}']).then((r) => ok(r, 'ps').trim().split('\n').filter(Boolean));
      assert.deepEqual(await fmt([]), [names[0]]);
      assert.deepEqual(await fmt(['-a']), [names[2], names[1], names[0]]);
      assert.deepEqual(await fmt(['-n', '2']), [names[2], names[1]]);
      assert.deepEqual(await fmt(['-l']), [names[2]]);
      assert.deepEqual(await fmt(['-a', '-f', 'status=exited']), [names[1]]);
      assert.deepEqual(await fmt(['-a', '-f', 'status=created']), [names[2]]);
      assert.deepEqual(await fmt(['-a', '-f', 'status=running']), [names[0]]);
      assert.deepEqual(await fmt(['-a', '-f', 'exited=3']), [names[1]]);
      assert.deepEqual(await fmt(['-a', '-f', 'exited=0']), []);
      assert.deepEqual(await fmt(['-a', '-f', `name=${names[1]}`]), [names[1]]);
      assert.deepEqual(await fmt(['-a', '-f', `id=${upId.slice(0, 10)}`]), [names[0]]);
      assert.deepEqual(await fmt(['-a', '-f', 'ancestor=busybox']), [names[2], names[1], names[0]]);
      assert.deepEqual(await fmt(['-a', '-f', 'ancestor=nosuch-image-xyz']), []);
      const bridgeId = ok(await run(['network', 'inspect', '--format', '{{.Id}}', 'bridge']), 'network inspect').trim();
      assert.deepEqual(await fmt(['-a', '-f', `network=${bridgeId.slice(0, 12)}`]), [names[2], names[1], names[0]]);
      assert.deepEqual(await fmt(['-a', '-f', `network=${bridgeId}`]), [names[2], names[1], names[0]]);

      const q = ok(await run(['ps', '-q', ...byLabel]), 'ps -q');
      assert.equal(q, `${upId.slice(0, 12)}\n`);
      assert.equal(ok(await run(['ps', '-q', '--no-trunc', ...byLabel]), 'ps -q --no-trunc'), `${upId}\n`);

      const table = ok(await run(['ps', ...byLabel]), 'ps').split('\n');
      assert.match(table[0] ?? '', /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
      assert.match(table[1] ?? '', new RegExp(`^${upId.slice(0, 12)}\\s+busybox\\s+"sleep 60"\\s+.+ago\\s+Up .+\\s+${names[0]}$`));
      const noTrunc = ok(await run(['ps', '--no-trunc', ...byLabel]), 'ps --no-trunc');
      assert.ok(noTrunc.includes(upId));
      const sized = ok(await run(['ps', '-s', ...byLabel]), 'ps -s').split('\n');
      assert.match(sized[0] ?? '', /\s+NAMES\s+SIZE$/);
      assert.match(sized[1] ?? '', /\s\d+(\.\d+)?[kMG]?B \(virtual \d+(\.\d+)?[kMG]?B\)$/);

      const custom = ok(await run(['ps', '-a', ...byLabel, '--format', 'table {{.Names}}\t{{.State}}']), 'ps table').split('\n');
      assert.match(custom[0] ?? '', /^NAMES\s+STATE$/);
      assert.match(custom[1] ?? '', new RegExp(`^${names[2]}\\s+created$`));
      const json = ok(await run(['ps', ...byLabel, '--format', 'json']), 'ps --format json').trim();
      const row = JSON.parse(json) as Record<string, string>;
      assert.equal(row['ID'], upId.slice(0, 12));
      assert.equal(row['Names'], names[0]);
      assert.equal(row['Image'], 'busybox');
      assert.equal(row['State'], 'running');
      assert.equal(row['Labels'], label);
      assert.match(row['Status'] ?? '', /^Up /);
      // As docker/cli: sizes are computed only when the template renders them.
      assert.equal(row['Size'], '0B');
      const all = JSON.parse(ok(await run(['ps', ...byLabel, '--format', '{{json .}}']), 'ps {{json .}}')) as Record<string, string>;
      assert.match(all['Size'] ?? '', /B \(virtual /);
    } finally {
      await run(['rm', '-f', ...names]);
    }
  });

  test(`${client}: ps -f publish= (host port, ranges), expose=, volume= (destination, name, bind source)`, async () => {
    const name = uniqueName('psf');
    const port = 20000 + Math.floor(Math.random() * 20000);
    try {
      ok(await run(['run', '-d', '--name', name, '-p', `${port}:90`, '--expose', '53/udp', '-v', `${name}-vol:/data`, '-v', '/tmp:/hosttmp', 'busybox', 'sleep', '60']), 'run -d');
      const fmt = async (f: string) => ok(await run(['ps', '-f', `name=${name}`, '-f', f, '--format', '{{.Names}}']), `ps -f ${f}`).trim();
      for (const f of [`publish=${port}`, `publish=${port - 5}-${port + 5}/tcp`, 'expose=90', 'expose=53/udp', `volume=${name}-vol`, 'volume=/data', 'volume=/tmp', 'volume=/hosttmp']) {
        assert.equal(await fmt(f), name, f);
      }
      for (const f of [`publish=${port}/udp`, 'publish=90', 'expose=91', 'volume=/nothing']) assert.equal(await fmt(f), '', f);
      const bad = await run(['ps', '-f', `publish=127.0.0.1:${port}`]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /filter for 'publish' should not contain ':'/);
    } finally {
      await run(['rm', '-f', '-v', name]);
      await run(['volume', 'rm', `${name}-vol`]);
    }
  });

  test(`${client}: inspect has Docker's shape`, async () => {
    await withContainer(run, ['-e', 'X=1', 'busybox', 'sleep', '60'], async (name, id) => {
      const [c] = JSON.parse(ok(await run(['inspect', name]), 'inspect')) as Record<string, unknown>[];
      assert.ok(c);
      const types: Record<string, string> = {
        Id: 'string', Created: 'string', Path: 'string', Args: 'array', State: 'object', Image: 'string', Name: 'string',
        RestartCount: 'number', Driver: 'string', Platform: 'string', Config: 'object', HostConfig: 'object',
        GraphDriver: 'object', Mounts: 'array', NetworkSettings: 'object',
      };
      for (const [k, t] of Object.entries(types)) assert.equal(Array.isArray(c[k]) ? 'array' : typeof c[k], t, k);
      assert.equal(c['Id'], id);
      assert.equal(c['Name'], `/${name}`);
      assert.equal(c['Path'], 'sleep');
      assert.deepEqual(c['Args'], ['60']);
      assert.match(c['Image'] as string, /^sha256:[0-9a-f]{64}$/);
      assert.match(c['Created'] as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      const st = JSON.parse(ok(await run(['inspect', '--format', '{{json .State}}', name]), 'inspect State')) as Record<string, unknown>;
      const stateTypes: Record<string, string> = {
        Status: 'string', Running: 'boolean', Paused: 'boolean', Restarting: 'boolean', OOMKilled: 'boolean', Dead: 'boolean',
        Pid: 'number', ExitCode: 'number', Error: 'string', StartedAt: 'string', FinishedAt: 'string',
      };
      for (const [k, t] of Object.entries(stateTypes)) assert.equal(typeof st[k], t, `State.${k}`);
      assert.equal(st['Status'], 'running');
      assert.equal(st['Running'], true);
      const gd = ok(await run(['inspect', '--format', '{{.GraphDriver.Name}} {{.Driver}} {{index .Config.Env 0}}', name]), 'inspect').trim();
      assert.match(gd, /^overlay2 overlay2 /);
      assert.ok(ok(await run(['inspect', '--format', '{{json .Config.Env}}', name]), 'env').includes('"X=1"'));
      // As dockerd's merge: no volumes, ports or ONBUILD of the user's or the image's is null, and ExposedPorts (omitempty) absent.
      const config = JSON.parse(ok(await run(['inspect', '--format', '{{json .Config}}', name]), 'Config')) as Record<string, unknown>;
      assert.deepEqual([config['Volumes'], config['OnBuild'], 'ExposedPorts' in config], [null, null, false], JSON.stringify(config));
      // HostConfig as dockerd serialises it, whichever fields the client sent: all of them, in its order, with what its create records.
      const hc = JSON.parse(ok(await run(['inspect', '--format', '{{json .HostConfig}}', name]), 'HostConfig')) as Record<string, unknown>;
      assert.deepEqual(Object.keys(hc).slice(0, 6), ['Binds', 'ContainerIDFile', 'LogConfig', 'NetworkMode', 'PortBindings', 'RestartPolicy']);
      assert.deepEqual(Object.keys(hc).slice(-2), ['MaskedPaths', 'ReadonlyPaths']);
      assert.deepEqual([hc['IpcMode'], hc['CgroupnsMode'], hc['Isolation'], hc['RestartPolicy']], ['private', 'private', '', { Name: 'no', MaximumRetryCount: 0 }]);
      assert.ok((hc['MaskedPaths'] as string[]).includes('/proc/kcore') && (hc['ReadonlyPaths'] as string[]).includes('/proc/sys'), JSON.stringify(hc));
      // The type-specific form and a prefix of the ID resolve the same container.
      assert.equal(ok(await run(['container', 'inspect', '--format', '{{.Id}}', id.slice(0, 7)]), 'container inspect').trim(), id);
    });
  });

  test(`${client}: version and info`, async () => {
    const v = ok(await run(['version', '--format', '{{.Server.APIVersion}} {{.Server.MinAPIVersion}} {{.Server.Os}}']), 'version').trim();
    assert.equal(v, '1.50 1.24 linux');
    const plain = ok(await run(['version']), 'version');
    assert.match(plain, /^Client:/m);
    assert.match(plain, /^Server:/m);
    const info = JSON.parse(ok(await run(['info', '--format', '{{json .}}']), 'info')) as Record<string, unknown>;
    for (const k of ['Containers', 'ContainersRunning', 'ContainersPaused', 'ContainersStopped', 'Images']) assert.equal(typeof info[k], 'number', k);
    assert.ok(['crun', 'runc'].includes(info['DefaultRuntime'] as string));
    assert.equal(typeof info['Runtimes'], 'object');
    assert.match(ok(await run(['info']), 'info'), /Default Runtime: (crun|runc)/);
  });

  test(`${client}: generated names, 64-hex IDs shown as 12, prefixes resolve, CREATED/STATUS wording`, async () => {
    const id = ok(await run(['create', 'busybox', 'true']), 'create').trim();
    try {
      assert.match(id, /^[0-9a-f]{64}$/);
      const name = ok(await run(['inspect', '--format', '{{.Name}}', id]), 'inspect').trim();
      assert.match(name, /^\/[a-z]+_[a-z]+\d*$/);
      assert.equal(ok(await run(['inspect', '--format', '{{.Id}}', name.slice(1)]), 'by name').trim(), id);
      assert.equal(ok(await run(['inspect', '--format', '{{.Id}}', id.slice(0, 12)]), 'by prefix').trim(), id);
      const row = () => run(['ps', '-a', '--filter', `id=${id}`, '--format', '{{.ID}}|{{.RunningFor}}|{{.Status}}']).then((r) => ok(r, 'ps').trim());
      assert.match(await row(), new RegExp(`^${id.slice(0, 12)}\\|(Less than a second|\\d+ seconds?) ago\\|Created$`));
      ok(await run(['start', id.slice(0, 12)]), 'start by prefix');
      assert.equal(ok(await run(['wait', id.slice(0, 5)]), 'wait by prefix').trim(), '0');
      assert.match(await row(), /\|(Less than a second|\d+ seconds?) ago\|Exited \(0\) (Less than a second|\d+ seconds?) ago$/);
    } finally {
      await run(['rm', '-f', id]);
    }
    await withContainer(run, ['busybox', 'sleep', '60'], async (_name, upId) => {
      await sleep(2100);
      const status = ok(await run(['ps', '--filter', `id=${upId}`, '--format', '{{.Status}}']), 'ps').trim();
      assert.match(status, /^Up [2-9] seconds$/);
    });
  });
}

/** POSTs a JSON body with `Upgrade: tcp` on a raw socket; resolves with each chunk as it was read. */
function upgradedPost(path: string, body: unknown): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const sock = createConnection(SHARED_HOST.replace(/^unix:\/\//, ''));
    const chunks: Buffer[] = [];
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('end', () => {
      sock.destroy();
      resolve(chunks);
    });
    sock.on('error', reject);
    sock.write(
      `POST ${path} HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(data)}\r\n\r\n${data}`,
    );
  });
}

// docker-py (compose's `exec -T`) reads the 101 response through a buffered reader, then reads the
// raw socket: output that arrives together with the headers is lost, so dockerd's order matters.
// The process prints after a pause: a client this test's own, slowed by a loaded machine, could
// otherwise read headers and output together from any server, dockerd's included.
test('exec start sends its response headers before the process runs', async () => {
  await withContainer(berth, ['busybox', 'sleep', '60'], async (_name, id) => {
    for (let i = 0; i < 5; i++) {
      const created = await api('POST', `/containers/${id}/exec`, { Cmd: ['sh', '-c', `sleep 0.1; echo "hi ${i}"`], AttachStdout: true, AttachStderr: true });
      assert.equal(created.status, 201, created.body);
      const chunks = await upgradedPost(`/exec/${(created.json() as { Id: string }).Id}/start`, { Detach: false, Tty: false });
      const first = chunks[0]?.toString('latin1') ?? '';
      assert.match(first, /^HTTP\/1\.1 101 UPGRADED\r\n/);
      assert.ok(first.endsWith('\r\n\r\n'), `the first read holds the headers alone: ${JSON.stringify(first)}`);
      const out = Buffer.concat(chunks.slice(1));
      const text = Buffer.from(`hi ${i}\n`);
      assert.deepEqual(out, Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, text.length]), text]), 'one stdout frame');
    }
  });
});

/** A multiplexed stream's frames as `stream:text` strings. */
function frames(buf: Buffer): string[] {
  const out: string[] = [];
  for (let at = 0; at + 8 <= buf.length; at += 8 + buf.readUInt32BE(at + 4)) out.push(`${buf[at]}:${buf.subarray(at + 8, at + 8 + buf.readUInt32BE(at + 4)).toString()}`);
  return out;
}

test('attach: logs=1 replays what the container wrote, stream=0 ends the answer after that (or at once), stream=1 goes on live', { timeout: 30_000 }, async () => {
  const name = uniqueName('attach-logs');
  assert.equal((await berth(['run', '--name', name, 'busybox', 'sh', '-c', 'echo out1; echo err1 >&2'])).code, 0);
  try {
    const replayed = await api('POST', `/containers/${name}/attach?stream=0&logs=1&stdout=1&stderr=1`);
    assert.equal(replayed.status, 200, replayed.body);
    assert.deepEqual(frames(Buffer.from(replayed.body, 'latin1')), ['1:out1\n', '2:err1\n']);
    const stderrOnly = await api('POST', `/containers/${name}/attach?stream=0&logs=1&stderr=1`);
    assert.deepEqual(frames(Buffer.from(stderrOnly.body, 'latin1')), ['2:err1\n']);
    const nothing = await api('POST', `/containers/${name}/attach?stream=0&stdout=1`);
    assert.equal(nothing.status, 200);
    assert.equal(nothing.body, '');
  } finally {
    await berth(['rm', '-f', name]);
  }
  await withContainer(berth, ['busybox', 'sh', '-c', 'echo before; sleep 1; echo after'], async (_name, id) => {
    await new Promise((r) => setTimeout(r, 300));
    const chunks = await upgradedPost(`/containers/${id}/attach?stream=1&logs=1&stdout=1&stderr=1`, {});
    const head = chunks[0]?.toString('latin1') ?? '';
    assert.match(head, /^HTTP\/1\.1 101 UPGRADED\r\n/);
    const body = Buffer.concat(chunks).subarray(head.indexOf('\r\n\r\n') + 4);
    assert.deepEqual(frames(body), ['1:before\n', '1:after\n']);
  });
});

test("berth follows the docker CLI's contexts: -c NAME, DOCKER_CONTEXT and `docker context use`; --config names their directory; an unknown context is an error", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-contexts-'));
  try {
    const made = await docker(['context', 'create', 'berth-e2e', '--docker', `host=${SHARED_HOST}`], { env: { DOCKER_CONFIG: dir } });
    assert.equal(made.code, 0, made.stderr);
    // No BERTH_HOST or DOCKER_HOST: those would choose the default context.
    const bare = { BERTH_HOST: '', DOCKER_HOST: '', DOCKER_CONFIG: dir };
    const idOf = async (args: string[], env: Record<string, string>) => {
      const r = await berth([...args, 'version', '--format', '{{.Server.Version}}'], { env });
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      return r.stdout.trim();
    };
    const expected = (await berth(['version', '--format', '{{.Server.Version}}'])).stdout.trim();
    assert.equal(await idOf(['-c', 'berth-e2e'], bare), expected);
    assert.equal(await idOf(['--config', dir, '-c', 'berth-e2e'], { BERTH_HOST: '', DOCKER_HOST: '', DOCKER_CONFIG: '/nonexistent' }), expected);
    assert.equal(await idOf([], { ...bare, DOCKER_CONTEXT: 'berth-e2e' }), expected);
    assert.equal((await docker(['context', 'use', 'berth-e2e'], { env: { DOCKER_CONFIG: dir } })).code, 0);
    assert.equal(await idOf([], bare), expected);
    const unknown = await berth(['-c', 'nosuch-context', 'ps'], { env: bare });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^Failed to initialize: unable to resolve docker endpoint: context "nosuch-context": context not found: open .*meta\.json: no such file or directory\n$/);
    // Without DOCKER_CONFIG and HOME, the directory is the user's home from the user database.
    const homeless = await berth(['-c', 'nosuch-context', 'ps'], { env: { ...bare, DOCKER_CONFIG: '', HOME: '' } });
    assert.match(homeless.stderr, new RegExp(`open ${homedir()}/\\.docker/contexts/meta/`));
    const both = await berth(['-H', SHARED_HOST, '-c', 'berth-e2e', 'ps'], { env: bare });
    assert.notEqual(both.code, 0);
    assert.match(both.stderr, /conflicting options: cannot specify both --host and --context/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("berth context create/ls/use/show/inspect/update/rm keep the docker CLI's store and print what it prints", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-contexts-'));
  // No BERTH_HOST or DOCKER_HOST: those would choose the default context and draw a warning.
  const bare = { BERTH_HOST: '', DOCKER_HOST: '', DOCKER_CONFIG: dir };
  const both = async (args: string[]): Promise<RunResult> => {
    const [mine, theirs] = await Promise.all([berth(args, { env: bare }), docker(args, { env: bare })]);
    // The default context's endpoint is each tool's own default socket, of another length: columns compared, not their padding.
    const norm = (s: string): string => s.replaceAll('unix:///run/berth/berth.sock', 'DEFAULT').replaceAll('unix:///var/run/docker.sock', 'DEFAULT').replace(/ +$/gm, '').replace(/ {3,}/g, '   ');
    assert.equal(norm(mine.stdout), norm(theirs.stdout), `stdout of ${args.join(' ')}`);
    assert.equal(mine.stderr, theirs.stderr, `stderr of ${args.join(' ')}`);
    assert.equal(mine.code, theirs.code, `code of ${args.join(' ')}`);
    return mine;
  };
  try {
    const made = await berth(['context', 'create', 'mine', '--docker', `host=${SHARED_HOST}`, '--description', 'berth <e2e>'], { env: bare });
    assert.deepEqual([made.code, made.stdout, made.stderr], [0, 'mine\n', 'Successfully created context "mine"\n']);
    for (const args of [['context', 'ls'], ['context', 'ls', '-q'], ['context', 'ls', '--format', 'json'], ['context', 'inspect', 'mine'], ['context', 'show'], ['context', 'create', 'mine'], ['context', 'create', 'default'], ['context', 'create', 'b@d'], ['context', 'use', 'nosuch'], ['context', 'rm', 'default']]) {
      await both(args);
    }
    // What berth made, docker uses; what docker updates, berth shows; and the other way round.
    assert.equal((await docker(['context', 'use', 'mine'], { env: bare })).code, 0);
    assert.equal((await berth(['context', 'show'], { env: bare })).stdout, 'mine\n');
    assert.match((await berth(['version', '--format', '{{.Server.Os}}'], { env: bare })).stdout, /^linux$/m);
    await both(['context', 'ls']);
    await both(['context', 'rm', 'mine']);
    assert.equal((await docker(['context', 'update', 'mine', '--description', 'renamed'], { env: bare })).code, 0);
    assert.match((await berth(['context', 'ls'], { env: bare })).stdout, /^mine \* +renamed +unix:\/\//m);
    const copy = await berth(['context', 'create', 'copy', '--from', 'mine'], { env: bare });
    assert.equal(copy.code, 0, copy.stderr);
    assert.equal((await docker(['context', 'inspect', '--format', '{{.Endpoints.docker.Host}}', 'copy'], { env: bare })).stdout, `${SHARED_HOST}\n`);
    assert.deepEqual(await berth(['context', 'rm', '-f', 'mine', 'copy', 'nosuch'], { env: bare }).then((r) => [r.code, r.stdout]), [0, 'mine\ncopy\nnosuch\n']);
    await both(['context', 'show']);
    await both(['context', 'ls']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

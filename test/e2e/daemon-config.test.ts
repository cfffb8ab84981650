/**
 * The daemon's configuration file (dockerd's daemon.json keys): settings it gives take effect,
 * and it is refused as dockerd refuses one, before the daemon makes anything. Also an explicit
 * default-bridge subnet that overlaps a host route.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BERTH_BIN, CLIENTS, makeBusybox, mountsUnder, runCommand, startPrivateDaemon, uniqueName } from './harness.js';

/** A /24 of 198.18.0.0/15 (RFC 2544, never routed off a host) that no host route touches, as "a.b.c". */
async function freeNet24(): Promise<string> {
  const routes = (await runCommand('ip', ['-4', 'route', 'show', 'table', 'all'])).stdout;
  for (let i = 0; i < 50; i++) {
    const prefix = `198.${18 + randomInt(2)}.${randomInt(256)}`;
    if (!routes.includes(`${prefix}.`) && !/^198\.1[89]\.0\.0\/1[56]/m.test(routes)) return prefix;
  }
  throw new Error('no free /24 in 198.18.0.0/15');
}

async function withConfigFile<T>(content: string, body: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-daemon-config-'));
  try {
    const path = join(dir, 'daemon.json');
    await writeFile(path, content);
    return await body(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('settings from --config-file take effect: bip and dns, through both CLIs', async () => {
  const net = await freeNet24();
  await withConfigFile(JSON.stringify({ bip: `${net}.1/24`, dns: [`${net}.53`] }), async (path) => {
    const d = await startPrivateDaemon(uniqueName('cfg'), undefined, ['--config-file', path]);
    try {
      await makeBusybox(d.host);
      for (const { name: client, run } of CLIENTS) {
        const r = await run(['run', '--rm', 'busybox', 'sh', '-c', 'ip -4 -o addr show eth0; cat /etc/resolv.conf'], { host: d.host });
        assert.equal(r.code, 0, `${client}: ${r.stderr}`);
        assert.match(r.stdout, new RegExp(`inet ${net.replace(/\./g, '\\.')}\\.\\d+/24`), `${client}: ${r.stdout}`);
        assert.match(r.stdout, new RegExp(`^nameserver ${net.replace(/\./g, '\\.')}\\.53$`, 'm'), `${client}: ${r.stdout}`);
        const ipam = await run(['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Subnet}} {{(index .IPAM.Config 0).Gateway}}', 'bridge'], { host: d.host });
        assert.equal(ipam.stdout.trim(), `${net}.0/24 ${net}.1`, `${client}: ${ipam.stderr}`);
      }
    } finally {
      await d.destroy();
    }
  });
});

test("the file's log-driver and log-opts are containers' defaults, as dockerd's; info names the driver", async () => {
  await withConfigFile(JSON.stringify({ 'log-driver': 'local', 'log-opts': { 'max-size': '2k' } }), async (path) => {
    const d = await startPrivateDaemon(uniqueName('cfglog'), undefined, ['--config-file', path]);
    try {
      await makeBusybox(d.host);
      for (const { name: client, run } of CLIENTS) {
        const info = await run(['info', '--format', '{{.LoggingDriver}}'], { host: d.host });
        assert.equal(info.stdout.trim(), 'local', `${client}: ${info.stderr}`);
        const name = uniqueName('cfglog');
        const r = await run(['run', '--name', name, 'busybox', 'sh', '-c', 'i=0; while [ $i -lt 300 ]; do echo line-$i-of-a-log-past-its-cap; i=$((i+1)); done'], { host: d.host });
        assert.equal(r.code, 0, `${client}: ${r.stderr}`);
        const cfg = await run(['inspect', '--format', '{{json .HostConfig.LogConfig}}|{{.LogPath}}', name], { host: d.host });
        const [logConfig, logPath] = cfg.stdout.trim().split('|');
        assert.equal(logConfig, '{"Type":"local","Config":{"max-size":"2k"}}', client);
        assert.ok((await readFile(logPath ?? '')).length <= 2000, `${client}: ${logPath}`);
        // A container naming another driver does not take the daemon's options.
        const other = await run(['create', '--log-driver', 'json-file', 'busybox', 'true'], { host: d.host });
        assert.equal(other.code, 0, `${client}: ${other.stderr}`);
        const otherCfg = await run(['inspect', '--format', '{{json .HostConfig.LogConfig}}', other.stdout.trim()], { host: d.host });
        assert.equal(otherCfg.stdout.trim(), '{"Type":"json-file","Config":{}}', client);
        await run(['rm', '-f', name, other.stdout.trim()], { host: d.host });
      }
    } finally {
      await d.destroy();
    }
  });
});

test("default-cgroupns-mode host: containers that name no mode share the host's cgroup namespace, as dockerd's on cgroup v1", async () => {
  await withConfigFile(JSON.stringify({ 'default-cgroupns-mode': 'host' }), async (path) => {
    const d = await startPrivateDaemon(uniqueName('cfgns'), undefined, ['--config-file', path]);
    try {
      await makeBusybox(d.host);
      const hostNs = await readlink('/proc/self/ns/cgroup');
      for (const { name: client, run } of CLIENTS) {
        for (const [flags, mode] of [[[], 'host'], [['--cgroupns', 'private'], 'private']] as const) {
          const name = uniqueName('cfgns');
          const r = await run(['run', '--name', name, ...flags, 'busybox', 'readlink', '/proc/self/ns/cgroup'], { host: d.host });
          assert.equal(r.code, 0, `${client}: ${r.stderr}`);
          assert.equal(r.stdout.trim() === hostNs, mode === 'host', `${client} ${flags.join(' ')}: ${r.stdout}`);
          assert.equal((await run(['inspect', '-f', '{{.HostConfig.CgroupnsMode}}', name], { host: d.host })).stdout.trim(), mode, client);
          await run(['rm', name], { host: d.host });
        }
      }
    } finally {
      await d.destroy();
    }
  });
});

test('a config file dockerd would refuse keeps the daemon from starting, naming the problem', async () => {
  const net = await freeNet24();
  const cases: Array<[string, readonly string[], RegExp]> = [
    [JSON.stringify({ bip: `${net}.1/24`, colour: 'blue' }), [], /the following directives don't match any configuration option: colour/],
    [JSON.stringify({ bip: `${net}.1/24` }), ['--bip', `${net}.129/25`], /specified both as a flag and in the configuration file: bip: \(from flag: .*, from file: .*\)/],
    ['{"bip": ', [], /unable to configure the berth daemon with file .*daemon\.json/],
  ];
  for (const [content, flags, expected] of cases) {
    await withConfigFile(content, async (path) => {
      const runRoot = `/run/berth-test-${uniqueName('cfg-bad')}`;
      const r = await runCommand(BERTH_BIN, ['daemon', '--exec-root', runRoot, '--data-root', `/var/lib/${runRoot.slice(5)}`, '--config-file', path, ...flags], { timeoutMs: 15_000 });
      assert.notEqual(r.code, 0, `the daemon started with ${content}`);
      assert.match(r.stderr, expected);
      // Refused before anything was made.
      assert.equal((await runCommand('test', ['-e', runRoot])).code, 1, `${runRoot} was made`);
    });
  }
  const missing = await runCommand(BERTH_BIN, ['daemon', '--config-file', '/nonexistent/daemon.json'], { timeoutMs: 15_000 });
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /unable to configure the berth daemon with file \/nonexistent\/daemon\.json: no such file/);
});

test('an explicit --bip that overlaps a host route keeps the daemon from starting, naming the route, and makes no bridge', async () => {
  const net = await freeNet24();
  const holder = `bcf-${uniqueName('x').slice(-6)}`;
  const made = await runCommand('sh', ['-c', `ip link add ${holder} type bridge && ip addr add ${net}.1/24 dev ${holder} && ip link set ${holder} up`]);
  assert.equal(made.code, 0, made.stderr);
  const name = uniqueName('cfg-clash');
  const roots = { dataRoot: `/var/lib/berth-test-${name}`, runRoot: `/run/berth-test-${name}` };
  try {
    const links = async () => (await runCommand('ip', ['-o', 'link', 'show', 'type', 'bridge'])).stdout.split('\n').map((l) => l.split(':')[1]?.trim()).sort();
    const before = await links();
    const r = await runCommand(BERTH_BIN, ['daemon', '--data-root', roots.dataRoot, '--exec-root', roots.runRoot, '--bip', `${net}.200/24`], { timeoutMs: 15_000 });
    assert.notEqual(r.code, 0, 'the daemon started');
    assert.match(r.stderr, new RegExp(`--bip ${net.replace(/\./g, '\\.')}\\.200/24 overlaps the host route ${net.replace(/\./g, '\\.')}\\.0/24 dev ${holder}`));
    assert.deepEqual(await links(), before, 'a bridge was made');
    assert.deepEqual(await mountsUnder(roots.runRoot, { withRuntimeCopies: true }), [], 'a mount was left');
  } finally {
    await runCommand('ip', ['link', 'del', holder]);
    await rm(roots.dataRoot, { recursive: true, force: true });
    await rm(roots.runRoot, { recursive: true, force: true });
  }
});

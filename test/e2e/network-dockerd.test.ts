/**
 * berth and Docker's dockerd side by side on one host: each engine's rules live in its own chains,
 * so neither breaks the other while it starts, stops or prunes. Runs a private dockerd (Debian's
 * docker.io) on its own roots, socket and bridge; skipped only where dockerd is not installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { BERTH_BIN, berth, docker, httpGet, makeBusybox, mountsUnder, runCommand, startPrivateDaemon, uniqueName, waitFor, type PrivateDaemon, type RunResult } from './harness.js';

const DOCKERD = '/usr/sbin/dockerd';

function ok(r: RunResult, what: string): string {
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  return r.stdout.trim();
}

async function sh(script: string): Promise<RunResult> {
  return runCommand('sh', ['-c', script]);
}

/** `iptables -S` of both tables, one rule or chain per line. */
async function rules(): Promise<string[]> {
  const filter = ok(await runCommand('iptables', ['-w', '-S']), 'iptables -S');
  const nat = ok(await runCommand('iptables', ['-w', '-t', 'nat', '-S']), 'iptables -t nat -S');
  return [...filter.split('\n').map((l) => `filter ${l}`), ...nat.split('\n').map((l) => `nat ${l}`)];
}

async function forwardPolicy(): Promise<string> {
  return /^-P FORWARD (\w+)/m.exec(ok(await runCommand('iptables', ['-w', '-S', 'FORWARD']), 'FORWARD'))?.[1] ?? '';
}

/** A /N of 10.<second>.0.0/16 no host route overlaps, as `a.b.c` (the first three octets). */
async function freeNet24(second: number): Promise<string> {
  const routes = ok(await runCommand('ip', ['-4', 'route', 'show', 'table', 'all']), 'routes');
  for (let i = 0; i < 50; i++) {
    const third = randomBytes(1)[0] ?? 1;
    const prefix = `10.${second}.${third}`;
    if (!routes.includes(`10.${second}.${third}.`) && !routes.includes(`10.${second}.0.0/16`) && !routes.includes('10.0.0.0/8')) return prefix;
  }
  throw new Error(`no free /24 in 10.${second}.0.0/16`);
}

/** Everything the test's dockerd makes and must take away again. */
interface DockerdRun {
  pid: number;
  host: string;
  bridge: string;
  dataRoot: string;
  runRoot: string;
  exited: Promise<void>;
}

async function startDockerd(tag: string, bridge: string): Promise<DockerdRun> {
  const dataRoot = `/var/lib/berth-test-${tag}`;
  const runRoot = `/run/berth-test-${tag}`;
  await mkdir(runRoot, { recursive: true });
  // Its own (empty) config file: the host's /etc/docker/daemon.json may set a bip of its own.
  await writeFile(`${runRoot}/daemon.json`, '{}\n');
  const sock = `${runRoot}/docker.sock`;
  const log = openSync(`${runRoot}/dockerd.log`, 'a');
  const child = spawn(
    DOCKERD,
    [
      '--config-file', `${runRoot}/daemon.json`,
      '--data-root', dataRoot,
      '--exec-root', `${runRoot}/exec`,
      '--pidfile', `${runRoot}/docker.pid`,
      '-H', `unix://${sock}`,
      // A bridge the test made, so another dockerd's docker0 is never touched.
      '--bridge', bridge,
      '--default-address-pool', 'base=10.214.0.0/16,size=24',
      '--iptables=true',
    ],
    { stdio: ['ignore', log, log] },
  );
  closeSync(log);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const run: DockerdRun = { pid: child.pid ?? 0, host: `unix://${sock}`, bridge, dataRoot, runRoot, exited };
  try {
    await waitFor('dockerd to answer', async () => (await docker(['version', '--format', '{{.Server.Version}}'], { host: run.host })).code === 0, 60_000);
  } catch (e) {
    const text = await readFile(`${runRoot}/dockerd.log`, 'utf8').catch(() => '');
    throw new Error(`${(e as Error).message}\n${text.slice(-2000)}`);
  }
  return run;
}

/** Stops dockerd by its PID (and the containerd it supervises, should it outlive it). */
async function stopDockerd(d: DockerdRun): Promise<void> {
  const containerdPid = Number((await readFile(`${d.runRoot}/exec/containerd/containerd.pid`, 'utf8').catch(() => '')).trim());
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (alive(d.pid)) {
    process.kill(d.pid, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([d.exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 30_000)))]);
    clearTimeout(timer);
    if (!stopped) {
      process.kill(d.pid, 'SIGKILL');
      await d.exited;
    }
  }
  if (containerdPid > 0 && alive(containerdPid)) {
    process.kill(containerdPid, 'SIGTERM');
    await waitFor('containerd to exit', () => !alive(containerdPid), 15_000).catch(() => process.kill(containerdPid, 'SIGKILL'));
  }
}

/**
 * Takes back what dockerd did to the host: the rules it added to the built-in chains, its chains,
 * the FORWARD policy, its roots (unmounting what containerd left mounted there) and the files it
 * makes outside them.
 */
async function removeDockerdTraces(d: DockerdRun, before: readonly string[], policy: string, extraFiles: readonly string[]): Promise<void> {
  const had = new Set(before);
  const now = await rules();
  const isDockers = (l: string) => /DOCKER/.test(l) || l.includes(d.bridge);
  for (const l of now) {
    const m = /^(filter|nat) -A (PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) (.*)$/.exec(l);
    if (m && !had.has(l) && isDockers(l)) await runCommand('sh', ['-c', `iptables -w -t ${m[1]} -D ${m[2]} ${m[3]}`]);
  }
  for (const l of now) {
    const m = /^(filter|nat) -N (DOCKER\S*)$/.exec(l);
    if (m && !had.has(l)) await runCommand('iptables', ['-w', '-t', m[1] ?? '', '-F', m[2] ?? '']);
  }
  for (const l of now) {
    const m = /^(filter|nat) -N (DOCKER\S*)$/.exec(l);
    if (m && !had.has(l)) await runCommand('iptables', ['-w', '-t', m[1] ?? '', '-X', m[2] ?? '']);
  }
  if (policy) await runCommand('iptables', ['-w', '-P', 'FORWARD', policy]);
  for (const root of [d.dataRoot, d.runRoot]) {
    for (const m of (await mountsUnder(root)).reverse()) await runCommand('umount', ['-l', m]);
    await rm(root, { recursive: true, force: true });
  }
  for (const f of extraFiles) await rm(f, { recursive: true, force: true });
}

test(
  'berth and dockerd side by side: both publish ports, berth keeps forwarding, NAT and DNS, and neither touches the other\'s rules',
  { skip: existsSync(DOCKERD) ? false : `dockerd is not installed (${DOCKERD}); install docker.io to run it`, timeout: 300_000 },
  async (t) => {
    const tag = uniqueName('net-dkd');
    const suffix = tag.slice(-6);
    const dockerBridge = `bdk-${suffix}`;
    const outsideNs = `bto-${suffix}`;
    const before = await rules();
    // dockerd flushes its chains when it starts: a second one would wipe a running dockerd's rules.
    if (before.some((l) => /^(filter|nat) -N DOCKER/.test(l))) {
      t.skip("another dockerd's chains exist on this host; a second dockerd would flush them");
      return;
    }
    const policyBefore = await forwardPolicy();
    // Files dockerd makes outside its roots; removed afterwards only if the test made them.
    const extraFiles = ['/etc/docker/key.json', '/etc/docker', '/run/docker'].filter((f) => !existsSync(f));
    let b: PrivateDaemon | undefined = await startPrivateDaemon(tag);
    const roots = { dataRoot: b.dataRoot, runRoot: b.runRoot };
    let d: DockerdRun | undefined;
    const bTag = (await runCommand('sh', ['-c', `printf '%s' '${b.runRoot}' | sha256sum | cut -c1-6`])).stdout.trim();
    const net = uniqueName('sbs');
    const pruned = uniqueName('sbs-prune');
    try {
      const host = b.host;
      await makeBusybox(host);
      const berthRules = async () => (await rules()).filter((l) => l.includes(`BERTH-${bTag}`) || l.includes(`berth-${bTag}`));

      ok(await berth(['network', 'create', net], { host }), 'network create');
      const web = ok(await berth(['run', '-d', '-p', '127.0.0.1::80', 'busybox', 'httpd', '-f', '-p', '80'], { host }), 'run web');
      const peer = ok(await berth(['run', '-d', 'busybox', 'sleep', '600'], { host }), 'run peer');
      const u1 = uniqueName('u1');
      const u2 = uniqueName('u2');
      for (const n of [u1, u2]) ok(await berth(['run', '-d', '--name', n, '--network', net, 'busybox', 'sleep', '600'], { host }), `run ${n}`);
      const webPort = Number(ok(await berth(['port', web, '80'], { host }), 'port').split(':').at(-1));
      const ipOf = async (c: string, n = 'bridge') => ok(await berth(['inspect', '-f', `{{(index .NetworkSettings.Networks "${n}").IPAddress}}`, c], { host }), 'inspect');
      const gwOf = async (c: string, n = 'bridge') => ok(await berth(['inspect', '-f', `{{(index .NetworkSettings.Networks "${n}").Gateway}}`, c], { host }), 'inspect');
      const webIp = await ipOf(web);
      const berthGw = await gwOf(web);
      const netGw = await gwOf(u1, net);
      const berthBefore = await berthRules();
      assert.ok(berthBefore.length > 0, 'berth made its rules');

      // A peer outside the bridges: a namespace with no route back to berth's subnets, so only
      // forwarding plus masquerade lets a container reach it (and no packet leaves the machine).
      const outside = await freeNet24(215);
      ok(await sh([
        `ip netns add ${outsideNs}`,
        `ip link add ${outsideNs} type veth peer name btp-${suffix}`,
        `ip link set btp-${suffix} netns ${outsideNs}`,
        `ip addr add ${outside}.1/30 dev ${outsideNs}`,
        `ip link set ${outsideNs} up`,
        `ip -n ${outsideNs} addr add ${outside}.2/30 dev btp-${suffix}`,
        `ip -n ${outsideNs} link set btp-${suffix} up`,
      ].join(' && ')), 'outside namespace');

      const dockerNet = await freeNet24(213);
      ok(await sh(`ip link add ${dockerBridge} type bridge && ip addr add ${dockerNet}.1/24 dev ${dockerBridge} && ip link set ${dockerBridge} up`), 'docker bridge');
      d = await startDockerd(`${tag}-d`, dockerBridge);
      assert.deepEqual(await berthRules(), berthBefore, "dockerd's start leaves berth's rules alone");
      // dockerd drops forwarding by default when it turns ip_forward on; berth must not depend on an ACCEPT policy.
      ok(await runCommand('iptables', ['-w', '-P', 'FORWARD', 'DROP']), 'FORWARD DROP');

      ok(await sh(`BERTH_HOST=${host} ${BERTH_BIN} save busybox:latest | DOCKER_HOST=${d.host} docker load`), 'docker load');
      const dk = ok(await docker(['run', '-d', '-p', '127.0.0.1::80', 'busybox', 'httpd', '-f', '-p', '80'], { host: d.host }), 'docker run');
      const dkPort = Number(ok(await docker(['port', dk, '80'], { host: d.host }), 'docker port').split('\n')[0]?.split(':').at(-1));

      const berthWorks = async (when: string) => {
        assert.equal(await httpGet('127.0.0.1', webPort), 404, `${when}: berth's published port answers`);
        ok(await berth(['exec', peer, 'ping', '-c', '1', '-W', '2', webIp], { host }), `${when}: bridge peer -> web`);
        ok(await berth(['exec', peer, 'ping', '-c', '1', '-W', '2', berthGw], { host }), `${when}: bridge peer -> gateway`);
        ok(await berth(['exec', u1, 'ping', '-c', '1', '-W', '2', u2], { host }), `${when}: user network peer by name (DNS)`);
        ok(await berth(['exec', u1, 'ping', '-c', '1', '-W', '2', netGw], { host }), `${when}: user network -> gateway`);
        ok(await berth(['exec', peer, 'ping', '-c', '1', '-W', '2', `${outside}.2`], { host }), `${when}: default bridge -> outside (NAT)`);
        ok(await berth(['exec', u1, 'ping', '-c', '1', '-W', '2', `${outside}.2`], { host }), `${when}: user network -> outside (NAT)`);
      };
      await berthWorks('both engines up, FORWARD DROP');
      assert.equal(await httpGet('127.0.0.1', dkPort), 404, "dockerd's published port answers");

      const dockerRules = async () => (await rules()).filter((l) => /DOCKER/.test(l) || l.includes(dockerBridge));
      const dockerBefore = await dockerRules();
      assert.ok(dockerBefore.some((l) => l.includes('DOCKER-ISOLATION-STAGE-1')), 'dockerd made its chains');

      await b.stop();
      b = undefined;
      assert.deepEqual(await dockerRules(), dockerBefore, "berth's stop leaves dockerd's rules alone");
      b = await startPrivateDaemon(tag, roots);
      assert.deepEqual(await dockerRules(), dockerBefore, "berth's start leaves dockerd's rules alone");
      ok(await berth(['network', 'create', pruned], { host }), 'network create (to prune)');
      assert.match(ok(await berth(['network', 'prune', '-f'], { host }), 'network prune'), new RegExp(pruned));
      assert.deepEqual(await dockerRules(), dockerBefore, "berth's network prune leaves dockerd's rules alone");
      assert.equal(await httpGet('127.0.0.1', dkPort), 404, "dockerd's published port still answers");
      await berthWorks('after a berth restart and prune');

      const berthNow = await berthRules();
      ok(await docker(['rm', '-f', dk], { host: d.host }), 'docker rm');
      await stopDockerd(d);
      assert.deepEqual(await berthRules(), berthNow, "dockerd's stop leaves berth's rules alone");
      await berthWorks('after dockerd stopped');
    } finally {
      if (b) {
        // Containers first: a network in use cannot be removed, and a stopping daemon keeps its networks.
        const ids = (await berth(['ps', '-aq'], { host: b.host })).stdout.split('\n').filter(Boolean);
        if (ids.length) await berth(['rm', '-f', ...ids], { host: b.host });
        await berth(['network', 'rm', net], { host: b.host });
        await b.destroy();
      }
      else await rm(roots.dataRoot, { recursive: true, force: true }).then(() => rm(roots.runRoot, { recursive: true, force: true }));
      if (d) {
        await docker(['rm', '-f', ...(await docker(['ps', '-aq'], { host: d.host })).stdout.split('\n').filter(Boolean)], { host: d.host }).catch(() => undefined);
        await stopDockerd(d);
        await removeDockerdTraces(d, before, policyBefore, extraFiles);
      } else if (policyBefore) {
        await runCommand('iptables', ['-w', '-P', 'FORWARD', policyBefore]);
      }
      await runCommand('ip', ['netns', 'del', outsideNs]);
      await runCommand('ip', ['link', 'del', outsideNs]);
      await runCommand('ip', ['link', 'del', dockerBridge]);
    }
    const after = await rules();
    assert.deepEqual(after.filter((l) => (/DOCKER/.test(l) || l.includes(`BERTH-${bTag}`)) && !before.includes(l)), [], 'no rule or chain of either engine is left');
    assert.equal(await forwardPolicy(), policyBefore, 'the FORWARD policy is restored');
    const links = ok(await runCommand('ip', ['-br', 'link']), 'ip link');
    assert.doesNotMatch(links, new RegExp(`${dockerBridge}|${outsideNs}`));
    assert.equal(existsSync(`/var/lib/berth-test-${tag}-d`), false, "dockerd's data root is gone");
  },
);

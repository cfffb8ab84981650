/**
 * The seed's look inside a container from the host: its first process's PID, its namespaces, its
 * cgroup; nsenter and exec entering it; the hostname and the --net modes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { CLIENTS, api, berth, runCommand, uniqueName } from './harness.js';

const NAMESPACES = ['mnt', 'uts', 'ipc', 'pid', 'net', 'cgroup'] as const;

async function nsOf(pid: number | 'self'): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const ns of NAMESPACES) out[ns] = await readlink(`/proc/${pid}/ns/${ns}`);
  return out;
}

// Prints `ns=<link>` for each namespace of the shell running it (busybox readlink takes one file).
const PRINT_NS = NAMESPACES.map((ns) => `echo "${ns}=$(readlink /proc/self/ns/${ns})"`).join('; ');

/** Whether the container's runtime works through berthd's hybrid-cgroup wrapper (info's runtime status says so). */
async function createdWithoutCgroup2(name: string): Promise<boolean> {
  const rt = (await berth(['inspect', '--format', '{{.HostConfig.Runtime}}', name])).stdout.trim();
  const info = (await api('GET', '/info')).json() as { Runtimes: Record<string, { status?: Record<string, string> }> };
  return /hybrid/.test(info.Runtimes[rt]?.status?.['probe'] ?? '');
}

function parseNs(out: string): Record<string, string> {
  const r: Record<string, string> = {};
  for (const m of out.matchAll(/^(\w+)=(\w+:\[\d+\])$/gm)) r[m[1]!] = m[2]!;
  return r;
}

for (const { name: client, run } of CLIENTS) {
  test(`${client}: State.Pid is the first process, in namespaces and a cgroup of its own; nsenter and exec enter them`, async () => {
    const name = uniqueName('ns');
    const d = await run(['run', '-d', '--name', name, 'busybox', 'sleep', '1000']);
    assert.equal(d.code, 0, d.stderr);
    const id = d.stdout.trim();
    try {
      const r = await run(['inspect', '--format', '{{ .State.Pid }}', name]);
      assert.equal(r.code, 0, r.stderr);
      const pid = Number(r.stdout.trim());
      assert.ok(Number.isInteger(pid) && pid > 1, r.stdout);
      assert.equal((await run(['inspect', '--format', '{{.State.Pid}}', id.slice(0, 12)])).stdout.trim(), String(pid));
      assert.equal((await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ').trim(), 'sleep 1000');
      // NSpid: the host PID, then 1 in the container's own PID namespace.
      assert.match(await readFile(`/proc/${pid}/status`, 'utf8'), new RegExp(`^NSpid:\\s+${pid}\\s+1$`, 'm'));

      const host = await nsOf('self');
      const ctr = await nsOf(pid);
      for (const ns of NAMESPACES) assert.notEqual(ctr[ns], host[ns], `${ns} namespace is the host's`);

      const cgroup = (await readFile(`/proc/${pid}/cgroup`, 'utf8')).trim().split('\n');
      // crun on a hybrid cgroup host creates containers with the cgroup2 mount hidden: v1 hierarchies only.
      const v1Only = await createdWithoutCgroup2(name);
      for (const line of cgroup) {
        if (v1Only && line.startsWith('0::')) assert.ok(!line.includes('/berth/'), `cgroup line ${line}`);
        else assert.ok(line.endsWith(`:/berth/${id}`), `cgroup line ${line}`);
      }
      assert.ok(cgroup.some((l) => !l.startsWith('0::')), 'the container has v1 cgroups');

      const nsenter = await runCommand('nsenter', ['-t', String(pid), '-m', '-u', '-i', '-n', '-p', 'sh', '-c', `hostname; cat /proc/1/cmdline | tr '\\0' ' '; echo; ${PRINT_NS}`]);
      assert.equal(nsenter.code, 0, nsenter.stderr);
      const [nsHost, nsInit] = nsenter.stdout.split('\n');
      assert.equal(nsHost, id.slice(0, 12));
      assert.equal(nsInit?.trim(), 'sleep 1000');
      // The command has no -C: the shell keeps the host's cgroup namespace.
      assert.deepEqual(parseNs(nsenter.stdout), { ...ctr, cgroup: host['cgroup'] });

      const ex = await run(['exec', name, 'sh', '-c', `hostname; ${PRINT_NS}`]);
      assert.equal(ex.code, 0, ex.stderr);
      assert.equal(ex.stdout.split('\n')[0], id.slice(0, 12));
      assert.deepEqual(parseNs(ex.stdout), ctr);
    } finally {
      await run(['rm', '-f', name]);
    }
  });
}

test('-h sets the hostname; /etc/hostname agrees', async () => {
  const r = await berth(['run', '--rm', '-h', 'berth-box', 'busybox', 'sh', '-c', 'hostname; cat /etc/hostname']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'berth-box\nberth-box\n');
});

for (const { name: client, run } of CLIENTS) {
  test(`${client}: --net host shares the host's network namespace, --net none has only lo`, async () => {
    const hostNet = await readlink('/proc/self/ns/net');
    const h = await run(['run', '--rm', '--net', 'host', 'busybox', 'sh', '-c', 'readlink /proc/self/ns/net; hostname']);
    assert.equal(h.code, 0, h.stderr);
    // With the host's network, docker also keeps the host's name.
    assert.equal(h.stdout, `${hostNet}\n${hostname()}\n`);
    const n = await run(['run', '--rm', '--net', 'none', 'busybox', 'sh', '-c', 'readlink /proc/self/ns/net; ip -o link | cut -d: -f2']);
    assert.equal(n.code, 0, n.stderr);
    const [ns, ...links] = n.stdout.trim().split('\n');
    assert.notEqual(ns, hostNet);
    assert.deepEqual(links.map((l) => l.trim()), ['lo']);
  });
}

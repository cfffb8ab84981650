import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { api, CLIENTS, SHARED_HOST, uniqueName, type RunResult } from './harness.js';

const MiB = 1024 * 1024;

/** The first `count` JSON lines of a streamed stats response, then the connection is dropped. */
function streamLines(path: string, count: number): Promise<{ lines: Record<string, unknown>[]; chunked: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: SHARED_HOST.replace(/^unix:\/\//, ''), method: 'GET', path }, (res) => {
      let text = '';
      const lines: Record<string, unknown>[] = [];
      res.on('data', (c: Buffer) => {
        text += c.toString('utf8');
        let nl = text.indexOf('\n');
        while (nl !== -1 && lines.length < count) {
          lines.push(JSON.parse(text.slice(0, nl)) as Record<string, unknown>);
          text = text.slice(nl + 1);
          nl = text.indexOf('\n');
        }
        if (lines.length >= count) {
          req.destroy();
          resolve({ lines, chunked: res.headers['transfer-encoding'] === 'chunked' });
        }
      });
      res.on('end', () => reject(new Error(`stream ended after ${lines.length} lines`)));
    });
    req.on('error', (e) => {
      if (!req.destroyed) reject(e);
    });
    req.end();
  });
}

/** A file of the container's cgroup, wherever the runtime placed it (v1 controller or v2 unified). */
async function cgroupFile(pid: number, controller: string, v1: string, v2: string): Promise<string> {
  const lines = (await readFile(`/proc/${pid}/cgroup`, 'utf8')).split('\n');
  const own = lines.find((l) => l.split(':')[1]?.split(',').includes(controller));
  if (own) {
    const [, dir, path] = own.split(':');
    return (await readFile(`/sys/fs/cgroup/${dir}${path}/${v1}`, 'utf8')).trim();
  }
  const unified = lines.find((l) => l.startsWith('0::'))?.slice(3) ?? '/';
  return (await readFile(`/sys/fs/cgroup${unified}/${v2}`, 'utf8')).trim();
}

/** `12.5MiB` → bytes. */
function parseBinary(text: string): number {
  const m = /^([\d.]+)(B|KiB|MiB|GiB)$/.exec(text.trim());
  assert.ok(m, `not a binary size: ${text}`);
  return Number(m[1]) * { B: 1, KiB: 1024, MiB: MiB, GiB: 1024 * MiB }[m[2] as 'B' | 'KiB' | 'MiB' | 'GiB'];
}

function ok(r: RunResult): string {
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

for (const { name: client, run } of CLIENTS) {
  test(`${client}: stats --no-stream shows the container's memory and its real process count`, async () => {
    const name = uniqueName('stats');
    const id = ok(await run(['run', '-d', '--name', name, 'busybox', 'sh', '-c', 'sleep 100 & sleep 100 & wait'])).trim();
    try {
      const table = ok(await run(['stats', '--no-stream', name])).split('\n');
      assert.match(table[0] ?? '', /^CONTAINER ID +NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +NET I\/O +BLOCK I\/O +PIDS$/);
      const cols = (table[1] ?? '').split(/ {2,}/);
      assert.equal(cols[0], id.slice(0, 12));
      assert.equal(cols[1], name);
      assert.match(cols[2] ?? '', /^\d+\.\d\d%$/);
      const [usage, limit] = (cols[3] ?? '').split(' / ');
      assert.ok(parseBinary(usage ?? '') > 0, `memory use ${cols[3]}`);
      assert.ok(parseBinary(limit ?? '') > 64 * MiB, `limit ${cols[3]}`);
      assert.match(cols[5] ?? '', /^[\d.]+k?B \/ [\d.]+k?B$/);
      // sh and its two sleeps.
      assert.equal(cols[7]?.trim(), '3');

      const f = ok(await run(['stats', '--no-stream', '--no-trunc', '--format', '{{.ID}} {{.Name}} {{.PIDs}}', name]));
      assert.equal(f, `${id} ${name} 3\n`);
      const json = JSON.parse(ok(await run(['stats', '--no-stream', '--format', 'json', name]))) as Record<string, string>;
      assert.deepEqual(Object.keys(json), ['BlockIO', 'CPUPerc', 'Container', 'ID', 'MemPerc', 'MemUsage', 'Name', 'NetIO', 'PIDs']);
      assert.equal(json['Container'], name);
      assert.equal(json['PIDs'], '3');
    } finally {
      await run(['rm', '-f', name]);
    }
  });

  test(`${client}: streaming stats redraws the table in place until interrupted`, async () => {
    const name = uniqueName('stats-live');
    ok(await run(['run', '-d', '--name', name, 'busybox', 'sleep', '100']));
    try {
      // The harness kills the client at the timeout: streaming never ends by itself.
      const r = await run(['stats', name], { timeoutMs: 3500 });
      const frames = r.stdout.split('\x1b[J').filter((f) => f.includes(name));
      assert.ok(frames.length >= 2, `frames: ${JSON.stringify(r.stdout)}`);
      assert.ok(frames.every((f) => f.includes('\x1b[H') && f.includes('CONTAINER ID')), JSON.stringify(frames[0]));
      assert.match(frames[frames.length - 1] ?? '', /\x1b\[K/);
    } finally {
      await run(['rm', '-f', name]);
    }
  });

  test(`${client}: stats shows memory growing as the container allocates`, async () => {
    const name = uniqueName('stats-mem');
    ok(await run(['run', '-d', '--name', name, 'busybox', 'sleep', '100']));
    try {
      const mem = async () => parseBinary(ok(await run(['stats', '--no-stream', '--format', '{{.MemUsage}}', name])).split(' / ')[0] ?? '');
      const before = await mem();
      ok(await run(['exec', name, 'sh', '-c', 'head -c 32000000 /dev/zero > /dev/shm/fill']));
      const after = await mem();
      assert.ok(after - before > 25 * MiB, `memory went from ${before} to ${after}`);
    } finally {
      await run(['rm', '-f', name]);
    }
  });

  test(`${client}: update -m changes the cgroup's limit and HostConfig; memory below use is refused`, async () => {
    const name = uniqueName('upd-mem');
    ok(await run(['run', '-d', '--name', name, 'busybox', 'sh', '-c', 'head -c 30000000 /dev/zero > /dev/shm/fill; sleep 100']));
    try {
      assert.equal(ok(await run(['update', '-m', '96m', name])), `${name}\n`);
      const pid = Number(ok(await run(['inspect', '-f', '{{.State.Pid}}', name])).trim());
      assert.equal(await cgroupFile(pid, 'memory', 'memory.limit_in_bytes', 'memory.max'), String(96 * MiB));
      assert.equal(ok(await run(['inspect', '-f', '{{.HostConfig.Memory}}', name])).trim(), String(96 * MiB));
      // Wait until the container has filled /dev/shm, then ask for less than it uses.
      for (let i = 0; i < 50 && parseBinary(ok(await run(['stats', '--no-stream', '--format', '{{.MemUsage}}', name])).split(' / ')[0] ?? '') < 25 * MiB; i++);
      const low = await run(['update', '-m', '8m', name]);
      assert.equal(low.code, 1);
      assert.match(low.stderr, /^Error response from daemon: Cannot update container [0-9a-f]{64}: .*memory/);
      assert.equal(ok(await run(['inspect', '-f', '{{.HostConfig.Memory}}', name])).trim(), String(96 * MiB));
      const small = await run(['update', '-m', '1m', name]);
      assert.equal(small.code, 1);
      assert.match(small.stderr, /Minimum memory limit allowed is 6MB/);
    } finally {
      await run(['rm', '-f', name]);
    }
  });

  test(`${client}: update --pids-limit is enforced at once and kept for the next start`, async () => {
    const name = uniqueName('upd-pids');
    ok(await run(['run', '-d', '--name', name, 'busybox', 'sleep', '100']));
    try {
      ok(await run(['update', '--pids-limit', '4', name]));
      const pid = Number(ok(await run(['inspect', '-f', '{{.State.Pid}}', name])).trim());
      assert.equal(await cgroupFile(pid, 'pids', 'pids.max', 'pids.max'), '4');
      const fork = await run(['exec', name, 'sh', '-c', 'for i in 1 2 3 4 5 6; do sleep 3 & done; wait']);
      // busybox sh exits 2 when it cannot fork.
      assert.equal(fork.code, 2, JSON.stringify(fork));
      assert.match(fork.stdout + fork.stderr, /can't fork/, JSON.stringify(fork));
      assert.equal(ok(await run(['inspect', '-f', '{{.HostConfig.PidsLimit}}', name])).trim(), '4');
      ok(await run(['restart', '-t', '0', name]));
      const pid2 = Number(ok(await run(['inspect', '-f', '{{.State.Pid}}', name])).trim());
      assert.equal(await cgroupFile(pid2, 'pids', 'pids.max', 'pids.max'), '4');
      const none = await run(['update', name]);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /you must provide one or more flags when using this command/);
    } finally {
      await run(['rm', '-f', name]);
    }
  });

  test(`${client}: update --cpuset-cpus moves a running container onto those CPUs and is kept`, async () => {
    const name = uniqueName('upd-cpuset');
    ok(await run(['run', '-d', '--name', name, 'busybox', 'sleep', '100']));
    try {
      ok(await run(['update', '--cpuset-cpus', '1', name]));
      const pid = Number(ok(await run(['inspect', '-f', '{{.State.Pid}}', name])).trim());
      assert.equal(await cgroupFile(pid, 'cpuset', 'cpuset.cpus', 'cpuset.cpus'), '1');
      assert.equal(ok(await run(['inspect', '-f', '{{.HostConfig.CpusetCpus}}', name])).trim(), '1');
      const bad = await run(['update', '--cpuset-cpus', '999', name]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /Requested CPUs are not available - requested 999, available: \d/);
    } finally {
      await run(['rm', '-f', name]);
    }
  });

  test(`${client}: stats of a stopped container is zeros; of a missing one an error`, async () => {
    const name = uniqueName('stats-stopped');
    ok(await run(['create', '--name', name, 'busybox', 'true']));
    try {
      const row = ok(await run(['stats', '--no-stream', '--format', '{{.Name}}|{{.CPUPerc}}|{{.MemUsage}}|{{.NetIO}}|{{.PIDs}}', name]));
      assert.equal(row, `${name}|0.00%|0B / 0B|0B / 0B|0\n`);
      const all = ok(await run(['stats', '--no-stream', '-a', '--format', '{{.Name}}']));
      assert.ok(all.split('\n').includes(name), all);
      const missing = await run(['stats', '--no-stream', 'nosuch-container-stats']);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /No such container: nosuch-container-stats/);
    } finally {
      await run(['rm', '-f', name]);
    }
  });
}

test('api: stats stream=false samples twice; stream sends one object per second, the first without precpu', async () => {
  const name = uniqueName('stats-api');
  const create = await api('POST', `/containers/create?name=${name}`, { Image: 'busybox', Cmd: ['sleep', '100'] });
  assert.equal(create.status, 201, create.body);
  try {
    assert.equal((await api('POST', `/containers/${name}/start`)).status, 204);
    const r = await api('GET', `/containers/${name}/stats?stream=false`);
    assert.equal(r.status, 200);
    const s = r.json() as Record<string, any>;
    assert.equal(s['name'], `/${name}`);
    assert.match(s['id'], /^[0-9a-f]{64}$/);
    assert.notEqual(s['read'], '0001-01-01T00:00:00Z');
    assert.notEqual(s['preread'], '0001-01-01T00:00:00Z');
    assert.ok(s['cpu_stats'].cpu_usage.total_usage > 0);
    assert.ok(s['cpu_stats'].system_cpu_usage > s['precpu_stats'].system_cpu_usage);
    assert.ok(s['cpu_stats'].online_cpus >= 1);
    assert.ok(s['memory_stats'].usage > 0);
    assert.ok(s['memory_stats'].limit > 0);
    assert.equal(typeof s['memory_stats'].stats, 'object');
    assert.equal(s['pids_stats'].current, 1);
    assert.ok(Array.isArray(s['blkio_stats'].io_service_bytes_recursive));
    assert.equal(typeof s['networks'].eth0.rx_bytes, 'number');
    assert.equal(typeof s['networks'].eth0.tx_packets, 'number');

    const one = (await api('GET', `/containers/${name}/stats?stream=false&one-shot=true`)).json() as Record<string, any>;
    assert.equal(one['preread'], '0001-01-01T00:00:00Z');
    assert.equal(one['precpu_stats'].cpu_usage.total_usage, 0);

    const t0 = Date.now();
    const { lines, chunked } = await streamLines(`/containers/${name}/stats`, 2);
    assert.ok(chunked, 'streamed chunked, as docker-py needs');
    assert.ok(Date.now() - t0 >= 900, 'one object per second');
    assert.equal(lines[0]?.['preread'], '0001-01-01T00:00:00Z');
    assert.equal(lines[1]?.['preread'], lines[0]?.['read']);

    assert.equal((await api('GET', '/containers/nosuch-stats-api/stats?stream=false')).status, 404);
    const upd = await api('POST', `/containers/${name}/update`, { Memory: 64 * MiB, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } });
    assert.equal(upd.status, 200, upd.body);
    assert.deepEqual(upd.json(), { Warnings: [] });
    const hc = ((await api('GET', `/containers/${name}/json`)).json() as Record<string, any>)['HostConfig'];
    assert.equal(hc.Memory, 64 * MiB);
    assert.deepEqual(hc.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 2 });
  } finally {
    await api('DELETE', `/containers/${name}?force=1`);
  }
});

/**
 * `run`/`create` flags, end to end through both CLIs: each flag's effect is observed from inside the
 * container (its own view of /proc, cgroups, users, environment) or in `inspect`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLIENTS, uniqueName, type RunResult } from './harness.js';

type Run = (typeof CLIENTS)[number]['run'];

function ok(r: RunResult, what: string): string {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}`);
  return r.stdout;
}

/** Bits of a /proc/PID/status capability mask line such as `CapEff:\t00000000a80425fb`. */
function capMask(status: string, field: string): bigint {
  const m = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(status);
  assert.ok(m, `no ${field} in ${status}`);
  return BigInt(`0x${m[1]}`);
}
const CAP_CHOWN = 1n << 0n;
const CAP_NET_ADMIN = 1n << 12n;
const CAP_SYS_ADMIN = 1n << 21n;

/** The host directory of a running container's cgroup for one v1 controller, from /proc/PID/cgroup. */
function cgroupDir(pid: number, controller: string): string {
  for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
    const [, controllers = '', path = ''] = line.split(':');
    if (controllers.split(',').includes(controller)) return join('/sys/fs/cgroup', controller, path);
  }
  throw new Error(`container ${pid} has no ${controller} cgroup`);
}

/** Interface names in `ip -o link` output (`2: eth0@if5: <...>` → eth0). */
function linkNames(out: string): Set<string> {
  return new Set(
    out
      .split('\n')
      .map((l) => /^\d+:\s*([^:@\s]+)/.exec(l)?.[1])
      .filter((n): n is string => n !== undefined),
  );
}

let work = '';
let rootfsTar = '';
before(() => {
  work = mkdtempSync(join(tmpdir(), 'berth-flags-'));
  // A rootfs of its own for an image whose config sets Entrypoint, Cmd, Env, WorkingDir and User.
  const root = join(work, 'rootfs');
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'etc'));
  copyFileSync('/bin/busybox', join(root, 'bin/busybox'));
  execFileSync('chmod', ['755', join(root, 'bin/busybox')]);
  for (const applet of ['sh', 'id', 'pwd', 'echo']) symlinkSync('busybox', join(root, 'bin', applet));
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\napp:x:1234:4321::/home/app:/bin/sh\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\napp:x:4321:\n');
  rootfsTar = join(work, 'rootfs.tar');
  execFileSync('tar', ['-C', root, '--owner=0', '--group=0', '-cf', rootfsTar, '.']);
});
after(() => rmSync(work, { recursive: true, force: true }));

/** Runs a detached container, hands its id and PID to `body`, and removes it whatever happens. */
async function withContainer(run: Run, args: string[], body: (id: string, pid: number) => Promise<void>): Promise<void> {
  const name = uniqueName('flags');
  const d = await run(['run', '-d', '--name', name, ...args]);
  try {
    assert.equal(d.code, 0, d.stderr);
    const id = d.stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const pid = Number(ok(await run(['inspect', '--format', '{{.State.Pid}}', id]), 'inspect').trim());
    assert.ok(pid > 0);
    await body(id, pid);
  } finally {
    await run(['rm', '-f', name]);
  }
}

for (const { name: client, run } of CLIENTS) {
  test(`${client}: -t gives a terminal, -i pipes stdin, -d prints the ID`, async () => {
    assert.equal(ok(await run(['run', '--rm', '-t', 'busybox', 'tty']), 'run -t').trim(), '/dev/pts/0');
    const noTty = await run(['run', '--rm', 'busybox', 'tty']);
    assert.equal(noTty.stdout.trim(), 'not a tty');
    assert.equal(ok(await run(['run', '--rm', '-i', 'busybox', 'wc', '-l'], { input: 'a\nb\nc\n' }), 'run -i').trim(), '3');
    await withContainer(run, ['-t', 'busybox', 'sleep', '30'], async (id) => {
      const cfg = ok(await run(['inspect', '--format', '{{.Config.Tty}} {{.Config.OpenStdin}}', id]), 'inspect');
      assert.equal(cfg.trim(), 'true false');
    });
  });

  test(`${client}: -e/--env (including -e VAR from the client's environment) and --env-file`, async () => {
    const envFile = join(work, `${client}.env`);
    writeFileSync(envFile, '# a comment\nFROM_FILE=file value\nFROM_CLIENT_FILE\n\n');
    const r = await run(
      ['run', '--rm', '--env-file', envFile, '-e', 'A=1', '--env', 'B=two words', '-e', 'FROM_CLIENT', '-e', 'UNSET_IN_CLIENT', 'busybox', 'env'],
      { env: { FROM_CLIENT: 'client value', FROM_CLIENT_FILE: 'client file value' } },
    );
    const env = ok(r, 'run -e').split('\n');
    for (const want of ['A=1', 'B=two words', 'FROM_CLIENT=client value', 'FROM_FILE=file value', 'FROM_CLIENT_FILE=client file value']) {
      assert.ok(env.includes(want), `${want} missing from ${env.join(', ')}`);
    }
    assert.ok(!env.some((e) => e.startsWith('UNSET_IN_CLIENT')), 'a variable unset in the client is left out');
    assert.ok(env.some((e) => e.startsWith('PATH=/usr/local/sbin:')), 'PATH defaults as docker');
  });

  test(`${client}: -w, -u (name, uid, uid:gid), -h`, async () => {
    assert.equal(ok(await run(['run', '--rm', '-w', '/new/dir', 'busybox', 'pwd']), '-w').trim(), '/new/dir');
    assert.equal(ok(await run(['run', '--rm', '-u', 'nobody', 'busybox', 'sh', '-c', 'echo $(id -u):$(id -g):$(id -un)']), '-u name').trim(), '65534:65534:nobody');
    assert.equal(ok(await run(['run', '--rm', '-u', '1000', 'busybox', 'sh', '-c', 'echo $(id -u):$(id -g)']), '-u uid').trim(), '1000:0');
    assert.equal(ok(await run(['run', '--rm', '--user', '1000:33', 'busybox', 'sh', '-c', 'echo $(id -u):$(id -g)']), '-u uid:gid').trim(), '1000:33');
    // The primary group leads the supplementary ones, as in a Docker container.
    const groups = (args: string[]) => run(['run', '--rm', ...args, 'busybox', 'sh', '-c', 'grep ^Groups: /proc/self/status']).then((r) => ok(r, args.join(' ')).trim().replace(/\s+/g, ' '));
    assert.equal(await groups([]), 'Groups: 0');
    assert.equal(await groups(['-u', '1234:5678']), 'Groups: 5678');
    assert.equal(await groups(['--group-add', '42']), 'Groups: 0 42');
    assert.equal(ok(await run(['run', '--rm', '-h', 'my-host', 'busybox', 'hostname']), '-h').trim(), 'my-host');
    assert.equal(ok(await run(['run', '--rm', '--hostname', 'other', 'busybox', 'cat', '/proc/sys/kernel/hostname']), '--hostname').trim(), 'other');
  });

  test(`${client}: -u looks names up in the image's /etc/passwd and /etc/group, whose absolute symlinks resolve inside its root, never on the host`, async () => {
    // The image's /etc/passwd and /etc/group are symlinks to a path that exists on the host too,
    // with a user of its own there: only the image's copy may be read.
    const hostDir = mkdtempSync(join(tmpdir(), 'berth-host-etc-'));
    const root = join(work, `${client}-linked-etc`);
    const tag = `${uniqueName('linkedetc')}:v1`;
    try {
      writeFileSync(join(hostDir, 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nhostonly:x:4242:4242::/:/bin/sh\n');
      writeFileSync(join(hostDir, 'group'), 'root:x:0:\nhostonly:x:4242:\n');
      mkdirSync(join(root, 'bin'), { recursive: true });
      mkdirSync(join(root, 'etc'));
      mkdirSync(join(root, hostDir), { recursive: true });
      copyFileSync('/bin/busybox', join(root, 'bin/busybox'));
      for (const applet of ['sh', 'id', 'sleep']) symlinkSync('busybox', join(root, 'bin', applet));
      writeFileSync(join(root, hostDir, 'passwd'), 'root:x:0:0:root:/root:/bin/sh\ninimage:x:777:778::/:/bin/sh\n');
      writeFileSync(join(root, hostDir, 'group'), 'root:x:0:\ninimage:x:778:\n');
      symlinkSync(join(hostDir, 'passwd'), join(root, 'etc/passwd'));
      symlinkSync(join(hostDir, 'group'), join(root, 'etc/group'));
      // An image whose /.dockerenv links to a host path: berthd's marker must not follow it.
      symlinkSync(join(hostDir, 'dockerenv-made'), join(root, '.dockerenv'));
      const tar = join(work, `${client}-linked-etc.tar`);
      execFileSync('tar', ['-C', root, '--owner=0', '--group=0', '-cf', tar, '.']);
      ok(await run(['import', tar, tag]), 'import');
      const refused = await run(['run', '--rm', '-u', 'hostonly', tag, 'id']);
      assert.notEqual(refused.code, 0, 'a user only the host has is not found');
      assert.match(refused.stderr, /unable to find user hostonly: no matching entries in passwd file/);
      assert.equal(ok(await run(['run', '--rm', '-u', 'inimage', tag, 'sh', '-c', 'echo $(id -u):$(id -g)']), 'run -u').trim(), '777:778');
      assert.equal(ok(await run(['run', '--rm', '-u', '0:inimage', tag, 'sh', '-c', 'echo $(id -u):$(id -g)']), 'run -u 0:group').trim(), '0:778');
      await withContainer(run, [tag, 'sleep', '30'], async (id) => {
        const execRefused = await run(['exec', '-u', 'hostonly', id, 'id']);
        assert.equal(execRefused.code, 126, 'exec: a user only the host has is not found, with the exit code of an exec that could not start');
        // On the exec's output stream, where dockerd writes an exec start's error.
        assert.match(execRefused.stdout, /unable to find user hostonly: no matching entries in passwd file/);
        assert.equal(ok(await run(['exec', '-u', 'inimage', id, 'sh', '-c', 'echo $(id -u):$(id -g)']), 'exec -u').trim(), '777:778');
      });
      assert.ok(!existsSync(join(hostDir, 'dockerenv-made')), 'no host file made through the image\'s /.dockerenv link');
    } finally {
      await run(['rmi', '-f', tag]);
      rmSync(hostDir, { recursive: true, force: true });
      rmSync(root, { recursive: true, force: true });
    }
  });

  test(`${client}: --entrypoint replaces the image's, --entrypoint "" clears it`, async () => {
    assert.equal(ok(await run(['run', '--rm', '--entrypoint', 'echo', 'busybox', 'via', 'entrypoint']), '--entrypoint').trim(), 'via entrypoint');
    assert.equal(ok(await run(['run', '--rm', '--entrypoint', '', 'busybox', 'echo', 'cleared']), '--entrypoint ""').trim(), 'cleared');
    const name = uniqueName('ep');
    ok(await run(['create', '--name', name, '--entrypoint', '/bin/echo', 'busybox', 'x']), 'create');
    try {
      const cfg = ok(await run(['inspect', '--format', '{{json .Config.Entrypoint}} {{json .Config.Cmd}} {{.Path}} {{json .Args}}', name]), 'inspect');
      assert.equal(cfg.trim(), '["/bin/echo"] ["x"] /bin/echo ["x"]');
    } finally {
      await run(['rm', name]);
    }
  });

  test(`${client}: the image's Entrypoint, Cmd, Env, WorkingDir and User are honoured and overridable`, async () => {
    const tag = `${uniqueName('cfgimg')}:v1`;
    ok(
      await run([
        'import',
        '-c', 'ENTRYPOINT ["/bin/sh", "-c"]',
        '-c', 'CMD ["echo $GREETING in $(pwd) as $(id -u):$(id -g)"]',
        '-c', 'ENV GREETING=hello',
        '-c', 'WORKDIR /srv/app',
        '-c', 'USER app',
        rootfsTar,
        tag,
      ]),
      'import',
    );
    try {
      assert.equal(ok(await run(['run', '--rm', tag]), 'run image').trim(), 'hello in /srv/app as 1234:4321');
      assert.equal(ok(await run(['run', '--rm', tag, 'echo override $GREETING']), 'run cmd').trim(), 'override hello');
      assert.equal(
        ok(await run(['run', '--rm', '-e', 'GREETING=hi', '-w', '/', '-u', '0', tag]), 'run overrides').trim(),
        'hi in / as 0:0',
      );
    } finally {
      await run(['rmi', tag]);
    }
  });

  test(`${client}: -l/--label shows in inspect and ps --filter label=`, async () => {
    const key = uniqueName('lbl');
    await withContainer(run, ['-l', `${key}=yes`, '--label', 'flag-only', 'busybox', 'sleep', '30'], async (id) => {
      const labels = JSON.parse(ok(await run(['inspect', '--format', '{{json .Config.Labels}}', id]), 'inspect')) as Record<string, string>;
      assert.equal(labels[key], 'yes');
      assert.equal(labels['flag-only'], '');
      assert.equal(ok(await run(['ps', '-q', '--no-trunc', '--filter', `label=${key}=yes`]), 'ps').trim(), id);
      assert.equal(ok(await run(['ps', '-q', '--no-trunc', '--filter', `label=${key}`]), 'ps').trim(), id);
      assert.equal(ok(await run(['ps', '-q', '--filter', `label=${key}=no`]), 'ps').trim(), '');
    });
  });

  test(`${client}: --init makes an init PID 1`, async () => {
    const ps = ok(await run(['run', '--rm', '--init', 'busybox', 'ps', '-o', 'pid,args']), '--init');
    assert.match(ps, /^\s*1\s+\S*init\b/m, ps);
    const plain = ok(await run(['run', '--rm', 'busybox', 'ps', '-o', 'pid,args']), 'no --init');
    assert.match(plain, /^\s*1\s+ps -o pid,args$/m, plain);
  });

  test(`${client}: --stop-signal and --stop-timeout are recorded and used by stop`, async () => {
    const script = 'trap "echo got-usr1; exit 5" USR1; while :; do sleep 0.1; done';
    await withContainer(run, ['--stop-signal', 'SIGUSR1', '--stop-timeout', '7', 'busybox', 'sh', '-c', script], async (id) => {
      assert.equal(ok(await run(['inspect', '--format', '{{.Config.StopSignal}} {{.Config.StopTimeout}}', id]), 'inspect').trim(), 'SIGUSR1 7');
      await new Promise((r) => setTimeout(r, 300)); // the trap is set
      ok(await run(['stop', id]), 'stop');
      assert.equal(ok(await run(['inspect', '--format', '{{.State.ExitCode}}', id]), 'inspect').trim(), '5');
      assert.equal(ok(await run(['logs', id]), 'logs'), 'got-usr1\n');
    });
    // --stop-timeout bounds the wait for a process that ignores the signal: SIGKILL after 1 s.
    await withContainer(run, ['--stop-timeout', '1', 'busybox', 'sleep', '60'], async (id) => {
      const t0 = Date.now();
      ok(await run(['stop', id]), 'stop');
      const ms = Date.now() - t0;
      assert.ok(ms >= 900 && ms < 6000, `stop took ${ms} ms`);
      assert.equal(ok(await run(['inspect', '--format', '{{.State.ExitCode}}', id]), 'inspect').trim(), '137');
    });
  });

  test(`${client}: --privileged, --cap-add and --cap-drop set the effective capabilities`, async () => {
    const dflt = capMask(ok(await run(['run', '--rm', 'busybox', 'cat', '/proc/self/status']), 'default'), 'CapEff');
    assert.equal(dflt & CAP_SYS_ADMIN, 0n);
    assert.equal(dflt & CAP_NET_ADMIN, 0n);
    assert.equal(dflt & CAP_CHOWN, CAP_CHOWN);
    const changed = capMask(
      ok(await run(['run', '--rm', '--cap-add', 'NET_ADMIN', '--cap-drop', 'chown', 'busybox', 'cat', '/proc/self/status']), 'caps'),
      'CapEff',
    );
    assert.equal(changed, (dflt | CAP_NET_ADMIN) & ~CAP_CHOWN);
    const none = capMask(ok(await run(['run', '--rm', '--cap-drop', 'ALL', 'busybox', 'cat', '/proc/self/status']), 'drop ALL'), 'CapEff');
    assert.equal(none, 0n);
    const priv = capMask(ok(await run(['run', '--rm', '--privileged', 'busybox', 'cat', '/proc/self/status']), 'privileged'), 'CapEff');
    assert.equal(priv & CAP_SYS_ADMIN, CAP_SYS_ADMIN);
    assert.equal(priv & dflt, dflt);
  });

  test(`${client}: --read-only makes the root read-only, /dev/shm stays writable`, async () => {
    const r = await run(['run', '--rm', '--read-only', 'busybox', 'sh', '-c', 'touch /x; touch /tmp/x; touch /dev/shm/x && echo shm-ok']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'shm-ok\n');
    assert.match(r.stderr, /touch: \/x: Read-only file system/);
    assert.match(r.stderr, /touch: \/tmp\/x: Read-only file system/);
    const rw = await run(['run', '--rm', 'busybox', 'sh', '-c', 'touch /x && echo rw-ok']);
    assert.equal(rw.stdout, 'rw-ok\n');
  });

  test(`${client}: --security-opt no-new-privileges`, async () => {
    const nnp = ok(await run(['run', '--rm', '--security-opt', 'no-new-privileges', 'busybox', 'grep', 'NoNewPrivs', '/proc/self/status']), 'nnp');
    assert.match(nnp, /^NoNewPrivs:\s*1$/m);
    const plain = ok(await run(['run', '--rm', 'busybox', 'grep', 'NoNewPrivs', '/proc/self/status']), 'plain');
    assert.match(plain, /^NoNewPrivs:\s*0$/m);
  });

  test(`${client}: -m, --cpus, --pids-limit land in the container's cgroups; --ulimit in its rlimits`, async () => {
    const args = ['-m', '64m', '--cpus', '1.5', '--pids-limit', '50', '--ulimit', 'nofile=1024:2048', 'busybox', 'sleep', '60'];
    await withContainer(run, args, async (id, pid) => {
      const read = (controller: string, file: string) => readFileSync(join(cgroupDir(pid, controller), file), 'utf8').trim();
      assert.ok(cgroupDir(pid, 'memory').includes(id), 'the container has a cgroup of its own');
      assert.equal(read('memory', 'memory.limit_in_bytes'), String(64 * 1024 * 1024));
      assert.equal(Number(read('cpu', 'cpu.cfs_quota_us')) / Number(read('cpu', 'cpu.cfs_period_us')), 1.5);
      assert.equal(read('pids', 'pids.max'), '50');
      assert.equal(ok(await run(['exec', id, 'sh', '-c', 'echo $(ulimit -n) $(ulimit -Hn)']), 'exec ulimit').trim(), '1024 2048');
      // Swap as dockerd's default: as much again as the memory, where the host accounts swap.
      const swapAccounted = existsSync(join(cgroupDir(pid, 'memory'), 'memory.memsw.limit_in_bytes'));
      if (swapAccounted) assert.equal(read('memory', 'memory.memsw.limit_in_bytes'), String(128 * 1024 * 1024));
      const hc = ok(await run(['inspect', '--format', '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.MemorySwap}}', id]), 'inspect');
      assert.equal(hc.trim(), `67108864 1500000000 50 ${swapAccounted ? 128 * 1024 * 1024 : -1}`);
    });
  });

  test(`${client}: --shm-size sizes /dev/shm; inspect shows dockerd's 64 MiB default otherwise`, async () => {
    const df = ok(await run(['run', '--rm', '--shm-size', '16m', 'busybox', 'df', '-k', '/dev/shm']), 'run --shm-size');
    assert.match(df, /\nshm\s+16384\s/, df);
    await withContainer(run, ['busybox', 'sleep', '30'], async (id) => {
      assert.equal(ok(await run(['inspect', '--format', '{{.HostConfig.ShmSize}}', id]), 'inspect').trim(), '67108864');
      assert.match(ok(await run(['exec', id, 'df', '-k', '/dev/shm']), 'exec df'), /\nshm\s+65536\s/);
    });
  });

  test(`${client}: --sysctl, --cpuset-cpus, --oom-kill-disable, --memory-swappiness, --oom-score-adj and --domainname reach the container`, async () => {
    const script = [
      'cat /proc/sys/net/core/somaxconn /proc/sys/kernel/shmmax /sys/fs/cgroup/cpuset/cpuset.cpus /proc/self/oom_score_adj /sys/fs/cgroup/memory/memory.swappiness',
      'grep oom_kill_disable /sys/fs/cgroup/memory/memory.oom_control',
      'cat /proc/sys/kernel/domainname',
    ].join('; ');
    const out = ok(
      await run(['run', '--rm', '--sysctl', 'net.core.somaxconn=1234', '--sysctl', 'kernel.shmmax=1000000', '--cpuset-cpus', '1', '--oom-kill-disable', '--memory-swappiness', '7', '--oom-score-adj', '300', '--domainname', 'dom.test', 'busybox', 'sh', '-c', script]),
      'run',
    );
    assert.deepEqual(out.trim().split('\n'), ['1234', '1000000', '1', '300', '7', 'oom_kill_disable 1', 'dom.test']);
    const hostNet = await run(['run', '--rm', '--net', 'host', '--sysctl', 'net.core.somaxconn=1', 'busybox', 'true']);
    assert.notEqual(hostNet.code, 0);
    assert.match(hostNet.stderr, /sysctl "net.core.somaxconn" not allowed in host network namespace/);
    const cpus = await run(['run', '--rm', '--cpuset-cpus', '0-4095', 'busybox', 'true']);
    assert.notEqual(cpus.code, 0);
    assert.match(cpus.stderr, /Requested CPUs are not available - requested 0-4095, available: /);
  });

  test(`${client}: --pid, --ipc and --uts host share the host's namespaces; joining a container's is refused`, async () => {
    const hostNs = (kind: string) => readlinkSync(`/proc/self/ns/${kind}`);
    const seen = ok(await run(['run', '--rm', '--pid', 'host', '--ipc', 'host', '--uts', 'host', 'busybox', 'sh', '-c', 'for n in pid ipc uts; do readlink /proc/self/ns/$n; done; hostname']), 'run host namespaces');
    assert.deepEqual(seen.trim().split('\n'), [hostNs('pid'), hostNs('ipc'), hostNs('uts'), hostname()]);
    const own = ok(await run(['run', '--rm', 'busybox', 'sh', '-c', 'for n in pid ipc uts; do readlink /proc/self/ns/$n; done']), 'run own namespaces').trim().split('\n');
    assert.ok(own.every((ns, i) => ns !== hostNs(['pid', 'ipc', 'uts'][i]!)), own.join(' '));
    const conflict = await run(['run', '--rm', '--uts', 'host', '-h', 'x', 'busybox', 'true']);
    assert.notEqual(conflict.code, 0);
    assert.match(conflict.stderr, /conflicting options: hostname and the UTS mode/);
    const join = await run(['run', '--rm', '--pid', 'container:whatever', 'busybox', 'true']);
    assert.notEqual(join.code, 0);
    assert.match(join.stderr, /joining another container's PID namespace is not supported by berth/);
  });

  test(`${client}: --log-driver none keeps no log (logs refused); --log-opt max-size caps the log file; other drivers are refused`, async () => {
    await withContainer(run, ['--log-driver', 'none', 'busybox', 'sh', '-c', 'echo hi; sleep 30'], async (id) => {
      const logs = await run(['logs', id]);
      assert.notEqual(logs.code, 0);
      assert.match(logs.stderr, /configured logging driver does not support reading/);
      assert.equal(ok(await run(['inspect', '--format', '{{.HostConfig.LogConfig.Type}} [{{.LogPath}}]', id]), 'inspect').trim(), 'none []');
    });
    const name = uniqueName('logcap');
    try {
      ok(await run(['run', '--name', name, '--log-opt', 'max-size=2k', 'busybox', 'sh', '-c', 'i=0; while [ $i -lt 500 ]; do echo line-$i-of-a-log-that-outgrows-its-cap; i=$((i+1)); done']), 'run --log-opt');
      const path = ok(await run(['inspect', '--format', '{{.LogPath}}', name]), 'inspect').trim();
      assert.ok(readFileSync(path).length <= 2000, `${path} is ${readFileSync(path).length} bytes`);
      assert.match(ok(await run(['logs', '--tail', '1', name]), 'logs'), /^line-499-of-a-log/);
      assert.equal(ok(await run(['inspect', '--format', '{{json .HostConfig.LogConfig}}', name]), 'inspect').trim(), '{"Type":"json-file","Config":{"max-size":"2k"}}');
    } finally {
      await run(['rm', '-f', name]);
    }
    const refused = await run(['run', '--rm', '--log-driver', 'syslog', 'busybox', 'true']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /log driver syslog is not supported by berth/);
  });

  test(`${client}: --log-opt max-file keeps that many files of a capped log, and logs reads them in order`, async () => {
    const name = uniqueName('logrot');
    try {
      // ~53-byte records in 1 kB files: a new file every ~18 lines, at a pace a real writer keeps.
      const script = 'i=1; while [ $i -le 80 ]; do echo line-$i; [ $((i % 5)) -eq 0 ] && sleep 0.05; i=$((i+1)); done';
      ok(await run(['run', '--name', name, '--log-opt', 'max-size=1k', '--log-opt', 'max-file=3', 'busybox', 'sh', '-c', script]), 'run');
      const path = ok(await run(['inspect', '--format', '{{.LogPath}}', name]), 'inspect').trim();
      assert.deepEqual([existsSync(`${path}.1`), existsSync(`${path}.2`), existsSync(`${path}.3`)], [true, true, false]);
      const numbers = (text: string): number[] => text.trim().split('\n').map((l) => Number(l.replace(/^line-/, '')));
      const all = numbers(ok(await run(['logs', name]), 'logs'));
      const first = all[0] ?? 0;
      // The newest lines without a gap, across the three files; the oldest went with the file past max-file.
      assert.deepEqual(all, Array.from({ length: 81 - first }, (_, i) => first + i));
      assert.ok(first > 1 && all.length > 40, `kept lines ${first}..80`);
      assert.deepEqual(numbers(ok(await run(['logs', '--tail', '30', name]), 'logs --tail')), Array.from({ length: 30 }, (_, i) => 51 + i));
    } finally {
      await run(['rm', '-f', name]);
    }
  });

  test(`${client}: --device adds a host device node (at another path, with its permissions), --device-cgroup-rule a rule; a missing device fails the start`, async () => {
    const out = ok(
      await run(['run', '--rm', '--device', '/dev/fuse:/dev/myfuse:rw', '--device-cgroup-rule', 'c 42:* m', 'busybox', 'sh', '-c', 'ls -l /dev/myfuse; grep -E "^c (10:229|42:\\*) " /sys/fs/cgroup/devices/devices.list']),
      'run --device',
    );
    assert.match(out, /^c.* 10, +229 .*\/dev\/myfuse\nc 10:229 rw\nc 42:\* m\n$/, out);
    const without = ok(await run(['run', '--rm', 'busybox', 'sh', '-c', 'ls /dev/fuse 2>&1; grep -c "^c 10:229 " /sys/fs/cgroup/devices/devices.list; true']), 'run without --device');
    assert.match(without, /No such file or directory\n0\n$/, without);
    const missing = await run(['run', '--rm', '--device', '/dev/nosuch-device', 'busybox', 'true']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /error gathering device information while adding custom device "\/dev\/nosuch-device": no such file or directory/);
  });

  test(`${client}: --runtime runc`, async () => {
    const name = uniqueName('rt');
    const r = await run(['run', '--name', name, '--runtime', 'runc', 'busybox', 'echo', 'on runc']);
    try {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'on runc\n');
      assert.equal(ok(await run(['inspect', '--format', '{{.HostConfig.Runtime}}', name]), 'inspect').trim(), 'runc');
    } finally {
      await run(['rm', '-f', name]);
    }
  });

  test(`${client}: --net none has only loopback, --net host the host's interfaces`, async () => {
    const none = linkNames(ok(await run(['run', '--rm', '--net', 'none', 'busybox', 'ip', '-o', 'link']), '--net none'));
    assert.deepEqual([...none], ['lo']);
    const hostBefore = new Set(readdirSync('/sys/class/net'));
    const inside = linkNames(ok(await run(['run', '--rm', '--network', 'host', 'busybox', 'ip', '-o', 'link']), '--net host'));
    const hostAfter = new Set(readdirSync('/sys/class/net'));
    // Other tests may add or remove interfaces meanwhile: judge only the ones present throughout.
    for (const n of hostBefore) if (hostAfter.has(n)) assert.ok(inside.has(n), `host interface ${n} missing in --net host`);
    for (const n of inside) assert.ok(hostBefore.has(n) || hostAfter.has(n), `${n} is not a host interface`);
    assert.ok(inside.size > 1);
    // The UTS namespace stays the container's own, as Docker's: -h names it; without, the host's name.
    assert.equal(ok(await run(['run', '--rm', '--net', 'host', '-h', 'myhost', 'busybox', 'sh', '-c', 'hostname; cat /etc/hostname']), '--net host -h'), 'myhost\nmyhost\n');
    assert.equal(ok(await run(['run', '--rm', '--net', 'host', 'busybox', 'hostname']), '--net host').trim(), hostname());
  });

  test(`${client}: create takes the same flags and records them`, async () => {
    const name = uniqueName('create-flags');
    const r = await run([
      'create', '--name', name, '-i', '-t', '-e', 'A=1', '-w', '/w', '-u', '1:1', '--entrypoint', 'sh', '-h', 'h', '-l', 'k=v',
      '--init', '--stop-signal', 'SIGINT', '--stop-timeout', '3', '--cap-add', 'NET_ADMIN', '--cap-drop', 'CHOWN', '--read-only',
      '--security-opt', 'no-new-privileges', '-m', '32m', '--cpus', '0.5', '--pids-limit', '20', '--ulimit', 'nofile=100:200',
      '--runtime', 'runc', '--net', 'none', 'busybox',
    ]);
    try {
      assert.equal(r.code, 0, r.stderr);
      const f = ok(
        await run([
          'inspect', '--format',
          '{{.Config.OpenStdin}} {{.Config.Tty}} {{.Config.WorkingDir}} {{.Config.User}} {{.Config.Hostname}} {{.HostConfig.Init}} {{.HostConfig.ReadonlyRootfs}} {{json .HostConfig.SecurityOpt}} {{.HostConfig.NetworkMode}} {{json .HostConfig.CapAdd}} {{json .HostConfig.CapDrop}}',
          name,
        ]),
        'inspect',
      );
      assert.equal(f.trim(), 'true true /w 1:1 h true true ["no-new-privileges"] none ["CAP_NET_ADMIN"] ["CAP_CHOWN"]');
    } finally {
      await run(['rm', name]);
    }
  });
}

/**
 * Docker's security defaults, seen from inside a container: capabilities, seccomp, masked and
 * read-only paths, the device allow-list, the /dev mounts, and what --privileged, --cap-add,
 * --cap-drop and --security-opt change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CLIENTS, berth, docker, uniqueName } from './harness.js';

/** Docker's default capability set as /proc/PID/status prints it. */
const DOCKER_DEFAULT_CAPEFF = '00000000a80425fb';

/** /dev of a default container without a TTY (docker adds `core` where /proc/kcore exists). */
const DEFAULT_DEV = ['fd', 'full', 'mqueue', 'null', 'ptmx', 'pts', 'random', 'shm', 'stderr', 'stdin', 'stdout', 'tty', 'urandom', 'zero'];

const MASKED_FILES = ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/sched_debug'];

/** `KEY=value` lines printed by a probe script, as a map. */
function parseProbe(out: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of out.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

async function hostStatusField(field: string): Promise<string> {
  const status = await readFile('/proc/self/status', 'utf8');
  const m = new RegExp(`^${field}:\\s*(\\S+)$`, 'm').exec(status);
  assert.ok(m, `${field} in /proc/self/status`);
  return m[1]!;
}

/** Host block devices directly under /dev, and one the host itself can open (some hosts forbid the disk). */
async function hostBlockDevices(): Promise<{ names: string[]; openable?: { name: string; major: number; minor: number } }> {
  const names: string[] = [];
  let openable: { name: string; major: number; minor: number } | undefined;
  for (const e of await readdir('/dev', { withFileTypes: true })) {
    if (!e.isBlockDevice()) continue;
    names.push(e.name);
    if (openable) continue;
    const path = join('/dev', e.name);
    const fh = await open(path, constants.O_RDONLY).catch(() => undefined);
    if (!fh) continue;
    await fh.close();
    const rdev = (await stat(path, { bigint: true })).rdev;
    openable = {
      name: e.name,
      major: Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn)),
      minor: Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn)),
    };
  }
  return { names: names.sort(), ...(openable ? { openable } : {}) };
}

// One script per container so that each client needs a single run. Every check prints KEY=value.
const PROBE = [
  'grep -E "^(CapEff|Seccomp|NoNewPrivs):" /proc/self/status | sed "s/:[[:space:]]*/=/"',
  'mkdir -p /mnt; if mount -t tmpfs probe /mnt 2>/dev/null; then echo mount=ok; umount /mnt; else echo mount=refused; fi',
  'echo junk > /tmp/probe.ko; echo "insmod=$(insmod /tmp/probe.ko 2>&1)"',
  `for p in ${MASKED_FILES.join(' ')}; do if [ -e $p ]; then echo "masked:$p=$(stat -c %F $p) $(cat $p 2>/dev/null | wc -c)"; else echo "masked:$p=absent"; fi; done`,
  'echo "firmware=$(ls -A /sys/firmware | wc -l)"',
  'if echo probe > /proc/sys/kernel/hostname 2>/dev/null; then echo procsys=writable; else echo procsys=refused; fi',
  'echo "dev=$(ls /dev | tr "\\n" " ")"',
  'echo "blockdevs=$(find /dev -type b | sort | tr "\\n" " ")"',
  'if [ -n "$BLK" ]; then mknod /tmp/blk b $BLK && echo mknod=ok; if head -c 1 /tmp/blk >/dev/null 2>&1; then echo blkread=ok; else echo blkread=refused; fi; fi',
  'ls /proc > /tmp/procs; echo "pids=$(grep -cE "^[0-9]+$" /tmp/procs)"',
  'echo "pid1=$(cat /proc/1/comm)"',
  'echo "shm=$(grep " /dev/shm " /proc/mounts | cut -d" " -f3,4)"',
  'echo "pts=$(grep " /dev/pts " /proc/mounts | cut -d" " -f3)"',
  'echo "mqueue=$(grep " /dev/mqueue " /proc/mounts | cut -d" " -f3)"',
].join('\n');

async function probe(run: typeof berth, flags: string[], blk?: { major: number; minor: number }): Promise<Map<string, string>> {
  const env = blk ? ['-e', `BLK=${blk.major} ${blk.minor}`] : [];
  const r = await run(['run', '--rm', ...flags, ...env, 'busybox', 'sh', '-c', PROBE]);
  assert.equal(r.code, 0, r.stderr);
  return parseProbe(r.stdout);
}

for (const { name: client, run } of CLIENTS) {
  test(`${client}: a default container gets docker's confinement`, async () => {
    const host = await hostBlockDevices();
    const p = await probe(run, [], host.openable);
    assert.equal(p.get('CapEff'), DOCKER_DEFAULT_CAPEFF);
    assert.equal(p.get('Seccomp'), '2');
    assert.equal(p.get('NoNewPrivs'), '0');
    assert.equal(p.get('mount'), 'refused');
    // This kernel may lack module support (ENOSYS); the filter answers EPERM before it is asked.
    assert.match(p.get('insmod') ?? '', /Operation not permitted/);
    for (const path of MASKED_FILES) {
      const seen = p.get(`masked:${path}`);
      // Masked as docker does: /dev/null bound over the file, or the kernel has no such file.
      assert.ok(seen === 'absent' || seen === 'character special file 0', `${path}: ${seen}`);
    }
    assert.ok((await readdir('/sys/firmware')).length > 0, 'the host has firmware entries to hide');
    assert.equal(p.get('firmware'), '0');
    assert.equal(p.get('procsys'), 'refused');
    const dev = (p.get('dev') ?? '').split(' ').filter((d) => d !== '' && d !== 'core');
    assert.deepEqual(dev, DEFAULT_DEV);
    assert.equal(p.get('blockdevs'), '');
    if (host.openable) {
      // mknod is allowed, as docker's rule `b *:* m` says; opening the node is not.
      assert.equal(p.get('mknod'), 'ok');
      assert.equal(p.get('blkread'), 'refused');
    }
    // The shell and the `ls` listing /proc: nothing of the host's.
    assert.equal(p.get('pids'), '2');
    assert.equal(p.get('pid1'), 'sh');
    assert.equal(p.get('shm'), 'tmpfs rw,nosuid,nodev,noexec,relatime,size=65536k');
    assert.equal(p.get('pts'), 'devpts');
    assert.equal(p.get('mqueue'), 'mqueue');
  });

  test(`${client}: --privileged lifts the confinement up to what the daemon holds`, async () => {
    const host = await hostBlockDevices();
    const p = await probe(run, ['--privileged'], host.openable);
    assert.equal(p.get('CapEff'), await hostStatusField('CapEff'));
    assert.equal(p.get('Seccomp'), '0');
    assert.equal(p.get('mount'), 'ok');
    assert.doesNotMatch(p.get('insmod') ?? '', /Operation not permitted/);
    assert.equal(p.get('procsys'), 'writable');
    const seen = (p.get('blockdevs') ?? '').split(' ').filter(Boolean);
    for (const name of host.names) assert.ok(seen.includes(`/dev/${name}`), `/dev/${name} in ${seen.join(' ')}`);
    if (host.openable) assert.equal(p.get('blkread'), 'ok');
  });
}

test('--cap-add SYS_ADMIN lets mount work; --cap-drop CHOWN makes chown fail', async () => {
  const add = await berth(['run', '--rm', '--cap-add', 'SYS_ADMIN', 'busybox', 'sh', '-c', 'mkdir /mnt && mount -t tmpfs x /mnt && grep -c " /mnt tmpfs " /proc/mounts']);
  assert.equal(add.code, 0, add.stderr);
  assert.equal(add.stdout, '1\n');
  const drop = await docker(['run', '--rm', '--cap-drop', 'CHOWN', 'busybox', 'sh', '-c', 'chown 1 /tmp; echo "rc=$?"; grep CapEff /proc/self/status']);
  assert.match(drop.stderr, /chown: \/tmp: Operation not permitted/);
  assert.match(drop.stdout, /^rc=1$/m);
  assert.match(drop.stdout, /CapEff:\s*00000000a80425fa$/m);
  const still = await berth(['run', '--rm', 'busybox', 'sh', '-c', 'chown 1 /tmp && echo chowned']);
  assert.equal(still.stdout, 'chowned\n');
});

for (const { name: client, run } of CLIENTS) {
  test(`${client}: --security-opt seccomp=unconfined and no-new-privileges`, async () => {
    const unconfined = await run(['run', '--rm', '--security-opt', 'seccomp=unconfined', 'busybox', 'grep', '-E', '^(Seccomp|CapEff):', '/proc/self/status']);
    assert.equal(unconfined.code, 0, unconfined.stderr);
    assert.match(unconfined.stdout, /^Seccomp:\s*0$/m);
    assert.match(unconfined.stdout, new RegExp(`^CapEff:\\s*${DOCKER_DEFAULT_CAPEFF}$`, 'm'));
    const nnp = await run(['run', '--rm', '--security-opt', 'no-new-privileges', 'busybox', 'grep', '^NoNewPrivs:', '/proc/self/status']);
    assert.match(nnp.stdout, /^NoNewPrivs:\s*1$/m);
  });

  test(`${client}: --security-opt systempaths=unconfined leaves /proc and /sys paths unmasked and writable where capabilities allow`, async () => {
    const script = 'grep -cE " /proc/(kcore|keys|timer_list|sched_debug|sys|sysrq-trigger|irq|bus) | /sys/firmware " /proc/self/mountinfo';
    const masked = await run(['run', '--rm', 'busybox', 'sh', '-c', script]);
    assert.notEqual(masked.stdout.trim(), '0', 'a default container has masked and read-only paths');
    const unmasked = await run(['run', '--rm', '--security-opt', 'systempaths=unconfined', 'busybox', 'sh', '-c', `${script}; true`]);
    assert.equal(unmasked.code, 0, unmasked.stderr);
    assert.equal(unmasked.stdout.trim(), '0');
  });
}

test('exec gets the container confinement; exec --privileged every capability the daemon holds', async () => {
  const name = uniqueName('sec-exec');
  const d = await berth(['run', '-d', '--name', name, 'busybox', 'sleep', '1000']);
  assert.equal(d.code, 0, d.stderr);
  try {
    const plain = await berth(['exec', name, 'grep', '-E', '^(CapEff|Seccomp):', '/proc/self/status']);
    assert.match(plain.stdout, new RegExp(`^CapEff:\\s*${DOCKER_DEFAULT_CAPEFF}$`, 'm'));
    assert.match(plain.stdout, /^Seccomp:\s*2$/m);
    const priv = await docker(['exec', '--privileged', name, 'grep', '^CapEff:', '/proc/self/status']);
    assert.match(priv.stdout, new RegExp(`^CapEff:\\s*${await hostStatusField('CapEff')}$`, 'm'));
  } finally {
    await berth(['rm', '-f', name]);
  }
});

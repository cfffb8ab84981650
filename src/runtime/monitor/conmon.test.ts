import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isBerthError } from '../../lib/errors.js';
import { newRandomId } from '../../oci/ids.js';
import { attach, execInContainer, ExitWatcher, launchContainer, prepareMonitor, readExitFile, reopenLog, resize, type AttachConnection, type ConmonLaunchOptions } from './conmon.js';
import { readLogs } from './logs.js';
import { minimalSpec, type MinimalSpecOptions } from './minimal-spec.js';
import { eventually, integrationSkipReason, Sandbox } from './test-sandbox.js';

const skip = integrationSkipReason();

interface Collected {
  stdout: () => string;
  stderr: () => string;
  ended: Promise<void>;
}

function collect(conn: AttachConnection): Collected {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  conn.onData((stream, chunk) => (stream === 1 ? out : err).push(chunk));
  const ended = new Promise<void>((resolve) => conn.onEnd(() => resolve()));
  return { stdout: () => Buffer.concat(out).toString(), stderr: () => Buffer.concat(err).toString(), ended };
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`timed out: ${what}`)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

describe('conmon monitor (runc)', { skip }, () => {
  let sb: Sandbox;
  const exits = new Map<string, number>();
  let watcher: ExitWatcher;

  before(async () => {
    sb = await Sandbox.create();
    watcher = new ExitWatcher(sb.exitDir, (id, code) => exits.set(id, code));
    await watcher.start();
  });

  after(async () => {
    watcher?.close();
    const leftover = await sb.conmonPids();
    await sb.cleanup();
    await assert.rejects(access(sb.dir), 'sandbox dir removed');
    assert.deepEqual(leftover, [], 'no conmon left behind by the tests');
  });

  async function launch(spec: MinimalSpecOptions, extra: Partial<ConmonLaunchOptions> = {}) {
    const c = await sb.container(spec);
    const started = performance.now();
    const launched = await launchContainer({
      runtime: sb.runtime,
      id: c.id,
      name: c.name,
      bundle: c.bundle,
      exitDir: sb.exitDir,
      persistDir: c.persistDir,
      logPath: c.logPath,
      tty: spec.terminal ?? false,
      stdin: false,
      ...extra,
    });
    return { c, launched, launchMs: performance.now() - started };
  }

  test('exit code, stdout/stderr via attach, log file streams', async () => {
    const { c, launched, launchMs } = await launch({ args: ['sh', '-c', 'echo out; echo err >&2; exit 3'] });
    assert.equal((await sb.runtime.state(c.id))?.status, 'created');
    assert.equal((await sb.runtime.state(c.id))?.pid, launched.pid);
    const conn = await attach(launched.paths.attachSocket, { stdin: false });
    const got = collect(conn);
    const t0 = performance.now();
    await sb.runtime.start(c.id);
    const startMs = performance.now() - t0;
    await within(got.ended, 5000, 'attach end');
    assert.equal(got.stdout(), 'out\n');
    assert.equal(got.stderr(), 'err\n');
    const code = await eventually(() => exits.get(c.id), 5000, 'exit watcher');
    assert.equal(code, 3);
    assert.equal(await readExitFile(launched.exitFile), 3);
    assert.equal(await readExitFile(join(c.persistDir, 'exit')), 3);
    const log = [];
    for await (const e of readLogs(c.logPath, { follow: false, isRunning: () => false })) log.push(`${e.stream}:${e.line.toString()}`);
    assert.deepEqual(log.sort(), ['stderr:err\n', 'stdout:out\n']);
    assert.equal((await sb.runtime.state(c.id))?.status, 'stopped');
    await sb.runtime.delete(c.id);
    assert.equal(await sb.runtime.state(c.id), null);
    console.log(`# launch (conmon + runc create) ${launchMs.toFixed(0)} ms, runc start ${startMs.toFixed(0)} ms`);
  });

  test('output produced right after start is not lost (attach before start)', async () => {
    const { c, launched } = await launch({ args: ['sh', '-c', 'seq 1 2000'] });
    const got = collect(await attach(launched.paths.attachSocket, { stdin: false }));
    await sb.runtime.start(c.id);
    await within(got.ended, 5000, 'attach end');
    const lines = got.stdout().trimEnd().split('\n');
    assert.equal(lines.length, 2000);
    assert.equal(lines[1999], '2000');
    assert.equal(await eventually(() => exits.get(c.id)), 0);
  });

  test('stdin: cat echoes input and closing stdin ends it', async () => {
    const { c, launched } = await launch({ args: ['cat'] }, { stdin: true });
    const conn = await attach(launched.paths.attachSocket, { stdin: true });
    const got = collect(conn);
    await sb.runtime.start(c.id);
    await conn.write(Buffer.from('hello\n'));
    await eventually(() => (got.stdout() === 'hello\n' ? true : undefined), 5000, 'echo');
    await conn.write(Buffer.alloc(100_000, 'z'));
    conn.closeStdin();
    await within(got.ended, 5000, 'attach end after stdin EOF');
    assert.equal(got.stdout(), `hello\n${'z'.repeat(100_000)}`);
    assert.equal(await eventually(() => exits.get(c.id)), 0);
  });

  test('leaveStdinOpen: a client closing stdin does not end the container', async () => {
    const { c, launched } = await launch({ args: ['cat'] }, { stdin: true, leaveStdinOpen: true });
    await sb.runtime.start(c.id);
    const first = await attach(launched.paths.attachSocket, { stdin: true });
    await first.write(Buffer.from('one\n'));
    first.closeStdin();
    first.close();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await sb.runtime.state(c.id))?.status, 'running');
    const second = await attach(launched.paths.attachSocket, { stdin: true });
    const got = collect(second);
    // Reopening the log (after the daemon rotated it) starts a fresh file.
    assert.equal(await reopenLog(launched.paths.ctl), true);
    await eventually(async () => ((await readFile(c.logPath, 'utf8')) === '' ? true : undefined), 5000, 'log reopened');
    await second.write(Buffer.from('two\n'));
    await eventually(() => (got.stdout().includes('two\n') ? true : undefined), 5000, 'second echo');
    assert.match(await readFile(c.logPath, 'utf8'), /^\S+ stdout F two\n$/);
    await sb.runtime.kill(c.id, 'KILL');
    await within(got.ended, 5000, 'attach end');
    assert.equal(await eventually(() => exits.get(c.id)), 137);
  });

  test('tty with resize before and after start', async () => {
    const { c, launched } = await launch({ args: ['sh', '-c', 'read a; stty size; read b; stty size'], terminal: true });
    const conn = await attach(launched.paths.attachSocket, { stdin: true });
    const got = collect(conn);
    assert.equal(await resize(launched.paths.ctl, 33, 77), true);
    await sb.runtime.start(c.id);
    await new Promise((r) => setTimeout(r, 200));
    await conn.write(Buffer.from('\r'));
    await eventually(() => (got.stdout().includes('33 77') ? true : undefined), 5000, 'first size');
    await resize(launched.paths.ctl, 40, 100);
    await new Promise((r) => setTimeout(r, 200));
    await conn.write(Buffer.from('\r'));
    await within(got.ended, 5000, 'attach end');
    assert.match(got.stdout(), /33 77\r\n[\s\S]*40 100\r\n/);
    assert.equal(got.stderr(), '', 'a tty has no separate stderr');
    assert.equal(await eventually(() => exits.get(c.id)), 0);
    assert.equal(await resize(launched.paths.ctl, 10, 10), false, 'no reader once conmon is gone');
  });

  test('state, pause, resume, ps, kill', async () => {
    const { c, launched } = await launch({ args: ['sleep', '100'] });
    // conmon is detached from us: reparented and in its own session, so it outlives the daemon.
    const stat = (await readFile(`/proc/${launched.conmonPid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
    assert.notEqual(Number(stat[1]), process.pid, 'conmon parent');
    assert.equal(Number(stat[3]), launched.conmonPid, 'conmon leads its own session');
    await sb.runtime.start(c.id);
    assert.deepEqual(await sb.runtime.state(c.id), { status: 'running', pid: launched.pid });
    assert.deepEqual(await sb.runtime.ps(c.id), [launched.pid]);
    await sb.runtime.pause(c.id);
    assert.equal((await sb.runtime.state(c.id))?.status, 'paused');
    await sb.runtime.resume(c.id);
    assert.equal((await sb.runtime.state(c.id))?.status, 'running');
    await sb.runtime.kill(c.id, 'SIGKILL');
    assert.equal(await eventually(() => exits.get(c.id)), 137);
    assert.equal((await sb.runtime.state(c.id))?.status, 'stopped');
    await assert.rejects(sb.runtime.kill(c.id, 9), (e) => isBerthError(e, 'Conflict'));
    await sb.runtime.delete(c.id);
    await sb.runtime.delete(c.id);
    await assert.rejects(sb.runtime.start(c.id), (e) => isBerthError(e, 'NotFound'));
  });

  test('missing executable fails launch with the runtime message', async () => {
    const c = await sb.container({ args: ['/no/such/binary'] });
    const err = await launchContainer({
      runtime: sb.runtime,
      id: c.id,
      name: c.name,
      bundle: c.bundle,
      exitDir: sb.exitDir,
      persistDir: c.persistDir,
      logPath: c.logPath,
      tty: false,
      stdin: false,
    }).then(
      () => assert.fail('launch should fail'),
      (e: unknown) => e,
    );
    assert.ok(isBerthError(err), String(err));
    assert.equal(err.code, 'oci_executable_not_found');
    assert.match(err.message, /^OCI runtime create failed: .*(no such file or directory|executable file not found)/);
    assert.equal(await sb.runtime.state(c.id), null, 'runtime record removed');

    const c2 = await sb.container({ args: ['nosuchcmd'] });
    const err2 = await launchContainer({ ...launchArgs(c2), runtime: sb.runtime, exitDir: sb.exitDir }).catch((e: unknown) => e);
    assert.ok(isBerthError(err2));
    assert.match(err2.message, /executable file not found in \$PATH/);

    const c3 = await sb.container({ args: ['/bin/noexec'] });
    await writeFile(join(c3.bundle, 'rootfs', 'bin', 'noexec'), '#!/bin/sh\n', { mode: 0o644 });
    const err3 = await launchContainer({ ...launchArgs(c3), runtime: sb.runtime, exitDir: sb.exitDir }).catch((e: unknown) => e);
    assert.ok(isBerthError(err3));
    assert.equal(err3.code, 'oci_permission_denied');
    assert.match(err3.message, /permission denied/);
  });

  test('a prepared monitor waits for create() and reads config.json then; abandon() leaves nothing', async () => {
    const conmonsOf = async (id: string) => {
      const pids = [];
      for (const pid of await sb.conmonPids()) if ((await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes(id)) pids.push(pid);
      return pids;
    };
    const dropped = await sb.container({ args: ['true'] });
    const abandoned = await prepareMonitor({ ...launchArgs(dropped), runtime: sb.runtime, exitDir: sb.exitDir });
    await eventually(async () => ((await conmonsOf(dropped.id)).length > 0 ? true : undefined), 5000, 'conmon up');
    await abandoned.abandon();
    assert.deepEqual(await conmonsOf(dropped.id), [], 'no conmon after abandon');
    assert.equal(await sb.runtime.state(dropped.id), null, 'nothing created');

    const c = await sb.container({ args: ['true'] });
    const waiting = await prepareMonitor({ ...launchArgs(c), runtime: sb.runtime, exitDir: sb.exitDir });
    await eventually(async () => ((await conmonsOf(c.id)).length > 0 ? true : undefined), 5000, 'conmon up');
    assert.equal(await sb.runtime.state(c.id), null, 'no create before create()');
    // The bundle may still change while conmon waits: the runtime reads it only at create().
    await writeFile(join(c.bundle, 'config.json'), JSON.stringify(minimalSpec({ hostname: 'berth-test', args: ['sh', '-c', 'exit 7'] })));
    const launched = await waiting.create();
    assert.equal((await sb.runtime.state(c.id))?.pid, launched.pid);
    await sb.runtime.start(c.id);
    assert.equal(await eventually(() => exits.get(c.id), 5000, 'exit'), 7);
    await sb.runtime.delete(c.id);
  });

  test('exec: attached with output and exit code, tty, detached, missing executable', async () => {
    const { c, launched } = await launch({ args: ['sleep', '100'] });
    await sb.runtime.start(c.id);
    const execDir = (n: string) => join(c.bundle, '..', `exec-${n}`);
    const proc = (args: string[], terminal = false) => ({ terminal, args, cwd: '/', env: ['PATH=/bin'] });

    const e1 = await execInContainer({
      runtime: sb.runtime,
      containerId: c.id,
      execId: newRandomId(),
      execDir: execDir('1'),
      process: proc(['sh', '-c', 'echo exec-out; echo exec-err >&2; exit 7']),
      stdin: false,
      attach: true,
    });
    assert.ok(e1.attach);
    const g1 = collect(e1.attach);
    assert.equal(await within(e1.exitCode, 5000, 'exec exit'), 7);
    await within(g1.ended, 5000, 'exec attach end');
    assert.equal(g1.stdout(), 'exec-out\n');
    assert.equal(g1.stderr(), 'exec-err\n');

    const e2 = await execInContainer({
      runtime: sb.runtime,
      containerId: c.id,
      execId: newRandomId(),
      execDir: execDir('2'),
      process: proc(['stty', 'size'], true),
      stdin: true,
      attach: true,
      consoleSize: { rows: 20, cols: 60 },
    });
    const g2 = collect(e2.attach!);
    assert.equal(await within(e2.exitCode, 5000, 'tty exec exit'), 0);
    await within(g2.ended, 5000, 'tty exec attach end');
    assert.equal(g2.stdout().trim(), '20 60');

    const e3 = await execInContainer({
      runtime: sb.runtime,
      containerId: c.id,
      execId: newRandomId(),
      execDir: execDir('3'),
      process: proc(['sh', '-c', 'echo detached > /tmp/marker; exit 4']),
      stdin: false,
      attach: false,
    });
    assert.equal(e3.attach, undefined);
    assert.equal(await within(e3.exitCode, 5000, 'detached exec exit'), 4);
    assert.equal(await readFile(join(c.bundle, 'rootfs', 'tmp', 'marker'), 'utf8'), 'detached\n');

    const e4 = execInContainer({
      runtime: sb.runtime,
      containerId: c.id,
      execId: newRandomId(),
      execDir: execDir('4'),
      process: proc(['nosuchcmd']),
      stdin: false,
      attach: true,
    });
    await assert.rejects(e4, (e) => {
      assert.ok(isBerthError(e));
      assert.equal(e.code, 'oci_executable_not_found');
      assert.match(e.message, /^OCI runtime exec failed: .*executable file not found in \$PATH/);
      return true;
    });

    assert.equal((await sb.runtime.state(c.id))?.pid, launched.pid, 'container still running');
    await sb.runtime.kill(c.id, 'KILL');
    assert.equal(await eventually(() => exits.get(c.id)), 137);
  });

  test('follow the log of a running container until it exits', async () => {
    const { c } = await launch({ args: ['sh', '-c', 'echo first; sleep 0.3; echo second >&2; printf third'] });
    await sb.runtime.start(c.id);
    const seen: string[] = [];
    for await (const e of readLogs(c.logPath, { follow: true, isRunning: () => !exits.has(c.id) })) {
      seen.push(`${e.stream}:${e.line.toString()}`);
    }
    assert.deepEqual(seen, ['stdout:first\n', 'stderr:second\n', 'stdout:third']);
  });

  test('long lines are split by conmon into partial records and joined again', async () => {
    const { c } = await launch({ args: ['sh', '-c', "head -c 20000 /dev/zero | tr '\\0' a; echo; echo short"] });
    await sb.runtime.start(c.id);
    await eventually(() => exits.get(c.id), 5000, 'exit');
    const raw = await readFile(c.logPath, 'utf8');
    assert.ok(raw.includes(' stdout P '), 'conmon wrote partial records');
    const lines: string[] = [];
    for await (const e of readLogs(c.logPath, { follow: false, isRunning: () => false })) lines.push(e.line.toString());
    assert.deepEqual(lines, [`${'a'.repeat(20000)}\n`, 'short\n']);
  });

  function launchArgs(c: { id: string; name: string; bundle: string; persistDir: string; logPath: string }) {
    return { id: c.id, name: c.name, bundle: c.bundle, persistDir: c.persistDir, logPath: c.logPath, tty: false, stdin: false };
  }
});

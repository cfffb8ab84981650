/**
 * A real terminal, driven through tmux: `run -it` and `exec -it` with line editing, Ctrl-C, window
 * resize, the shell's exit code and the detach keys, through both CLIs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BERTH_BIN, CLIENTS, DOCKER_BIN, SHARED_HOST, berth, runCommand, uniqueName } from './harness.js';

const TMUX = '/usr/bin/tmux';

const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The shell command line that runs one client, as a terminal would. */
function clientCommand(client: 'berth' | 'docker', args: string[]): string {
  const argv =
    client === 'berth'
      ? ['env', `BERTH_HOST=${SHARED_HOST}`, 'DOCKER_HOST=', BERTH_BIN, ...args]
      : ['env', `DOCKER_HOST=${SHARED_HOST}`, 'DOCKER_CLI_HINTS=false', DOCKER_BIN, ...args];
  return argv.map(shq).join(' ');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One tmux server of its own (-S) with one window running a command; the command's exit code
 * lands in a file, and the window stays up afterwards so its last words can be read.
 */
class Terminal {
  private readonly socket = join(tmpdir(), uniqueName('berth-tty'));
  readonly rcFile = `${this.socket}.rc`;

  private async tmux(...args: string[]): Promise<string> {
    const r = await runCommand(TMUX, ['-S', this.socket, '-f', '/dev/null', ...args]);
    if (r.code !== 0) throw new Error(`tmux ${args[0]}: ${r.stderr}`);
    return r.stdout;
  }

  async start(command: string, width: number, height: number): Promise<void> {
    await this.tmux('new-session', '-d', '-s', 'main', '-x', String(width), '-y', String(height), `${command}; echo $? > ${shq(this.rcFile)}; exec sleep 600`);
  }

  /** Keys by tmux's names (Enter, Left, BSpace, C-c). */
  keys(...keys: string[]): Promise<string> {
    return this.tmux('send-keys', '-t', 'main', ...keys);
  }

  /** Literal text, no key names. */
  type(text: string): Promise<string> {
    return this.tmux('send-keys', '-t', 'main', '-l', text);
  }

  resize(width: number, height: number): Promise<string> {
    return this.tmux('resize-window', '-t', 'main', '-x', String(width), '-y', String(height));
  }

  screen(): Promise<string> {
    return this.tmux('capture-pane', '-p', '-J', '-t', 'main', '-S', '-');
  }

  /** Polls the screen until it matches; fails with what the screen showed. */
  async waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      last = await this.screen().catch((e: Error) => `${last}\n[${e.message}]`);
      const m = last.match(pattern);
      if (m) return m;
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${pattern} on the screen:\n${last}`);
      await sleep(50);
    }
  }

  /** The client's exit code, once it has exited. */
  async exitCode(timeoutMs = 10_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rc = await readFile(this.rcFile, 'utf8').catch(() => '');
      if (rc.endsWith('\n')) return Number(rc.trim());
      if (Date.now() > deadline) assert.fail(`the client did not exit; screen:\n${await this.screen().catch(() => '')}`);
      await sleep(50);
    }
  }

  async close(): Promise<void> {
    await runCommand(TMUX, ['-S', this.socket, 'kill-server']);
    await rm(this.socket, { force: true });
    await rm(this.rcFile, { force: true });
  }
}

/** Waits until a process with these arguments runs in the container. */
async function waitForProcess(container: string, args: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = await berth(['exec', container, 'ps', '-o', 'args']);
    if (r.stdout.split('\n').some((l) => l.trim() === args)) return;
    if (Date.now() > deadline) assert.fail(`no "${args}" in the container:\n${r.stdout}${r.stderr}`);
    await sleep(100);
  }
}

/**
 * The interactive session: line editing, resize, Ctrl-C, `exit 3`. Arithmetic in the echoed
 * commands makes the output differ from the typed line, so the screen shows which is which.
 */
async function interactiveSession(t: Terminal, container: string): Promise<void> {
  await t.waitFor(/^\/ #/m);
  await t.type('echo sh-$$-$((1+1))');
  await t.keys('Enter');
  const shellPid = (await t.waitFor(/^sh-(\d+)-2$/m))[1]!;

  await t.type('echo 12X45');
  await t.keys('Left', 'Left', 'BSpace');
  await t.type('3');
  await t.keys('Enter');
  await t.waitFor(/^12345$/m);
  assert.doesNotMatch(await t.screen(), /^12X45$/m);

  await t.type('stty size');
  await t.keys('Enter');
  await t.waitFor(/^30 100$/m);
  await t.resize(80, 24);
  // The new size travels tmux → client (SIGWINCH) → API → the container's pty; ask until it lands.
  for (let tries = 1; ; tries++) {
    await t.type('stty size');
    await t.keys('Enter');
    const landed = await t.waitFor(/^24 80$/m, 1_000).then(() => true, (e: unknown) => {
      if (tries === 10) throw e;
      return false;
    });
    if (landed) break;
  }

  await t.type('sleep 100');
  await t.keys('Enter');
  await waitForProcess(container, 'sleep 100');
  await t.keys('C-c');
  // The same shell answers, long before the sleep would have ended.
  await t.type('echo sh-$$-$((2+2))');
  await t.keys('Enter');
  await t.waitFor(new RegExp(`^sh-${shellPid}-4$`, 'm'), 5_000);

  await t.type('exit 3');
  await t.keys('Enter');
  assert.equal(await t.exitCode(), 3);
}

async function running(container: string): Promise<string> {
  return (await berth(['inspect', '--format', '{{.State.Running}}', container])).stdout.trim();
}

for (const { name: client } of CLIENTS) {
  test(`${client}: run -it is a real terminal: line editing, resize, Ctrl-C, exit code`, async () => {
    const name = uniqueName('tty-run');
    const t = new Terminal();
    try {
      await t.start(clientCommand(client, ['run', '-it', '--rm', '--name', name, 'busybox', 'sh']), 100, 30);
      await interactiveSession(t, name);
    } finally {
      await t.close();
      await berth(['rm', '-f', name]);
    }
  });

  test(`${client}: exec -it is a real terminal: line editing, resize, Ctrl-C, exit code`, async () => {
    const name = uniqueName('tty-exec');
    const d = await berth(['run', '-d', '--name', name, 'busybox', 'sleep', '1000']);
    assert.equal(d.code, 0, d.stderr);
    const t = new Terminal();
    try {
      await t.start(clientCommand(client, ['exec', '-it', name, 'sh']), 100, 30);
      await interactiveSession(t, name);
      assert.equal(await running(name), 'true');
    } finally {
      await t.close();
      await berth(['rm', '-f', name]);
    }
  });

  test(`${client}: ctrl-p ctrl-q detaches run -it, attach and exec -it, leaving the container running`, async () => {
    const name = uniqueName('tty-detach');
    const run = new Terminal();
    const attach = new Terminal();
    const exec = new Terminal();
    try {
      // run detaches quietly with 0; attach and exec report the escape and exit 1, as docker's CLI.
      await run.start(clientCommand(client, ['run', '-it', '--name', name, 'busybox', 'sh']), 100, 30);
      await run.waitFor(/^\/ #/m);
      await run.keys('C-p', 'C-q');
      assert.equal(await run.exitCode(), 0);
      assert.equal(await running(name), 'true');

      await attach.start(clientCommand(client, ['attach', name]), 100, 30);
      await attach.type('echo attached-$((2+3))');
      await attach.keys('Enter');
      await attach.waitFor(/^attached-5$/m);
      await attach.keys('C-p', 'C-q');
      assert.equal(await attach.exitCode(), 1);
      await attach.waitFor(/read escape sequence$/m);
      assert.equal(await running(name), 'true');

      await exec.start(clientCommand(client, ['exec', '-it', name, 'sh', '-c', 'echo exec-$((3+4)); exec sleep 1000']), 100, 30);
      await exec.waitFor(/^exec-7$/m);
      await exec.keys('C-p', 'C-q');
      assert.equal(await exec.exitCode(), 1);
      await exec.waitFor(/^read escape sequence$/m);
      assert.equal(await running(name), 'true');
      // Detaching leaves the exec'd process running too.
      await waitForProcess(name, 'sleep 1000');
    } finally {
      await run.close();
      await attach.close();
      await exec.close();
      await berth(['rm', '-f', name]);
    }
  });
}

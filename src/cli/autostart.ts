import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EngineClient } from '../api/client/engine-client.js';
import { isBerthError } from '../lib/errors.js';

export const DAEMON_LOG_PATH = '/var/log/berth/berthd.log';

export interface AutoStartOptions {
  client: EngineClient;
  /**
   * The berth executable: the bundle's launcher, run as `<scriptPath> daemon` so berthd gets the
   * settings it gives (memory, the CA file), or a JavaScript file, run as `<execPath> <scriptPath> daemon`.
   */
  execPath: string;
  scriptPath: string;
  stderr: NodeJS.WritableStream;
  logPath?: string;
  timeoutMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Starts berthd in its own session, detached from this process, with its output in the log file,
 * and resolves once `/_ping` answers. Throws the client's Unavailable error if it never does.
 */
export async function startDaemon(opts: AutoStartOptions): Promise<void> {
  const logPath = opts.logPath ?? DAEMON_LOG_PATH;
  opts.stderr.write(`berth: starting berthd (logs in ${logPath})\n`);
  mkdirSync(dirname(logPath), { recursive: true });
  const fd = openSync(logPath, 'a');
  try {
    const argv = /\.[cm]?js$/.test(opts.scriptPath) ? [opts.execPath, opts.scriptPath, 'daemon'] : [opts.scriptPath, 'daemon'];
    const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', fd, fd] });
    child.unref();
  } finally {
    closeSync(fd);
  }
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let delay = 20;
  for (;;) {
    try {
      await opts.client.ping();
      return;
    } catch (e) {
      if (!isBerthError(e, 'Unavailable') || Date.now() >= deadline) throw e;
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 200);
  }
}

import { spawn } from 'node:child_process';
import { BerthError, internal } from '../../lib/errors.js';

/** Debian package providing each external tool, for the "not installed" message. */
const PACKAGE: Record<string, string> = {
  mknod: 'coreutils',
  setfattr: 'attr',
  getfattr: 'attr',
  bzip2: 'bzip2',
  xz: 'xz-utils',
  zstd: 'zstd',
};

export function toolMissing(tool: string, cause?: unknown): BerthError {
  const pkg = PACKAGE[tool];
  const hint = pkg === undefined ? '' : ` (install the "${pkg}" package)`;
  return new BerthError('Unavailable', 'tool_missing', `${tool} is not installed${hint}`, { cause });
}

/**
 * Runs argv (no shell) and resolves with its stdout; a non-zero exit rejects with its stderr.
 * Used for the few operations Node has no API for (mknod, xattrs).
 */
export function runTool(argv: readonly string[]): Promise<Buffer> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw internal('empty_argv', 'runTool needs a command');
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? toolMissing(cmd, e) : e));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(Buffer.concat(out));
      const msg = Buffer.concat(err).toString('utf8').trim();
      reject(internal('tool_failed', `${cmd} failed (${signal ?? `exit ${code}`})${msg === '' ? '' : `: ${msg}`}`));
    });
  });
}

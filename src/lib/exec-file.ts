import { spawn, type SpawnOptions } from 'node:child_process';
import { BerthError } from './errors.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program with an argv array (never a shell string) and collects its output.
 * Resolves with the exit status; rejects only when the program cannot be started.
 */
export function runProgram(
  file: string,
  args: readonly string[],
  options: SpawnOptions & { input?: string | Buffer } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const { input, ...spawnOptions } = options;
    const child = spawn(file, args, { ...spawnOptions, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) =>
      reject(new BerthError('Internal', 'spawn_failed', `cannot run ${file}: ${e.message}`, { cause: e })),
    );
    child.on('close', (code, signal) =>
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    // A program may exit without reading all its input (a credential helper's `erase`, `false`): as
    // with Go's exec, which Docker's tools use, the exit status says how it went, not the broken pipe.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

/** Like runProgram, but a non-zero exit becomes an Internal error carrying the program's stderr. */
export async function runChecked(
  file: string,
  args: readonly string[],
  options: SpawnOptions & { input?: string | Buffer } = {},
): Promise<string> {
  const r = await runProgram(file, args, options);
  if (r.code !== 0) {
    const detail = (r.stderr || r.stdout).trim();
    throw new BerthError('Internal', 'program_failed', `${file} ${args.join(' ')}: ${detail || `exit status ${r.code}`}`);
  }
  return r.stdout;
}

/** Runs the berth CLI as this process: the part of the executable shared by its two entry points. */
import type { LoadedCli } from './cli-loader.js';
import { restoreExtraCaEnv } from './extra-ca-env.js';

/**
 * Runs `cli` on this process's arguments and exits with its code. `executable` is what the CLI
 * starts berthd with (`<executable> daemon`: the bundle's launcher, or a script run by node).
 */
export async function runCliProcess(cli: LoadedCli, executable: string): Promise<never> {
  // What the CLI starts (berthd, credential helpers) gets NODE_EXTRA_CA_CERTS back.
  restoreExtraCaEnv();
  // A reader that goes away (`berth build . | head`) ends the command quietly, as for any Unix tool.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  let command: string | undefined;
  const hooks = { commandResolved: (path: string) => void (command = path) };
  const code = await cli.main([process.argv[0] ?? process.execPath, executable, ...process.argv.slice(2)], {
    // A getter: creating process.stdin costs start-up time, and most commands never read it.
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signals: process,
  }, hooks);
  cli.saveCache(command);
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

/**
 * Resolves once `stream` has handed everything it was given to the OS. A pipe whose reader is
 * slower than the command (`berth save IMG | docker load`) holds writes back, and process.exit
 * would drop them: the reader would get a truncated archive and no error.
 */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.writableLength === 0 || stream.destroyed) return Promise.resolve();
  // Writes complete in order: an empty one's callback runs once those before it are out. ('drain'
  // comes only after a write that went over the high-water mark.)
  return new Promise((resolve) => void stream.write('', () => resolve()));
}

#!/usr/bin/env node
/** The berth executable: `berth daemon ...` runs berthd, anything else is the CLI. */
import { loadCli } from './cli-loader.js';

if (process.argv[2] === 'daemon') {
  const { runDaemon } = await import('../daemon/main.js');
  try {
    await runDaemon(process.argv.slice(3));
  } catch (e) {
    process.stderr.write(`berthd: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
} else {
  // A reader that goes away (`berth build . | head`) ends the command quietly, as for any Unix tool.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const cli = await loadCli(import.meta.url);
  const code = await cli.main(process.argv, {
    // A getter: creating process.stdin costs start-up time, and most commands never read it.
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signals: process,
  });
  cli.saveCache();
  process.exit(code);
}

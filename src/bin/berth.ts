#!/usr/bin/env node
/** The berth executable: `berth daemon ...` runs berthd, anything else is the CLI. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBundledCli } from './cli-loader.js';
import { runCliProcess } from './cli-process.js';
import { restoreExtraCaEnv } from './extra-ca-env.js';

if (process.argv[2] === 'daemon') {
  restoreExtraCaEnv();
  const { runDaemon } = await import('../daemon/main.js');
  try {
    await runDaemon(process.argv.slice(3));
  } catch (e) {
    process.stderr.write(`berthd: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
} else {
  const self = fileURLToPath(import.meta.url);
  // Unbundled (tsc output), or when the bundle's CLI file is missing, the CLI is imported as usual.
  const cli = loadBundledCli(dirname(self)) ?? { main: (await import('../cli/main.js')).main, saveCache: () => undefined };
  // berthd is started through the bundle's launcher where there is one (see autostart.ts).
  const launcher = join(dirname(self), 'berth');
  await runCliProcess(cli, existsSync(launcher) ? launcher : self);
}

/**
 * The CLI's own entry point in the bundle, run by the launcher (src/bin/berth.sh) for every command
 * but `daemon`: a CommonJS file, so the CLI starts without Node's ESM loader.
 */
import { join } from 'node:path';
import { loadBundledCli } from './cli-loader.js';
import { runCliProcess } from './cli-process.js';

const bundleDir = __dirname;
const cli = loadBundledCli(bundleDir);
if (cli === undefined) {
  process.stderr.write(`berth: the CLI bundle is missing from ${bundleDir}: rebuild berth (npm run build)\n`);
  process.exit(1);
}
void runCliProcess(cli, join(bundleDir, 'berth'));

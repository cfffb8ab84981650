/**
 * Loads the CLI bundle. The bundle carries the CLI as one CommonJS file whose name holds its content
 * hash (scripts/bundle.mjs): compiling it through vm.Script with a V8 code cache beside it skips most
 * parsing and compiling, and one synchronous file beats the ESM loader's per-chunk resolve/read/link.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

export type CliMain = typeof import('../cli/main.js').main;

/** Set by scripts/bundle.mjs to the CLI file's name, e.g. `cli-AB12CD34.cjs`; absent in tsc output. */
declare const __BERTH_CLI_FILE__: string | undefined;

export interface LoadedCli {
  main: CliMain;
  /**
   * Writes the code cache when there was none, V8 refused it, or `command` (a command path, e.g.
   * `berth run`) never ran with it; call once the command ran, so the functions it compiled lazily
   * are in the cache too. Never throws.
   */
  saveCache(command: string | undefined): void;
}

/** The CLI from the bundle in `bundleDir`, or undefined when this is not a bundled build or the file
 * is missing. */
export function loadBundledCli(bundleDir: string): LoadedCli | undefined {
  if (typeof __BERTH_CLI_FILE__ !== 'string') return undefined;
  const file = join(bundleDir, __BERTH_CLI_FILE__);
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  // The file name carries the content hash, so a cache can only ever meet the source it was made from
  // (V8 itself checks only the source's length, its own version and flags).
  const cacheFile = `${file}.cache`;
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  // The commands whose lazily compiled functions the cache holds: a cache made by the first command
  // run (often `ps` or `--version`) would otherwise leave every other command compiling its own code
  // at each run. A cache made with one read holds what it was read with, so it only ever grows.
  const commandsFile = `${cacheFile}.commands`;
  let covered: string[] = [];
  try {
    covered = readFileSync(commandsFile, 'utf8').split('\n').filter((l) => l !== '');
  } catch {
    covered = [];
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    ...(cachedData !== undefined ? { cachedData } : {}),
  });
  const mod: { exports: { main?: CliMain } } = { exports: {} };
  (script.runInThisContext() as (...a: unknown[]) => void)(mod.exports, createRequire(file), mod, file, dirname(file));
  const main = mod.exports.main;
  if (typeof main !== 'function') throw new Error(`${file} does not export main`);
  const stale = cachedData === undefined || script.cachedDataRejected === true;
  return {
    main,
    saveCache: (command) => {
      if (!stale && (command === undefined || covered.includes(command))) return;
      const commands = [...(stale ? [] : covered), ...(command !== undefined ? [command] : [])];
      // Temp files + rename: a concurrent berth never reads a half-written cache (a list that does
      // not match the cache only costs speed). A read-only install just runs without one.
      if (writeReplacing(cacheFile, script.createCachedData())) writeReplacing(commandsFile, commands.map((c) => `${c}\n`).join(''));
    },
  };
}

function writeReplacing(file: string, data: Buffer | string): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
    return true;
  } catch {
    rmSync(tmp, { force: true });
    return false;
  }
}

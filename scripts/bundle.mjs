// Bundles the berth executable ahead of time: the launcher `berth` (src/bin/berth.sh), one ESM entry
// plus lazily loaded chunks for the daemon, and the CLI as one CommonJS file that
// src/bin/cli-loader.ts compiles with a V8 code cache, started from a small CommonJS entry of its own
// (start-up time is part of every berth figure).
import { build } from 'esbuild';
import { chmod, copyFile, rm } from 'node:fs/promises';
import { basename } from 'node:path';

// Chunk names carry content hashes: start empty so stale chunks (and code caches) do not pile up.
await rm('dist/bundle', { recursive: true, force: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  outdir: 'dist/bundle',
  // Native addons load their .node files relative to their own package.
  external: ['better-sqlite3', 'node-unix-socket'],
  minify: false,
  sourcemap: false,
  logLevel: 'warning',
};

// The hash in the name keys the code cache to this exact content.
const cli = await build({
  ...common,
  entryPoints: { cli: 'src/cli/main.ts' },
  format: 'cjs',
  entryNames: '[name]-[hash]',
  outExtension: { '.js': '.cjs' },
  metafile: true,
});
const cliFile = basename(Object.keys(cli.metafile.outputs)[0]);

const define = { __BERTH_CLI_FILE__: JSON.stringify(cliFile) };

await build({
  ...common,
  entryPoints: { 'berth-cli': 'src/bin/berth-cli.ts' },
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  define,
});

await build({
  ...common,
  entryPoints: { berth: 'src/bin/berth.ts' },
  splitting: true,
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  define,
  banner: { js: "import { createRequire as __berthCreateRequire } from 'node:module'; const require = __berthCreateRequire(import.meta.url);" },
});
await chmod('dist/bundle/berth.mjs', 0o755);
await copyFile('src/bin/berth.sh', 'dist/bundle/berth');
await chmod('dist/bundle/berth', 0o755);

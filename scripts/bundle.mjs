// Bundles the berth executable ahead of time: the launcher `berth` (src/bin/berth.sh), one ESM entry
// plus lazily loaded chunks for the daemon, and the CLI as one CommonJS file that
// src/bin/cli-loader.ts compiles with a V8 code cache, started from a small CommonJS entry of its own
// (start-up time is part of every berth figure).
import { build } from 'esbuild';
import { chmod, copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

// Chunk names carry content hashes: start empty so stale chunks (and code caches) do not pile up.
await rm('dist/bundle', { recursive: true, force: true });

/**
 * Runs esbuild and writes its output with every non-ASCII character escaped. esbuild escapes them
 * in strings but keeps comments (and regular expressions) as they are, and one such character makes
 * V8 hold the whole source, which it keeps for lazy compilation, as two bytes a character: 0.5 MB of
 * an idle berthd for the daemon's main chunk. `\uXXXX` means the same in a comment, a string,
 * a regular expression or an identifier.
 */
async function bundle(options) {
  const result = await build({ ...options, write: false });
  for (const file of result.outputFiles) {
    await mkdir(dirname(file.path), { recursive: true });
    await writeFile(file.path, file.text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  }
  return result;
}

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
const cli = await bundle({
  ...common,
  entryPoints: { cli: 'src/cli/main.ts' },
  format: 'cjs',
  // vm.Script (src/bin/cli-loader.ts) runs the CLI without a dynamic-import callback: a lazy
  // built-in (node:crypto, node:os) must be loaded with require.
  supported: { 'dynamic-import': false },
  entryNames: '[name]-[hash]',
  outExtension: { '.js': '.cjs' },
  metafile: true,
});
const cliFile = basename(Object.keys(cli.metafile.outputs)[0]);

const define = { __BERTH_CLI_FILE__: JSON.stringify(cliFile) };

await bundle({
  ...common,
  entryPoints: { 'berth-cli': 'src/bin/berth-cli.ts' },
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  define,
});

/**
 * undici's HTTP/2 client requires node:http2 as soon as undici's client is loaded: ~20 ms of berthd's
 * first registry contact (its V8 flags make Node compile built-in modules without their code cache).
 * berth never asks undici for HTTP/2 (no allowH2, so TLS offers http/1.1 only), and what it gets
 * instead is undici's own stand-in for a Node without node:http2.
 */
const undiciWithoutHttp2 = {
  name: 'undici-without-http2',
  setup(b) {
    b.onResolve({ filter: /^node:http2$/ }, (args) =>
      /undici[\\/]lib[\\/]dispatcher[\\/]client-h2\.js$/.test(args.importer) ? { path: 'no-http2', namespace: 'berth-undici' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'berth-undici' }, () => ({ contents: 'module.exports = { constants: {} };', loader: 'js' }));
  },
};

await bundle({
  ...common,
  plugins: [undiciWithoutHttp2],
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

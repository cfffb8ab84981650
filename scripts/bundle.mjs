// Bundles the berth executable ahead of time: one ESM entry plus lazily loaded chunks, so a CLI
// command loads only its own code (start-up time is part of every berth figure).
import { build } from 'esbuild';
import { chmod, rm } from 'node:fs/promises';

// Chunk names carry content hashes: start empty so stale chunks do not pile up.
await rm('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints: { berth: 'src/bin/berth.ts' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: 'dist/bundle',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  // Native addons load their .node files relative to their own package.
  external: ['better-sqlite3', 'node-unix-socket'],
  banner: { js: "import { createRequire as __berthCreateRequire } from 'node:module'; const require = __berthCreateRequire(import.meta.url);" },
  minify: false,
  sourcemap: false,
  logLevel: 'warning',
});
await chmod('dist/bundle/berth.mjs', 0o755);

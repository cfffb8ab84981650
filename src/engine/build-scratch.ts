/**
 * The builder's files under the data root, apart from the builder itself: the daemon cleans them
 * at start-up without loading the builder, which loads at the first build.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CopyManifest } from '../build/cache-explain.js';
import { directorySize } from '../lib/disk-usage.js';
import type { Engine } from './engine.js';

/** Spill files of build contexts. */
export const scratchRoot = (engine: Engine): string => join(engine.info.dataRoot, 'build');

/**
 * Per COPY/ADD image, the digests of the files it copied: only for explaining cache misses, so
 * they live beside the image store, not in it (a lost file only makes an explanation vaguer).
 */
const copyFilesDir = (engine: Engine): string => join(engine.info.dataRoot, 'build-cache');
export const copyFilesPath = (engine: Engine, id: string): string => join(copyFilesDir(engine), `${id.replace(/^sha256:/, '')}.json`);

const cacheMountsRoot = (engine: Engine): string => join(engine.info.dataRoot, 'build-cache-mounts');

/** A `RUN --mount=type=cache` directory: by the hash of its id, kept across builds and daemon restarts. */
export const cacheMountDir = (engine: Engine, id: string): string => join(cacheMountsRoot(engine), createHash('sha256').update(id).digest('hex'));

/** Cache directories a RUN has mounted now, with how many: build prune leaves them. */
export const cacheMountsInUse = new Map<string, number>();

/** `builder prune`: the cache directories no RUN uses now, removed; their names (hashes) and the bytes freed. */
export async function pruneCacheMounts(engine: Engine): Promise<{ deleted: string[]; reclaimed: number }> {
  const root = cacheMountsRoot(engine);
  const names = await readdir(root).catch(() => [] as string[]);
  const out = { deleted: [] as string[], reclaimed: 0 };
  for (const name of names) {
    const dir = join(root, name);
    if (!/^[0-9a-f]{64}$/.test(name) || cacheMountsInUse.has(dir)) continue;
    out.reclaimed += await directorySize(dir);
    await rm(dir, { recursive: true, force: true });
    out.deleted.push(name);
  }
  return out;
}

export function readCopyFiles(engine: Engine, id: string): CopyManifest | undefined {
  try {
    return JSON.parse(readFileSync(copyFilesPath(engine, id), 'utf8')) as CopyManifest;
  } catch {
    return undefined;
  }
}

/** Daemon start: spilled contexts of builds a crash interrupted, and file lists of images since removed. */
export async function removeBuildScratch(engine: Engine): Promise<void> {
  await rm(scratchRoot(engine), { recursive: true, force: true });
  const live = new Set(engine.images.list().map((i) => i.id.replace(/^sha256:/, '')));
  const files = await readdir(copyFilesDir(engine)).catch(() => []);
  for (const f of files) if (!live.has(f.replace(/\.json$/, ''))) await rm(join(copyFilesDir(engine), f), { force: true });
}

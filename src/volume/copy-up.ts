import { lstat, readdir, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { runChecked } from '../lib/exec-file.js';

/**
 * Resolves `path` as the container would see it under `root`: symlinks (absolute or relative)
 * are followed inside the root and `..` never climbs above it, so the host path returned is
 * always within `root`.
 */
export async function resolveInRoot(root: string, path: string): Promise<string> {
  const pending = path.split('/').filter((p) => p !== '' && p !== '.');
  const done: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift() ?? '';
    if (part === '..') {
      done.pop();
      continue;
    }
    const host = join(root, ...done, part);
    const st = await lstat(host).catch(() => null);
    if (st?.isSymbolicLink()) {
      if (++hops > 40) throw new Error(`too many levels of symbolic links: ${path}`);
      const target = await readlink(host);
      if (posix.isAbsolute(target)) done.length = 0;
      pending.unshift(...target.split('/').filter((p) => p !== '' && p !== '.'));
      continue;
    }
    done.push(part);
  }
  return join(root, ...done);
}

/**
 * Docker's copy-up: an empty volume mounted over a directory of the image gets that directory's
 * content (owners, modes and links kept) before the container first sees it.
 */
export async function copyUp(rootfs: string, destination: string, volumeData: string): Promise<void> {
  if ((await readdir(volumeData)).length > 0) return;
  const src = await resolveInRoot(rootfs, destination);
  const st = await lstat(src).catch(() => null);
  if (!st?.isDirectory() || (await readdir(src)).length === 0) return;
  await runChecked('cp', ['-a', `${src}/.`, volumeData]);
}

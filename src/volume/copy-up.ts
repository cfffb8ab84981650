import { lstat, readdir } from 'node:fs/promises';
import { runChecked } from '../lib/exec-file.js';

/**
 * Docker's copy-up: an empty volume mounted over a directory of the image gets that directory's
 * content (owners, modes and links kept) before the container first sees it. `src` is that
 * directory on the host, resolved inside the container's root (ContainerFs.resolve).
 */
export async function copyUp(src: string, volumeData: string): Promise<void> {
  if ((await readdir(volumeData)).length > 0) return;
  const st = await lstat(src).catch(() => null);
  if (!st?.isDirectory() || (await readdir(src)).length === 0) return;
  await runChecked('cp', ['-a', `${src}/.`, volumeData]);
}

import { mkdirSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { runChecked, runProgram } from '../lib/exec-file.js';
import { isMountPoint } from '../lib/mount-table.js';
import type { OverlayMount } from '../store/snapshot/snapshot-manager.js';

/**
 * Mounts and unmounts container root filesystems: the only place berth mounts overlayfs.
 * Option paths are relative to the snapshot root (the mount runs with that cwd) so that hundreds of
 * lower layers fit in the kernel's one-page limit on mount options.
 */
export async function mountOverlay(m: OverlayMount, target: string): Promise<void> {
  // At once, not through the thread pool: the start waits for the mount, and these are a directory
  // and two stats on the exec root's tmpfs, quicker than a turn on the pool.
  mkdirSync(target, { recursive: true });
  if (hasOwnFileSystem(target)) return;
  const options = `lowerdir=${m.lowerdirs.join(':')},upperdir=${m.upperdir},workdir=${m.workdir}`;
  await runChecked('mount', ['-t', 'overlay', 'overlay', '-o', options, target], { cwd: m.cwd });
}

/**
 * Unmounts if mounted; a target that is not a mount point is fine. umount goes first and the mount
 * table is read only when it fails: the usual caller (a container's exit) has the mount in place.
 */
export async function unmount(target: string): Promise<void> {
  const r = await runProgram('umount', [target]);
  // A process of the container may still hold the mount busy for a moment after exit.
  if (r.code !== 0 && (await isMountPoint(target))) await runChecked('umount', ['-l', target]);
}

/**
 * Whether a file system other than its parent's is mounted on `target` (an overlay has a device
 * of its own): two stats, against the mount table's read.
 */
function hasOwnFileSystem(target: string): boolean {
  return statSync(target).dev !== statSync(dirname(target)).dev;
}

/**
 * A read-only merged view of `lowerdirs` (topmost first, at least two: a container's writable
 * layer and its image's), which can sit beside the container's own mount: nothing writes through it.
 */
export async function mountReadOnlyOverlay(m: { cwd: string; lowerdirs: readonly string[] }, target: string): Promise<void> {
  await mkdir(target, { recursive: true });
  await runChecked('mount', ['-t', 'overlay', 'overlay', '-o', `ro,lowerdir=${m.lowerdirs.join(':')}`, target], { cwd: m.cwd });
}

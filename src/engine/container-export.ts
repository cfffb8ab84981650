import { randomBytes } from 'node:crypto';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { writeLayerDiff } from '../image/layer/diff.js';
import { mountReadOnlyOverlay, unmount } from '../runtime/rootfs.js';
import type { SnapshotManager } from '../store/snapshot/snapshot-manager.js';
import type { ContainerService } from './container-service.js';

/**
 * `export`: a tar of a container's filesystem as its processes see it (image layers plus its
 * changes, without volumes or runtime mounts), running or not. Read through a read-only overlay
 * of its layers mounted under `scratchDir`, unmounted when the stream ends or fails.
 */
export async function exportContainer(containers: ContainerService, snapshots: SnapshotManager, scratchDir: string, ref: string): Promise<Readable> {
  const c = containers.get(ref);
  const m = snapshots.mounts(c.snapshotKey);
  const name = `export-${randomBytes(6).toString('hex')}`;
  const target = join(scratchDir, name);
  const init = join(scratchDir, `${name}-init`);
  const cleanup = async (): Promise<void> => {
    await unmount(target);
    await Promise.all([rm(target, { recursive: true, force: true }), rm(init, { recursive: true, force: true })]);
  };
  try {
    await makeInitLayer(init);
    await mountReadOnlyOverlay({ cwd: m.cwd, lowerdirs: [m.upperdir, ...m.lowerdirs, init] }, target);
  } catch (e) {
    await cleanup();
    throw e;
  }
  const tar = writeLayerDiff(target);
  let cleaned = false;
  const once = (): void => {
    if (cleaned) return;
    cleaned = true;
    void cleanup();
  };
  tar.once('end', once);
  tar.once('close', once);
  tar.once('error', once);
  containers.recordEvent(c, 'export');
  return tar;
}

/**
 * What dockerd's init layer gives every container's filesystem where its image has none: mount
 * points and files the runtime binds over, and /etc/mtab. Below the image's layers, so the
 * image's own entries win, as dockerd creates them only where they are missing.
 */
async function makeInitLayer(dir: string): Promise<void> {
  for (const d of ['dev/pts', 'dev/shm', 'proc', 'sys', 'etc']) await mkdir(join(dir, d), { recursive: true, mode: 0o755 });
  for (const f of ['.dockerenv', 'etc/resolv.conf', 'etc/hosts', 'etc/hostname', 'dev/console']) await writeFile(join(dir, f), '', { mode: 0o755 });
  await symlink('/proc/mounts', join(dir, 'etc/mtab'));
}

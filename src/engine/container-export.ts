import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
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
  const target = join(scratchDir, `export-${randomBytes(6).toString('hex')}`);
  const cleanup = async (): Promise<void> => {
    await unmount(target);
    await rm(target, { recursive: true, force: true });
  };
  try {
    await mountReadOnlyOverlay({ cwd: m.cwd, lowerdirs: [m.upperdir, ...m.lowerdirs] }, target);
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

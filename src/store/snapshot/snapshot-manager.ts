import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { conflict, notFound } from '../../lib/errors.js';
import type { MetaStore, SnapshotRow } from '../meta/meta-store.js';

/** An overlay mount described as data; the runtime module is the only one that mounts. */
export interface OverlayMount {
  /** Directory the option paths are relative to (keeps the option string short). */
  cwd: string;
  /** Lower directories, topmost first, relative to `cwd`. */
  lowerdirs: string[];
  upperdir: string;
  workdir: string;
}

/**
 * Layer snapshots on disk, overlay2 style: `snapshots/<n>/fs` holds one layer unpacked (committed)
 * or a container's writable layer (active, with `snapshots/<n>/work` beside it).
 *
 * Contract: a snapshot's directory exists before its row is written and its row is deleted before
 * its directory, so after a crash a directory without a row is an orphan (`removeOrphans`) and a row
 * always has its directory. Committed snapshots are keyed by ChainID and never change.
 */
export class SnapshotManager {
  constructor(
    private readonly root: string,
    private readonly meta: MetaStore,
  ) {}

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }

  get(key: string): SnapshotRow | undefined {
    return this.meta.getSnapshot(key);
  }

  fsPath(row: SnapshotRow): string {
    return join(this.root, String(row.dir), 'fs');
  }

  /**
   * Creates a committed snapshot on `parent`: `populate` fills a fresh directory and returns the key
   * (known only once the content was read, e.g. a ChainID). If that key exists already, the new
   * directory is dropped and the existing snapshot returned.
   */
  async commit(parent: string | null, populate: (dir: string) => Promise<{ key: string; size: number }>): Promise<SnapshotRow> {
    const dir = this.meta.nextCounter('snapshot');
    const base = join(this.root, String(dir));
    await mkdir(join(base, 'fs'), { recursive: true });
    try {
      const { key, size } = await populate(join(base, 'fs'));
      const existing = this.meta.getSnapshot(key);
      if (existing) {
        await rm(base, { recursive: true, force: true });
        return existing;
      }
      const row: SnapshotRow = { key, dir, parent, kind: 'committed', size };
      this.meta.putSnapshot(row);
      return row;
    } catch (e) {
      await rm(base, { recursive: true, force: true });
      throw e;
    }
  }

  /** Creates the writable layer of a container on top of committed snapshot `parent`. */
  async prepare(key: string, parent: string): Promise<SnapshotRow> {
    if (this.meta.getSnapshot(key)) throw conflict('snapshot_exists', `snapshot ${key} already exists`);
    if (!this.meta.getSnapshot(parent)) throw notFound('snapshot_not_found', `parent snapshot ${parent} not found`);
    const dir = this.meta.nextCounter('snapshot');
    await mkdir(join(this.root, String(dir), 'fs'), { recursive: true });
    await mkdir(join(this.root, String(dir), 'work'), { recursive: true });
    const row: SnapshotRow = { key, dir, parent, kind: 'active', size: 0 };
    this.meta.putSnapshot(row);
    return row;
  }

  /** Parent chain of a snapshot, topmost first, the snapshot itself excluded. */
  ancestors(row: SnapshotRow): SnapshotRow[] {
    const out: SnapshotRow[] = [];
    let parent = row.parent;
    while (parent !== null) {
      const p = this.meta.getSnapshot(parent);
      if (!p) throw notFound('snapshot_not_found', `snapshot ${parent} (parent of ${row.key}) is missing`);
      out.push(p);
      parent = p.parent;
    }
    return out;
  }

  /** Lower directories (absolute) of an active snapshot, topmost first. */
  lowerPaths(key: string): string[] {
    const row = this.require(key);
    return this.ancestors(row).map((p) => this.fsPath(p));
  }

  mounts(key: string): OverlayMount {
    const row = this.require(key);
    return {
      cwd: this.root,
      lowerdirs: this.ancestors(row).map((p) => `${p.dir}/fs`),
      upperdir: `${row.dir}/fs`,
      workdir: `${row.dir}/work`,
    };
  }

  upperPath(key: string): string {
    return this.fsPath(this.require(key));
  }

  async remove(key: string): Promise<void> {
    const row = this.meta.getSnapshot(key);
    if (!row) return;
    if (this.meta.snapshotChildren(key) > 0) throw conflict('snapshot_in_use', `snapshot ${key} has children`);
    this.meta.deleteSnapshot(key);
    await rm(join(this.root, String(row.dir)), { recursive: true, force: true });
  }

  /** Removes directories left by a crash between creating a directory and recording it. */
  async removeOrphans(): Promise<string[]> {
    const known = new Set(this.meta.listSnapshots().map((r) => String(r.dir)));
    const removed: string[] = [];
    for (const name of await readdir(this.root)) {
      if (!known.has(name)) {
        await rm(join(this.root, name), { recursive: true, force: true });
        removed.push(name);
      }
    }
    return removed;
  }

  private require(key: string): SnapshotRow {
    const row = this.meta.getSnapshot(key);
    if (!row) throw notFound('snapshot_not_found', `snapshot ${key} not found`);
    return row;
  }
}

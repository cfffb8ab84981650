import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';

// Required, not imported: Node's ES import of a CommonJS package first runs its export lexer (a
// WebAssembly module), ~0.6 MB of an idle berthd.
const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;

/**
 * The daemon's metadata: images, tags, snapshots and containers, in SQLite (WAL mode).
 *
 * Contract: every method is one transaction, so a daemon killed at any instant leaves each
 * record either as before or as after the call. Records of containers hold the user's
 * configuration as JSON; the engine owns their shape.
 */
export interface ImageRow {
  id: string;
  /** Digest of the image's manifest blob in the content store. */
  manifestDigest: string;
  /** Sum of the layer blobs' uncompressed sizes. */
  size: number;
  created: string;
  /** Image this one was committed or built from, if local. */
  parent: string;
  lastTagTime: string;
}

export interface SnapshotRow {
  /** ChainID for committed layer snapshots; the container ID for a container's writable layer. */
  key: string;
  /** Numeric directory name: short, so hundreds of lowerdirs fit in one overlay mount option. */
  dir: number;
  parent: string | null;
  kind: 'committed' | 'active';
  size: number;
}

export interface VolumeRow {
  name: string;
  created: string;
  anonymous: number;
  /** Labels and options as JSON; the volume store owns their shape. */
  record: string;
}

export interface ContainerRow {
  id: string;
  name: string;
  imageId: string;
  created: string;
  record: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS images (
  id TEXT PRIMARY KEY, manifest_digest TEXT NOT NULL, size INTEGER NOT NULL,
  created TEXT NOT NULL, parent TEXT NOT NULL DEFAULT '', last_tag_time TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS tags (ref TEXT PRIMARY KEY, image_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS tags_image ON tags(image_id);
CREATE TABLE IF NOT EXISTS snapshots (
  key TEXT PRIMARY KEY, dir INTEGER NOT NULL UNIQUE, parent TEXT, kind TEXT NOT NULL, size INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS containers (
  id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, image_id TEXT NOT NULL, created TEXT NOT NULL, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS volumes (name TEXT PRIMARY KEY, created TEXT NOT NULL, anonymous INTEGER NOT NULL, record TEXT NOT NULL);
`;

export class MetaStore {
  private readonly db: Db;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // NORMAL is durable against a killed process (the WAL is in the page cache); only power loss can drop the last commits.
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
  }

  close(): void {
    this.db.close();
  }

  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  // ---- images and tags

  putImage(row: ImageRow): void {
    this.db
      .prepare(
        `INSERT INTO images (id, manifest_digest, size, created, parent, last_tag_time) VALUES (@id, @manifestDigest, @size, @created, @parent, @lastTagTime)
         ON CONFLICT(id) DO UPDATE SET manifest_digest = excluded.manifest_digest, size = excluded.size`,
      )
      .run(row);
  }

  getImage(id: string): ImageRow | undefined {
    return this.db
      .prepare(
        `SELECT id, manifest_digest AS manifestDigest, size, created, parent, last_tag_time AS lastTagTime FROM images WHERE id = ?`,
      )
      .get(id) as ImageRow | undefined;
  }

  listImages(): ImageRow[] {
    return this.db
      .prepare(
        `SELECT id, manifest_digest AS manifestDigest, size, created, parent, last_tag_time AS lastTagTime FROM images ORDER BY created DESC`,
      )
      .all() as ImageRow[];
  }

  deleteImage(id: string): void {
    this.db.prepare('DELETE FROM images WHERE id = ?').run(id);
  }

  setImageTagTime(id: string, time: string): void {
    this.db.prepare('UPDATE images SET last_tag_time = ? WHERE id = ?').run(time, id);
  }

  setTag(ref: string, imageId: string): void {
    this.db.prepare('INSERT INTO tags (ref, image_id) VALUES (?, ?) ON CONFLICT(ref) DO UPDATE SET image_id = excluded.image_id').run(ref, imageId);
  }

  getTag(ref: string): string | undefined {
    return (this.db.prepare('SELECT image_id AS imageId FROM tags WHERE ref = ?').get(ref) as { imageId: string } | undefined)?.imageId;
  }

  deleteTag(ref: string): void {
    this.db.prepare('DELETE FROM tags WHERE ref = ?').run(ref);
  }

  listTags(): { ref: string; imageId: string }[] {
    return this.db.prepare('SELECT ref, image_id AS imageId FROM tags ORDER BY ref').all() as { ref: string; imageId: string }[];
  }

  // ---- snapshots

  nextCounter(name: string): number {
    return this.transaction(() => {
      const row = this.db.prepare('SELECT value FROM counters WHERE name = ?').get(name) as { value: number } | undefined;
      const value = (row?.value ?? 0) + 1;
      this.db.prepare('INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value').run(name, value);
      return value;
    });
  }

  putSnapshot(row: SnapshotRow): void {
    this.db.prepare('INSERT INTO snapshots (key, dir, parent, kind, size) VALUES (@key, @dir, @parent, @kind, @size)').run(row);
  }

  getSnapshot(key: string): SnapshotRow | undefined {
    return this.db.prepare('SELECT key, dir, parent, kind, size FROM snapshots WHERE key = ?').get(key) as SnapshotRow | undefined;
  }

  listSnapshots(): SnapshotRow[] {
    return this.db.prepare('SELECT key, dir, parent, kind, size FROM snapshots').all() as SnapshotRow[];
  }

  deleteSnapshot(key: string): void {
    this.db.prepare('DELETE FROM snapshots WHERE key = ?').run(key);
  }

  snapshotChildren(key: string): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM snapshots WHERE parent = ?').get(key) as { n: number }).n;
  }

  // ---- containers

  putContainer(row: ContainerRow): void {
    this.db
      .prepare(
        `INSERT INTO containers (id, name, image_id, created, record) VALUES (@id, @name, @imageId, @created, @record)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, record = excluded.record`,
      )
      .run(row);
  }

  listContainers(): ContainerRow[] {
    return this.db.prepare('SELECT id, name, image_id AS imageId, created, record FROM containers').all() as ContainerRow[];
  }

  deleteContainer(id: string): void {
    this.db.prepare('DELETE FROM containers WHERE id = ?').run(id);
  }

  // ---- volumes

  putVolume(row: VolumeRow): void {
    this.db.prepare('INSERT INTO volumes (name, created, anonymous, record) VALUES (@name, @created, @anonymous, @record)').run(row);
  }

  listVolumes(): VolumeRow[] {
    return this.db.prepare('SELECT name, created, anonymous, record FROM volumes ORDER BY name').all() as VolumeRow[];
  }

  deleteVolume(name: string): void {
    this.db.prepare('DELETE FROM volumes WHERE name = ?').run(name);
  }
}

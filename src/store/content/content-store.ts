import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { closeSync, fdatasync as fdatasyncCb, fsync as fsyncCb, openSync, readFileSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, readdir, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Lender } from '../../lib/buffer-pool.js';
import { BerthError, notFound } from '../../lib/errors.js';
import { digestHex, parseDigest, type Digest } from '../../oci/digest.js';

const fdatasync = promisify(fdatasyncCb);
const fsync = promisify(fsyncCb);

/** Bytes of small chunks gathered into one write by putLent. */
const WRITE_BATCH = 1024 * 1024;
/** Bytes written between background flushes of a blob being stored. */
const EARLY_SYNC_BYTES = 8 * 1024 * 1024;

/**
 * Content-addressed blob store (OCI image layout style: `blobs/sha256/<hex>`).
 *
 * Contract: a blob is visible under its digest only after its bytes were written in full to
 * `ingest/`, fsynced and verified to hash to that digest; then it is renamed into place, so a crash
 * at any moment leaves either no blob or a complete, verified one. Leftovers in `ingest/` are
 * removed by `cleanIngest()` at daemon start.
 */
export class ContentStore {
  private readonly blobDir: string;
  private readonly ingestDir: string;
  private readonly jsonCache = new Map<string, unknown>();

  constructor(root: string) {
    this.blobDir = join(root, 'blobs', 'sha256');
    this.ingestDir = join(root, 'ingest');
  }

  async init(): Promise<void> {
    await mkdir(this.blobDir, { recursive: true });
    await mkdir(this.ingestDir, { recursive: true });
  }

  async cleanIngest(): Promise<void> {
    await rm(this.ingestDir, { recursive: true, force: true });
    await mkdir(this.ingestDir, { recursive: true });
  }

  path(digest: Digest): string {
    return join(this.blobDir, digestHex(digest));
  }

  async has(digest: Digest): Promise<boolean> {
    try {
      await stat(this.path(digest));
      return true;
    } catch {
      return false;
    }
  }

  async size(digest: Digest): Promise<number> {
    try {
      return (await stat(this.path(digest))).size;
    } catch (e) {
      throw notFound('blob_not_found', `content ${digest} not found`, e);
    }
  }

  async readJson<T>(digest: Digest): Promise<T> {
    try {
      return JSON.parse(await readFile(this.path(digest), 'utf8')) as T;
    } catch (e) {
      throw notFound('blob_not_found', `content ${digest} not found or unreadable`, e);
    }
  }

  /** Small immutable JSON blobs (configs, manifests), parsed once per daemon. */
  readJsonSync<T>(digest: string): T {
    const hit = this.jsonCache.get(digest);
    if (hit !== undefined) return structuredClone(hit) as T;
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(this.path(digest as Digest), 'utf8'));
    } catch (e) {
      throw notFound('blob_not_found', `content ${digest} not found or unreadable`, e);
    }
    this.jsonCache.set(digest, value);
    return structuredClone(value) as T;
  }

  read(digest: Digest): ReadStream {
    // Blobs are read whole and in sequence (push, unpack, save): 1 MiB reads, not 64 KiB ones.
    return createReadStream(this.path(digest), { highWaterMark: 1024 * 1024 });
  }

  /** Stores bytes already in memory (configs, manifests). */
  async putBytes(data: Buffer | string): Promise<{ digest: Digest; size: number }> {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    const digest = `sha256:${createHash('sha256').update(buf).digest('hex')}` as Digest;
    if (await this.has(digest)) return { digest, size: buf.length };
    const tmp = this.ingestPath();
    const fh = await open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(buf);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.path(digest));
    return { digest, size: buf.length };
  }

  /**
   * Streams a blob in, hashing as it goes. With `expected`, a mismatch fails and stores nothing.
   * `hashedBy` hands over the digest of the same bytes, hashed upstream by the caller as they
   * passed (asked once `source` has ended), so that they are not hashed twice.
   */
  async putStream(source: Readable, expected?: Digest, hashedBy?: () => string): Promise<{ digest: Digest; size: number }> {
    const tmp = this.ingestPath();
    const hash = hashedBy ? undefined : createHash('sha256');
    // Chunks that arrive while a write is under way go out together (writev): with the default
    // 16 KiB buffer each network chunk is its own write, about three times the cost.
    const out = createWriteStream(tmp, { fd: openSync(tmp, 'w', 0o644), highWaterMark: 1024 * 1024 });
    const sync = new EarlySync(tmp);
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash?.update(chunk);
        sync.wrote(chunk.length);
        cb(null, chunk);
      },
    });
    try {
      await pipeline(source, counter, out);
      return await this.commitIngested(tmp, sync, hash ? `sha256:${hash.digest('hex')}` : hashedBy!(), expected);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    } finally {
      await sync.close();
    }
  }

  /**
   * Stores a blob from chunks of which some are lent out of `pool`: each is hashed and written at
   * its offset while the next ones are read, then the pool's are given back. Small chunks go out
   * together (writev) up to WRITE_BATCH, as do lent ones until the pool runs dry. Big local copies
   * (a commit's layer) so reuse a few buffers instead of allocating every chunk. `onHashed` hears
   * the digest as soon as the last chunk is hashed, before the blob is durable and in place;
   * `expected` and `hashedBy` as for putStream.
   */
  async putLent(
    chunks: AsyncIterable<Buffer>,
    pool: Lender,
    opts: { expected?: Digest; hashedBy?: () => string; onHashed?: (digest: Digest) => void } = {},
  ): Promise<{ digest: Digest; size: number }> {
    const tmp = this.ingestPath();
    const hash = opts.hashedBy ? undefined : createHash('sha256');
    const fh = await open(tmp, 'w', 0o644);
    const sync = new EarlySync(tmp);
    const writes = new Set<Promise<void>>();
    let failed: unknown;
    let batch: Buffer[] = [];
    let batchAt = 0;
    let batchBytes = 0;
    const flush = (): void => {
      const bufs = batch;
      const write = writevAll(fh, bufs, batchAt).then(
        () => {
          for (const b of bufs) pool.release(b);
        },
        (e: unknown) => void (failed ??= e),
      );
      writes.add(write);
      void write.then(() => writes.delete(write));
      batchAt += batchBytes;
      batch = [];
      batchBytes = 0;
    };
    try {
      for await (const chunk of chunks) {
        if (failed !== undefined) throw failed;
        hash?.update(chunk);
        batch.push(chunk);
        batchBytes += chunk.length;
        sync.wrote(chunk.length);
        if (batchBytes >= WRITE_BATCH || pool.idle === 0) flush();
      }
      if (batch.length > 0) flush();
      const digest = parseDigest(hash ? `sha256:${hash.digest('hex')}` : opts.hashedBy!());
      opts.onHashed?.(digest);
      await Promise.all(writes);
      if (failed !== undefined) throw failed;
      return await this.commitIngested(tmp, sync, digest, opts.expected);
    } catch (e) {
      await Promise.all(writes);
      await rm(tmp, { force: true });
      throw e;
    } finally {
      await fh.close();
      await sync.close();
    }
  }

  /** Makes a fully written ingest file durable, checks its digest and moves it into place. */
  private async commitIngested(tmp: string, sync: EarlySync, digestText: string, expected?: Digest): Promise<{ digest: Digest; size: number }> {
    await sync.finish();
    const digest = parseDigest(digestText);
    if (expected !== undefined && digest !== expected) {
      throw new BerthError('InvalidArgument', 'digest_mismatch', `blob digest mismatch: expected ${expected}, got ${digest}`);
    }
    await rename(tmp, this.path(digest));
    return { digest, size: sync.size };
  }

  async delete(digest: Digest): Promise<void> {
    this.jsonCache.delete(digest);
    await rm(this.path(digest), { force: true });
  }

  async list(): Promise<Digest[]> {
    const names = await readdir(this.blobDir);
    return names.filter((n) => /^[0-9a-f]{64}$/.test(n)).map((n) => `sha256:${n}` as Digest);
  }

  private ingestPath(): string {
    return join(this.ingestDir, randomBytes(12).toString('hex'));
  }
}

/** Writes all of `bufs`, one after the other, from `position`. */
async function writevAll(fh: FileHandle, bufs: Buffer[], position: number): Promise<void> {
  let left = [...bufs];
  for (let at = position; left.length > 0; ) {
    let { bytesWritten } = await fh.writev(left, at);
    at += bytesWritten;
    // A short write: drop what went out, then go on with the rest.
    while (left.length > 0 && bytesWritten >= left[0]!.length) bytesWritten -= left.shift()!.length;
    if (bytesWritten > 0) left = [left[0]!.subarray(bytesWritten), ...left.slice(1)];
  }
}

/**
 * Flushes a blob being written every EARLY_SYNC_BYTES through a second descriptor while more
 * arrives, so the fsync at the end waits only for the tail: a big blob's sync overlaps its writing.
 */
class EarlySync {
  /** Bytes written so far. */
  size = 0;
  private readonly fd: number;
  private syncing: Promise<void> | undefined;
  private syncedUpTo = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'r');
  }

  wrote(bytes: number): void {
    this.size += bytes;
    if (this.syncing === undefined && this.size - this.syncedUpTo >= EARLY_SYNC_BYTES) {
      this.syncedUpTo = this.size;
      const done = (): void => void (this.syncing = undefined);
      this.syncing = fdatasync(this.fd).then(done, done);
    }
  }

  /** Everything written is on disk. */
  async finish(): Promise<void> {
    await this.syncing;
    await fsync(this.fd);
  }

  async close(): Promise<void> {
    await this.syncing;
    closeSync(this.fd);
  }
}

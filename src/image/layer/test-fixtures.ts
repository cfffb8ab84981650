// Helpers shared by this folder's tests only.
import { createHash } from 'node:crypto';
import { lstat, mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pack, type Header } from 'tar-stream';
import { readXattrTree } from './xattrs.js';

/** A fresh directory under the OS temp dir; remove it with `rm(dir, { recursive: true })`. */
export const tempDir = (prefix: string): Promise<string> => mkdtemp(join(tmpdir(), `berth-${prefix}-`));

export const removeDir = (dir: string): Promise<void> => rm(dir, { recursive: true, force: true });

export async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(parts);
}

/** A tar-stream header with PAX records. */
export type FixtureHeader = Partial<Header> & { name: string; pax?: Record<string, string> };

export interface FixtureEntry {
  header: FixtureHeader;
  body?: string | Buffer;
}

/** Builds a tar with tar-stream (an independent writer), for hand-made and hostile archives. */
export async function tarOf(entries: readonly FixtureEntry[]): Promise<Buffer> {
  const p = pack();
  const out = collect(p);
  for (const e of entries) {
    const type = e.header.type ?? 'file';
    if (type === 'file') p.entry({ mtime: new Date(0), ...e.header }, Buffer.from(e.body ?? ''));
    else p.entry({ mtime: new Date(0), ...e.header });
  }
  p.finalize();
  return out;
}

export const streamOf = (buf: Buffer, chunk = 4096): Readable =>
  Readable.from(
    (function* () {
      for (let i = 0; i < buf.length; i += chunk) yield buf.subarray(i, i + chunk);
    })(),
    { objectMode: false },
  );

export interface NodeInfo {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  size?: number;
  sha?: string;
  link?: string;
  rdev?: number;
  xattrs?: Record<string, string>;
}

function typeOf(st: import('node:fs').Stats): string {
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  return 'other';
}

/**
 * Everything apply and diff are meant to keep, per relative path: type, mode bits, owner,
 * mtime (seconds; symlinks included), size and content hash, link text, device number, xattrs.
 */
export async function snapshotTree(root: string): Promise<Map<string, NodeInfo>> {
  const xattrs = await readXattrTree(root, '-');
  const out = new Map<string, NodeInfo>();
  const visit = async (rel: string): Promise<void> => {
    const abs = rel === '' ? root : join(root, rel);
    for (const name of (await readdir(abs)).sort()) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const p = join(root, r);
      const st = await lstat(p);
      const info: NodeInfo = {
        type: typeOf(st), mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000),
      };
      if (st.isFile()) {
        info.size = st.size;
        info.sha = createHash('sha256').update(await readFile(p)).digest('hex');
      }
      if (st.isSymbolicLink()) info.link = await readlink(p);
      if (st.isCharacterDevice() || st.isBlockDevice()) info.rdev = st.rdev;
      const attrs = xattrs.get(p);
      if (attrs !== undefined) {
        info.xattrs = Object.fromEntries([...attrs].map(([k, v]) => [k, v.toString('base64')]).sort());
      }
      out.set(r, info);
      if (st.isDirectory()) await visit(r);
    }
  };
  await visit('');
  return out;
}

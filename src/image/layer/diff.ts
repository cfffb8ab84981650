import { constants, type BigIntStats } from 'node:fs';
import { lstat, open, readdir, readlink, realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { BufferPool } from '../../lib/buffer-pool.js';
import { internal } from '../../lib/errors.js';
import { OPAQUE_MARKER, WHITEOUT_PREFIX } from './apply.js';
import { END_OF_ARCHIVE, encodeHeader, paddingOf, type TarHeader } from './tar-header.js';
import { isOpaqueValue, OPAQUE_PATTERN, OPAQUE_XATTR, readXattrs, readXattrTree } from './xattrs.js';

const OVERLAY_XATTR_PREFIX = 'trusted.overlay.';
/** Big reads: each is a threadpool round trip, and a big file's tar is bound by their number (1 MiB: ~25% faster than 256 KiB). */
const READ_CHUNK = 1024 * 1024;

interface Node {
  /** Path relative to the walked root, '/'-separated. */
  rel: string;
  abs: string;
  st: BigIntStats;
}

const isWhiteout = (st: BigIntStats): boolean => st.isCharacterDevice() && st.rdev === 0n;

/** Every node under `root` (not `root` itself), parents before children. */
async function walk(root: string): Promise<Node[]> {
  const out: Node[] = [];
  const pending: Array<{ rel: string; abs: string }> = [{ rel: '', abs: root }];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    for (const name of await readdir(dir.abs)) {
      const rel = dir.rel === '' ? name : `${dir.rel}/${name}`;
      const abs = join(dir.abs, name);
      const st = await lstat(abs, { bigint: true });
      out.push({ rel, abs, st });
      if (st.isDirectory()) pending.push({ rel, abs });
    }
  }
  return out;
}

const relOf = (root: string, abs: string): string | null =>
  abs === root ? '' : abs.startsWith(`${root}/`) ? abs.slice(root.length + 1) : null;

function byRel(root: string, dump: Map<string, Map<string, Buffer>>): Map<string, Map<string, Buffer>> {
  const out = new Map<string, Map<string, Buffer>>();
  for (const [abs, attrs] of dump) {
    const rel = relOf(root, abs);
    if (rel !== null) out.set(rel, attrs);
  }
  return out;
}

const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

interface Planned {
  header: TarHeader;
  /** File to read the body from, for regular files. */
  source?: string;
}

export interface DiffOptions {
  /** Clamp mtimes to this (seconds since the epoch), for reproducible layers. */
  sourceDateEpoch?: number;
  /** Paths (relative, '/'-separated) left out of the layer, e.g. a container's mount-point placeholders. */
  exclude?: ReadonlySet<string>;
  /** Read file contents into these buffers, which the consumer gives back once done with each chunk. */
  pool?: BufferPool;
}

function plan(nodes: Node[], xattrs: Map<string, Map<string, Buffer>>, opts: DiffOptions): Planned[] {
  const clamp = (st: BigIntStats): number => {
    const t = Number(st.mtimeNs / 1_000_000_000n);
    return opts.sourceDateEpoch === undefined ? t : Math.min(t, opts.sourceDateEpoch);
  };
  const out: Planned[] = [];
  for (const { rel, abs, st } of nodes) {
    const slash = rel.lastIndexOf('/');
    const dir = rel.slice(0, slash + 1);
    const base = rel.slice(slash + 1);
    const attrs = xattrs.get(rel) ?? new Map<string, Buffer>();
    const common = {
      path: rel, mode: Number(st.mode) & 0o7777, uid: Number(st.uid), gid: Number(st.gid), size: 0,
      mtime: clamp(st), linkname: '', devmajor: 0, devminor: 0, xattrs: new Map<string, Buffer>(),
    };
    for (const name of [...attrs.keys()].sort()) {
      if (!name.startsWith(OVERLAY_XATTR_PREFIX)) common.xattrs.set(name, attrs.get(name)!);
    }
    if (isWhiteout(st)) {
      out.push({ header: { ...common, path: `${dir}${WHITEOUT_PREFIX}${base}`, type: 'file', mode: 0o600, xattrs: new Map() } });
    } else if (st.isDirectory()) {
      out.push({ header: { ...common, type: 'dir' } });
      if (isOpaqueValue(attrs.get(OPAQUE_XATTR))) {
        out.push({ header: { ...common, path: `${rel}/${OPAQUE_MARKER}`, type: 'file', mode: 0o600, xattrs: new Map() } });
      }
    } else if (st.isFile()) {
      out.push({ header: { ...common, type: 'file', size: Number(st.size) }, source: abs });
    } else if (st.isSymbolicLink()) {
      out.push({ header: { ...common, type: 'symlink' } });
    } else if (st.isCharacterDevice() || st.isBlockDevice()) {
      const rdev = Number(st.rdev);
      out.push({
        header: {
          ...common,
          type: st.isCharacterDevice() ? 'char' : 'block',
          devmajor: (rdev >> 8) & 0xfff,
          devminor: (rdev & 0xff) | ((rdev >> 12) & 0xfff00),
        },
      });
    } else if (st.isFIFO()) {
      out.push({ header: { ...common, type: 'fifo' } });
    }
    // Sockets are skipped: they cannot be archived, as in Docker.
  }
  out.sort((a, b) => byteOrder(a.header.path, b.header.path));
  return out;
}

/** Turns the second and later names of one inode into hard link entries to the first. */
function linkHardlinks(planned: Planned[], nodes: Map<string, Node>): void {
  const first = new Map<string, string>();
  for (const p of planned) {
    const node = nodes.get(p.header.path);
    if (node === undefined || node.st.nlink < 2n) continue;
    // Whiteouts share one inode on recent kernels, and hard-linked symlinks read back as two
    // symlinks, which apply can always recreate: only files and special files are linked.
    const { type } = p.header;
    if (type !== 'file' && type !== 'char' && type !== 'block' && type !== 'fifo') continue;
    const key = `${node.st.dev}:${node.st.ino}`;
    const target = first.get(key);
    if (target === undefined) {
      first.set(key, p.header.path);
      continue;
    }
    p.header = { ...p.header, type: 'hardlink', size: 0, linkname: target, devmajor: 0, devminor: 0 };
    delete p.source;
  }
}

/** Files up to this size are read into buffers of their own even with a pool: a consumer gathers such small chunks into bigger writes, while it must give pool buffers back soon. */
const POOLED_MIN = 64 * 1024;

/** Reads of one file in flight at once: the next chunk is read while the consumer hashes and stores the last. */
const READ_AHEAD = 2;

/**
 * The first `size` bytes of a regular file, opened without following a symlink; throws if it
 * shrinks. With `pool`, a bigger file's chunks are its buffers, lent to the consumer. Up to
 * READ_AHEAD chunks are read ahead of the one the consumer has, at their own offsets.
 */
export async function* fileBody(path: string, size: number, pool?: BufferPool): AsyncGenerator<Buffer> {
  const lender = size > POOLED_MIN ? pool : undefined;
  const chunk = lender ? lender.size : READ_CHUNK;
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  const readAt = async (at: number, length: number): Promise<Buffer> => {
    const buf = lender ? (await lender.take()).subarray(0, length) : Buffer.allocUnsafe(length);
    for (let got = 0; got < length; ) {
      const { bytesRead } = await fh.read(buf, got, length - got, at + got);
      if (bytesRead === 0) {
        lender?.release(buf);
        throw internal('layer_source_changed', `${path} shrank while it was being archived`);
      }
      got += bytesRead;
    }
    return buf;
  };
  const reads: Promise<Buffer>[] = [];
  let next = 0;
  const readNext = (): void => {
    const length = Math.min(chunk, size - next);
    const read = readAt(next, length);
    // Seen when it reaches the head of the queue; a consumer that stops early has its reads drained below.
    read.catch(() => undefined);
    reads.push(read);
    next += length;
  };
  try {
    while (next < size && reads.length < READ_AHEAD) readNext();
    while (reads.length > 0) {
      const buf = await reads.shift()!;
      if (next < size) readNext();
      yield buf;
    }
  } finally {
    for (const read of reads.splice(0)) {
      const buf = await read.catch(() => undefined);
      if (buf !== undefined) lender?.release(buf);
    }
    await fh.close();
  }
}

/**
 * What an upper dir's layer would hold, but the `exclude`d paths: `empty` when nothing (the empty
 * tar, which Docker leaves out of an image: a commit or RUN that changed nothing adds no layer),
 * and its `size` as Docker counts a layer's (see ApplyResult.contentBytes).
 */
export async function upperDirUsage(upperDir: string, exclude: ReadonlySet<string> = new Set()): Promise<{ empty: boolean; size: number }> {
  const nodes = (await walk(await realpath(upperDir))).filter((n) => !exclude.has(n.rel));
  const inodes = new Set<bigint>();
  let size = 0;
  for (const { st } of nodes) {
    if (st.isDirectory() || inodes.has(st.ino)) continue;
    inodes.add(st.ino);
    size += Number(st.size);
  }
  return { empty: nodes.length === 0, size };
}

/** The chunks of `writeLayerDiff`'s tar; file contents in `opts.pool`'s buffers when given, headers and padding not. */
export async function* layerDiffChunks(upperDir: string, opts: DiffOptions = {}): AsyncGenerator<Buffer> {
  const root = await realpath(upperDir);
  const [walked, dump] = await Promise.all([walk(root), readXattrTree(root, '-')]);
  const { exclude } = opts;
  const nodes = exclude === undefined ? walked : walked.filter((n) => !exclude.has(n.rel));
  const xattrs = byRel(root, dump);
  const planned = plan(nodes, xattrs, opts);
  const byPath = new Map(nodes.map((n) => [n.rel, n]));
  linkHardlinks(planned, byPath);
  for (const p of planned) {
    const { header } = p;
    if (header.type === 'symlink') header.linkname = await readlink(byPath.get(header.path)!.abs);
    yield encodeHeader(header);
    if (p.source !== undefined && header.size > 0) {
      yield* fileBody(p.source, header.size, opts.pool);
      const pad = paddingOf(header.size);
      if (pad > 0) yield Buffer.alloc(pad);
    }
  }
  yield END_OF_ARCHIVE();
}

/**
 * An OCI layer tar of an overlayfs upper directory, streamed with backpressure. Whiteouts (0:0
 * character devices) become empty `.wh.<name>` files; opaque directories get a `.wh..wh..opq`
 * entry; other xattrs (not `trusted.overlay.*`) become PAX `SCHILY.xattr.*` records; an inode
 * seen twice becomes a hard link to its first path. Deterministic: entries in byte order of
 * path (parents first), only mode/uid/gid/mtime (seconds) kept, no uname/gname/atime/ctime.
 * The upper dir must not change meanwhile (stop the container first). Needs `getfattr`.
 */
export function writeLayerDiff(upperDir: string, opts: DiffOptions = {}): Readable {
  return Readable.from(layerDiffChunks(upperDir, opts), { objectMode: false });
}

export interface Change {
  /** A(dded), C(hanged) or D(eleted), as `docker diff`. */
  kind: 'A' | 'C' | 'D';
  /** Absolute in the container, e.g. `/etc/hosts`. */
  path: string;
}

type Resolved =
  | { found: BigIntStats; opaqueAbove: boolean }
  | { found: 'missing'; opaqueAbove: boolean }
  | { found: 'hidden' };

/** The lower layers of an overlay, looked up as overlayfs merges them. */
class LowerView {
  private readonly stats = new Map<string, BigIntStats | null>();
  private opaque: Array<Set<string>> = [];
  /** Normalised, so they match the paths getfattr prints back. */
  private readonly layers: readonly string[];

  constructor(layers: readonly string[]) {
    this.layers = layers.map((l) => resolve(l));
  }

  private async stat(abs: string): Promise<BigIntStats | null> {
    if (this.stats.has(abs)) return this.stats.get(abs)!;
    let st: BigIntStats | null = null;
    try {
      st = await lstat(abs, { bigint: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && (e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw e;
    }
    this.stats.set(abs, st);
    return st;
  }

  /** Reads which of `dirs` (relative) are opaque in each layer: one getfattr per layer. */
  async prefetchOpaque(dirs: readonly string[]): Promise<void> {
    this.opaque = await Promise.all(
      this.layers.map(async (layer) => {
        const present: string[] = [];
        for (const rel of dirs) {
          const abs = rel === '' ? layer : join(layer, rel);
          if ((await this.stat(abs))?.isDirectory()) present.push(abs);
        }
        const dump = present.length === 0 ? new Map() : await readXattrs(present, OPAQUE_PATTERN);
        const set = new Set<string>();
        for (const [abs, attrs] of byRel(layer, dump)) if (isOpaqueValue(attrs.get(OPAQUE_XATTR))) set.add(abs);
        return set;
      }),
    );
  }

  private isOpaque(layer: number, comps: readonly string[]): boolean {
    return this.opaque[layer]?.has(comps.join('/')) ?? false;
  }

  /** `comps` in one layer; `opaqueAbove` when an ancestor (or the root) there is opaque. */
  private async resolve(layer: number, comps: readonly string[]): Promise<Resolved> {
    let opaqueAbove = this.isOpaque(layer, []);
    for (let i = 0; i < comps.length; i++) {
      const st = await this.stat(join(this.layers[layer]!, ...comps.slice(0, i + 1)));
      if (st === null) return { found: 'missing', opaqueAbove };
      if (isWhiteout(st)) return { found: 'hidden' };
      if (i === comps.length - 1) return { found: st, opaqueAbove };
      if (!st.isDirectory()) return { found: 'hidden' };
      opaqueAbove ||= this.isOpaque(layer, comps.slice(0, i + 1));
    }
    return { found: 'missing', opaqueAbove };
  }

  async exists(comps: readonly string[]): Promise<boolean> {
    for (let l = 0; l < this.layers.length; l++) {
      const r = await this.resolve(l, comps);
      if (r.found === 'hidden') return false;
      if (r.found !== 'missing') return true;
      if (r.opaqueAbove) return false;
    }
    return false;
  }

  /** Names in the merged lower directory `comps`. */
  async children(comps: readonly string[]): Promise<string[]> {
    const seen = new Set<string>();
    const names: string[] = [];
    for (let l = 0; l < this.layers.length; l++) {
      const r = await this.resolve(l, comps);
      if (r.found === 'hidden') break;
      if (r.found === 'missing') {
        if (r.opaqueAbove) break;
        continue;
      }
      if (!r.found.isDirectory()) break;
      const dir = join(this.layers[l]!, ...comps);
      for (const name of await readdir(dir)) {
        if (seen.has(name)) continue;
        seen.add(name);
        const st = await this.stat(join(dir, name));
        if (st !== null && !isWhiteout(st)) names.push(name);
      }
      if (r.opaqueAbove || this.isOpaque(l, comps)) break;
    }
    return names;
  }
}

/**
 * What a container changed, for `docker diff`, from its overlay upper dir and its lower dirs
 * (topmost first, as in overlayfs' `lowerdir=`): whiteouts are D; a path in the upper dir is C if
 * the merged lower layers have it, else A (so parents of changes show as C, as Docker's); the
 * lower children of an opaque directory that the upper dir lacks are D. Sorted by path.
 */
export async function diffChanges(upperDir: string, lowerDirs: readonly string[]): Promise<Change[]> {
  const root = await realpath(upperDir);
  const [nodes, dump] = await Promise.all([walk(root), readXattrTree(root, OPAQUE_PATTERN)]);
  const upperOpaque = new Set<string>();
  for (const [rel, attrs] of byRel(root, dump)) if (isOpaqueValue(attrs.get(OPAQUE_XATTR))) upperOpaque.add(rel);
  const upperPaths = new Set(nodes.map((n) => n.rel));
  const lower = new LowerView(lowerDirs);
  await lower.prefetchOpaque(['', ...nodes.filter((n) => n.st.isDirectory()).map((n) => n.rel)]);

  const changes = new Map<string, Change['kind']>();
  for (const { rel, st } of nodes) {
    const comps = rel.split('/');
    if (isWhiteout(st)) {
      changes.set(rel, 'D');
      continue;
    }
    // Under an opaque upper directory nothing of the lower layers shows through.
    const underOpaque = comps.slice(0, -1).some((_, i) => upperOpaque.has(comps.slice(0, i + 1).join('/')));
    changes.set(rel, !underOpaque && (await lower.exists(comps)) ? 'C' : 'A');
    if (upperOpaque.has(rel) && !underOpaque) {
      for (const name of await lower.children(comps)) {
        const child = `${rel}/${name}`;
        if (!upperPaths.has(child)) changes.set(child, 'D');
      }
    }
  }
  return [...changes]
    .map(([rel, kind]) => ({ kind, path: `/${rel}` }))
    .sort((a, b) => byteOrder(a.path, b.path));
}

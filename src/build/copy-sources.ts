import { hash } from 'node:crypto';
import { posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { invalidArgument, notFound } from '../lib/errors.js';
import { tarPieces, type TarItem } from '../lib/tar-writer.js';
import type { CopyManifest } from './cache-explain.js';
import { byteOrder, type LinkReader, type SourceStat, type SourceTree } from './source-tree.js';

/** One entry of a COPY/ADD layer. */
export interface CopyEntry {
  /** Path in the image, relative to its root. */
  name: string;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  size: number;
  /** Where a file's content is in the plan's tree. */
  source?: string;
  /** A file's content itself (a heredoc). */
  data?: Buffer;
  linkname?: string;
}

/** An archive to unpack at `dest` (ADD of a local tar). */
export interface ArchiveSource {
  /** Path in the plan's tree. */
  source: string;
  dest: string;
}

export interface CopyPlan {
  /** Where the sources are read from; null when every entry carries its data. */
  tree: SourceTree | null;
  entries: CopyEntry[];
  archives: ArchiveSource[];
}

const MAX_LINKS = 255;
const GLOB_CHARS = /[*?[]/;

/** Lexically cleans a source path; throws when it climbs above the root. */
function cleanSource(src: string, what: string, keyword: string): string {
  const norm = posix.normalize(`/${src}`);
  const lexical = posix.normalize(src.replace(/^\/+/, ''));
  if (lexical === '..' || lexical.startsWith('../')) {
    throw invalidArgument('build_forbidden_path', `${keyword} failed: forbidden path outside the ${what}: ${src} ()`);
  }
  return norm.replace(/^\/+/, '').replace(/\/+$/, '');
}

/**
 * Resolves symlinks on `rel` inside the tree, as Docker's FollowSymlinkInScope: absolute targets
 * are taken from the tree's root and `..` never climbs above it.
 */
export function resolveInScope(fs: LinkReader, rel: string): string {
  const todo = rel === '' ? [] : rel.split('/');
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const comp = todo.shift()!;
    if (comp === '' || comp === '.') continue;
    if (comp === '..') {
      done.pop();
      continue;
    }
    const candidate = [...done, comp].join('/');
    const target = fs.symlinkTarget(candidate);
    if (target !== null) {
      if (++links > MAX_LINKS) throw invalidArgument('build_symlink_loop', `too many levels of symbolic links: ${rel}`);
      if (target.startsWith('/')) done.length = 0;
      todo.unshift(...target.split('/'));
      continue;
    }
    done.push(comp);
  }
  return done.join('/');
}

function globRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const cls = pattern.slice(i + 1, end);
        re += `[${cls.startsWith('^') || cls.startsWith('!') ? `^${cls.slice(1)}` : cls}]`;
        i = end;
      }
    } else if (ch === '\\' && i + 1 < pattern.length) re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    else re += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Expands one cleaned source (glob components matched per directory level) to existing paths. */
function expand(fs: SourceTree, rel: string): string[] {
  if (!GLOB_CHARS.test(rel)) return [rel];
  let paths = [''];
  for (const comp of rel.split('/')) {
    const next: string[] = [];
    for (const base of paths) {
      if (!GLOB_CHARS.test(comp)) {
        next.push(base === '' ? comp : `${base}/${comp}`);
        continue;
      }
      const dir = resolveInScope(fs, base);
      if (fs.stat(dir)?.type !== 'directory' && dir !== '') continue;
      const re = globRegExp(comp);
      for (const name of fs.readdir(dir)) if (re.test(name)) next.push(base === '' ? name : `${base}/${name}`);
    }
    paths = next;
  }
  return paths.filter((p) => fs.stat(resolveInScope(fs, p)) !== null);
}

export interface PlanRequest {
  fs: SourceTree;
  /** "build context" or "image", for error texts. */
  what: string;
  sources: string[];
  /** Absolute destination, with its trailing slash kept. */
  dest: string;
  /** Whether the destination already is a directory in the image. */
  destIsDir: boolean;
  owner: { uid: number; gid: number } | null;
  chmod: number | undefined;
  /** ADD: local archives (by their path in `fs`) are unpacked. */
  isArchive?: (rel: string) => boolean;
  keyword: string;
}

/**
 * What a COPY/ADD writes, with Docker's rules: a directory source copies its contents; a file goes
 * to `dest/name` when dest ends in '/' or is a directory, else to `dest`; several sources need a
 * destination ending in '/'. Never reads outside `fs` (`..` and symlinks are confined to it).
 */
export function planCopy(req: PlanRequest): CopyPlan {
  const { fs } = req;
  const sources: string[] = [];
  for (const s of req.sources) {
    const clean = cleanSource(s, req.what, req.keyword);
    const found = expand(fs, clean);
    if (found.length === 0) {
      if (GLOB_CHARS.test(clean)) continue;
      throw notFound('build_source_missing', `${req.keyword} failed: file not found in ${req.what} or excluded by .dockerignore: stat ${s}: file does not exist`);
    }
    sources.push(...found);
  }
  if (sources.length === 0) throw invalidArgument('build_no_source', `${req.keyword} failed: no source files were specified`);
  const destSlash = req.dest.endsWith('/');
  if (sources.length > 1 && !destSlash) {
    throw invalidArgument('build_dest_not_dir', `When using ${req.keyword} with more than one source file, the destination must be a directory and end with a /`);
  }
  const dest = posix.normalize(req.dest).replace(/^\/+/, '').replace(/\/+$/, '');
  const entries = new Map<string, CopyEntry>();
  const archives: ArchiveSource[] = [];
  // Copied files belong to root unless --chown says otherwise, whoever owns them in the source.
  const owner = req.owner ?? { uid: 0, gid: 0 };
  // Entries are built in one shape (a spread of a shared base made each a slow dictionary object).
  const add = (name: string, rel: string, st: SourceStat): void => {
    const { uid, gid } = owner;
    const mode = req.chmod ?? st.mode;
    if (st.type === 'directory') entries.set(name, { name, type: 'directory', mode, uid, gid, mtime: st.mtime, size: 0 });
    else if (st.type === 'symlink') entries.set(name, { name, type: 'symlink', mode: 0o777, uid, gid, mtime: st.mtime, size: 0, linkname: fs.symlinkTarget(rel)! });
    else if (st.type === 'file') entries.set(name, { name, type: 'file', mode, uid, gid, mtime: st.mtime, size: st.size, source: rel });
  };
  const walk = (rel: string, destName: string): void => {
    for (const child of fs.readdir(rel)) {
      const childRel = rel === '' ? child : `${rel}/${child}`;
      const st = fs.stat(childRel);
      if (!st) continue;
      const name = destName === '' ? child : `${destName}/${child}`;
      add(name, childRel, st);
      if (st.type === 'directory') walk(childRel, name);
    }
  };
  for (const src of sources) {
    const rel = resolveInScope(fs, src);
    const st = fs.stat(rel);
    if (!st) throw notFound('build_source_missing', `${req.keyword} failed: file not found in ${req.what} or excluded by .dockerignore: stat ${src}: file does not exist`);
    if (st.type === 'directory') {
      if (dest !== '') add(dest, rel, st);
      walk(rel, dest);
      continue;
    }
    if (st.type === 'file' && req.isArchive?.(rel)) {
      archives.push({ source: rel, dest });
      continue;
    }
    const name = destSlash || req.destIsDir ? posix.join(dest, posix.basename(src)) : dest;
    if (name === '') throw invalidArgument('build_dest_root', `${req.keyword} failed: cannot copy a file to the root directory itself`);
    add(name, rel, st);
  }
  return { tree: fs, entries: [...entries.values()].sort((a, b) => byteOrder(a.name, b.name)), archives };
}

/**
 * Content hash of a plan for the build cache (names, types, modes, owners, link targets and
 * contents; not mtimes), and per path the digest of its part, so a miss can name the files
 * (computed on first use: a cache hit never needs it).
 */
export function hashPlan(plan: CopyPlan): { hash: string; readonly files: CopyManifest } {
  const lines: [string, string][] = [];
  // One-shot digests: a Hash object per file costs more than hashing a small file's bytes.
  const fileHash = (rel: string): string => hash('sha256', plan.tree!.read(rel), 'hex');
  for (const e of plan.entries) {
    const content = e.data ? hash('sha256', e.data, 'hex') : e.source ? fileHash(e.source) : '';
    lines.push([e.name, `${e.name}\0${e.type}\0${e.mode}\0${e.uid}:${e.gid}\0${e.linkname ?? ''}\0${content}\n`]);
  }
  for (const a of plan.archives) lines.push([`${a.dest} (archive)`, `archive\0${a.dest}\0${fileHash(a.source)}\n`]);
  let files: CopyManifest | undefined;
  return {
    hash: hash('sha256', lines.map(([, line]) => line).join(''), 'hex'),
    get files(): CopyManifest {
      files ??= Object.fromEntries(lines.map(([name, line]) => [name, hash('sha256', line, 'hex')]));
      return files;
    },
  };
}

/** Cleans an archive member's name under `dest`; throws if it climbs out of it. */
function underDest(dest: string, name: string): string {
  const norm = posix.normalize(`/${name}`).replace(/^\/+/, '');
  const lexical = posix.normalize(name.replace(/^\/+/, ''));
  if (lexical === '..' || lexical.startsWith('../')) {
    throw invalidArgument('build_archive_escape', `archive entry "${name}" escapes the destination`);
  }
  return dest === '' ? norm : norm === '' ? dest : `${dest}/${norm}`;
}

/** The plan's own entries as tar items; contents are read from the plan's tree as the tar is written. */
function itemsOf(plan: CopyPlan): TarItem[] {
  return plan.entries.map((e) => {
    const item: TarItem = { name: e.name, type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime, size: e.type === 'file' ? e.size : 0 };
    if (e.linkname !== undefined) item.linkname = e.linkname;
    if (e.data) item.data = e.data;
    else if (e.type === 'file' && e.source !== undefined) {
      const { tree } = plan;
      const source = e.source;
      item.readAt = (buf, offset, length, position) => tree!.readAt(source, buf, offset, length, position);
    }
    return item;
  });
}

/**
 * Writes the plan as an uncompressed layer tar, in large pieces; archives are unpacked into it
 * under their destination (members are confined to it; the layer apply refuses anything through
 * a symlink).
 */
export function writeCopyTar(plan: CopyPlan, openArchive: (input: Readable) => Promise<Readable | null>): Readable {
  async function* pieces(): AsyncGenerator<Buffer> {
    yield* tarPieces(itemsOf(plan), { end: plan.archives.length === 0 });
    if (plan.archives.length === 0) return;
    // tar-stream loads only for an ADD of an archive.
    const { default: tar } = await import('tar-stream');
    const pack = tar.pack();
    const run = async (): Promise<void> => {
      for (const a of plan.archives) {
        const input = await openArchive(plan.tree!.openRead(a.source));
        if (!input) continue;
        const extract = tar.extract();
        const done = pipeline(input, extract).catch(() => undefined);
        for await (const entry of extract) {
          const h = { ...entry.header, name: underDest(a.dest, entry.header.name) };
          if (h.type === 'link' && h.linkname) h.linkname = underDest(a.dest, h.linkname);
          await pipeline(entry, pack.entry(h));
        }
        await done;
      }
      pack.finalize();
    };
    run().catch((e: unknown) => pack.destroy(e instanceof Error ? e : new Error(String(e))));
    for await (const chunk of pack as unknown as AsyncIterable<Buffer>) yield chunk;
  }
  return Readable.from(pieces(), { objectMode: false });
}

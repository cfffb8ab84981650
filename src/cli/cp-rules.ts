import { goBase, splitPathDirEntry, specifiesCurrentDir } from '../lib/archive-paths.js';

/** docker/cli's CopyInfo: a side of a copy. */
export interface CopyInfo {
  path: string;
  exists: boolean;
  isDir: boolean;
  /** The name the source's entries take in place of its own base name (a followed symlink's). */
  rebaseName: string;
}

/**
 * `CONTAINER:PATH` or a local path. A local path with a ':' must start with '/' or '.'
 * (`./file:name.txt`), as with scp.
 */
export function splitCpArg(arg: string): { container: string; path: string } {
  if (arg.startsWith('/')) return { container: '', path: arg };
  const colon = arg.indexOf(':');
  if (colon < 0 || arg.startsWith('.')) return { container: '', path: arg };
  return { container: arg.slice(0, colon), path: arg.slice(colon + 1) };
}

/** docker's GetRebaseName: `resolved` keeps what `path` says about its end, and the name the entries must take. */
export function getRebaseName(path: string, resolved: string): { resolved: string; rebaseName: string } {
  let out = resolved;
  if (specifiesCurrentDir(path) && !specifiesCurrentDir(out)) out += '/.';
  if (path.endsWith('/') && !out.endsWith('/')) out += '/';
  return { resolved: out, rebaseName: goBase(path) !== goBase(out) ? goBase(path) : '' };
}

/** docker's RebaseArchiveEntries on one name: its first occurrence of `oldBase` becomes `newBase`. */
export function rebaseEntryName(name: string, oldBase: string, newBase: string): string {
  const i = name.indexOf(oldBase);
  return i < 0 ? name : name.slice(0, i) + newBase + name.slice(i + oldBase.length);
}

export interface ArchiveCopy {
  /** The directory to extract into (the destination or its parent). */
  dir: string;
  /** Renaming of entries' first path element, when the copy takes another name. */
  rebase?: { from: string; to: string };
}

/**
 * docker's PrepareArchiveCopy: where an archive of `src` is extracted so that it lands at `dst`
 * with cp's rules (into an existing directory; else as `dst` itself). Throws docker's errors.
 */
export function prepareArchiveCopy(src: CopyInfo, dst: CopyInfo): ArchiveCopy {
  const { dir: dstDir, base: dstBase } = splitPathDirEntry(dst.path);
  const srcBase = src.rebaseName !== '' ? src.rebaseName : splitPathDirEntry(src.path).base;
  if (dst.exists && dst.isDir) return { dir: dst.path };
  if (dst.exists && src.isDir) throw new Error('cannot copy directory');
  if (!dst.exists && !src.isDir && (dst.path.endsWith('/') || specifiesCurrentDir(dst.path))) throw new Error('no such directory');
  return { dir: dstDir, rebase: { from: srcBase, to: dstBase } };
}

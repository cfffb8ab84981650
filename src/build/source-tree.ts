import type { Readable } from 'node:stream';

/** An entry's metadata as COPY/ADD sees it (lstat semantics: symlinks are not followed). */
export interface SourceStat {
  type: 'file' | 'directory' | 'symlink' | 'other';
  /** Permission bits including setuid, setgid and sticky. */
  mode: number;
  /** Bytes of a file's content; 0 for other types. */
  size: number;
  /** Whole seconds since the epoch. */
  mtime: number;
}

/** Answers where a symlink points, for resolving paths inside a tree. */
export interface LinkReader {
  /** The target text of the symlink at `rel`, or null when `rel` is missing or no symlink. */
  symlinkTarget(rel: string): string | null;
}

/**
 * A read-only tree COPY and ADD take files from: the build context or an image's layers. Paths are
 * relative, '/'-separated and already clean ('' is the root); nothing follows symlinks implicitly.
 */
export interface SourceTree extends LinkReader {
  stat(rel: string): SourceStat | null;
  /** Names in a directory, sorted bytewise. */
  readdir(rel: string): string[];
  /** A file's content, or only its first `limit` bytes. */
  read(rel: string, limit?: number): Buffer;
  /** Reads up to `length` bytes of a file at `position` into `buf` at `offset`; returns the count. */
  readAt(rel: string, buf: Buffer, offset: number, length: number, position: number): number;
  /** A file's content as a stream (archives ADD unpacks). */
  openRead(rel: string): Readable;
}

/**
 * Bytewise (UTF-8) order of names, as tar writers and Docker sort them, without encoding them:
 * UTF-16 code units order the same way except that a surrogate (a code point above U+FFFF) must
 * sort after every other unit.
 */
export function byteOrder(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    return xs === ys ? x - y : xs ? 1 : -1;
  }
  return a.length - b.length;
}

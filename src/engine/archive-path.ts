import { posix } from 'node:path';

/** Go's filepath.Base: the last element, trailing slashes ignored; "/" for the root, "." for "". */
export function goBase(p: string): string {
  if (p === '') return '.';
  const trimmed = p.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** Go's filepath.Clean for a path made absolute. */
function cleanAbs(p: string): string {
  const n = posix.normalize(`/${p}`);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

/** Docker's PreserveTrailingDotOrSeparator: keeps what `path` says about its last element ("/." or "/"). */
function preserveTrailing(cleaned: string, original: string): string {
  let out = cleaned;
  if (goBase(out) !== '.' && goBase(original) === '.' && original !== '') {
    if (!out.endsWith('/')) out += '/';
    out += '.';
  }
  if (!out.endsWith('/') && original.endsWith('/')) out += '/';
  return out;
}

/** A path of a container as the archive endpoints read it. */
export interface ArchivePath {
  /** Absolute and clean, keeping a trailing "/" or "/." of the request. */
  abs: string;
  /** Everything up to the last "/" (resolved with symlinks followed). */
  dir: string;
  /** The last element as written: "" after a trailing "/", "." for "/.": never followed itself. */
  base: string;
  /** What the stat and the archive's entries are named: Go's filepath.Base of `abs`. */
  name: string;
}

export function archivePath(path: string): ArchivePath {
  const abs = preserveTrailing(cleanAbs(path), path);
  const slash = abs.lastIndexOf('/');
  return { abs, dir: abs.slice(0, slash + 1), base: abs.slice(slash + 1), name: goBase(abs) };
}

/**
 * Name of an archive entry at `sub` (relative, '' for the top) under the rebase name of Docker's
 * archive endpoint: the top is `rebase` itself, and a rebase of "/" (the container's root)
 * gives absolute names, as Docker's TarWithOptions does.
 */
export function entryName(rebase: string, sub: string): string {
  if (rebase === '/') return sub === '' ? '' : `/${sub}`;
  return sub === '' ? rebase : `${rebase}/${sub}`;
}

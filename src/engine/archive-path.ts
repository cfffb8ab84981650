import { goBase, goClean, preserveTrailing } from '../lib/archive-paths.js';

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
  const abs = preserveTrailing(goClean(`/${path}`), path);
  const slash = abs.lastIndexOf('/');
  return { abs, dir: abs.slice(0, slash + 1), base: abs.slice(slash + 1), name: goBase(abs) };
}

import { posix } from 'node:path';

/*
 * Docker's archive path conventions (Go's filepath rules plus what a trailing "/" or "/." says),
 * shared by the daemon's archive endpoints and the CLI's cp so both ends name entries alike.
 */

/** Go's filepath.Base: the last element, trailing slashes ignored; "/" for the root, "." for "". */
export function goBase(p: string): string {
  if (p === '') return '.';
  const trimmed = p.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** Go's filepath.Clean. */
export function goClean(p: string): string {
  if (p === '') return '.';
  const n = posix.normalize(p);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

export const specifiesCurrentDir = (p: string): boolean => goBase(p) === '.';

/** Docker's PreserveTrailingDotOrSeparator: `cleaned` keeps the "/." or "/" that `original` ended with. */
export function preserveTrailing(cleaned: string, original: string): string {
  let out = cleaned;
  if (!specifiesCurrentDir(out) && specifiesCurrentDir(original)) {
    if (!out.endsWith('/')) out += '/';
    out += '.';
  }
  if (!out.endsWith('/') && original.endsWith('/')) out += '/';
  return out;
}

/** Docker's SplitPathDirEntry: parent and last element, "." kept as the element of "dir/.". */
export function splitPathDirEntry(p: string): { dir: string; base: string } {
  let cleaned = goClean(p);
  if (specifiesCurrentDir(p)) cleaned += '/.';
  return { dir: goClean(posix.dirname(cleaned)), base: goBase(cleaned) };
}

/**
 * Name of an archive entry at `sub` (relative, '' for the top) under `rebase`, as Docker's
 * TarWithOptions names them: the top is `rebase` itself, and a rebase of "/" (a container's
 * root) gives absolute names.
 */
export function archiveEntryName(rebase: string, sub: string): string {
  if (rebase === '/') return sub === '' ? '' : `/${sub}`;
  return sub === '' ? rebase : `${rebase}/${sub}`;
}

import {
  chmodSync, closeSync, constants, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lstatSync, lutimesSync,
  mkdirSync, openSync, readlinkSync, symlinkSync, write, writeSync, type Stats,
} from 'node:fs';
import { realpath, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { dirname, join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { errorMessage, invalidArgument, isBerthError, BerthError } from '../../lib/errors.js';
import { cleanPath, LayerRoot } from './safe-path.js';
import type { EntryType, TarHeader } from './tar-header.js';
import { TarReader } from './tar-reader.js';
import { runTool } from './tools.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
/** aufs bookkeeping names (.wh..wh.plnk, .wh..wh.aufs…): meaningless to overlayfs, skipped. */
const AUFS_META_PREFIX = '.wh..wh.';
/** Overlay's own xattrs: set only from whiteout markers, never copied from an archive. */
const OVERLAY_XATTR_PREFIX = 'trusted.overlay.';

export interface ApplyOptions {
  /** Called before each entry is applied (progress, logging); throwing aborts the apply. */
  onEntry?: (entry: { path: string; type: EntryType; size: number }) => void;
  /** False to extract `.wh.` names as plain files (an archive that is not a layer: `docker cp`). */
  whiteouts?: boolean;
  /** Owner of every entry, in place of the archive's (`docker cp -a`: the container's user). */
  owner?: { uid: number; gid: number };
  /** Refuse to replace a directory with a non-directory or the reverse, instead of removing the old one. */
  noOverwriteDirNonDir?: boolean;
}

export interface ApplyResult {
  /** Bytes of tar read, through the end of the input. */
  bytes: number;
  /**
   * What Docker reports as a layer's size (its graph driver's directory size): the bytes of regular
   * files and of symlinks' targets; directories, hard links (counted at their first path) and devices count nothing.
   */
  contentBytes: number;
}

/*
 * Metadata calls (lstat, open, chown, chmod, utimes…) and small writes are synchronous: each is
 * one short syscall, and a threadpool round trip per call made extracting many small files about
 * 1.5x slower. The cost is that the event loop stalls in short slices during an apply.
 */
const lstatOrNull = (path: string): Stats | null => lstatSync(path, { throwIfNoEntry: false }) ?? null;
const writeAsync = promisify(write);

async function setXattrs(path: string, xattrs: Map<string, Buffer>): Promise<void> {
  for (const [name, value] of xattrs) {
    if (name.startsWith(OVERLAY_XATTR_PREFIX)) continue;
    const v = value.length === 0 ? [] : ['-v', `0s${value.toString('base64')}`];
    await runTool(['setfattr', '-h', '-n', name, ...v, path]);
  }
}

const SYNC_WRITE_MAX = 64 * 1024;

async function writeAll(fd: number, body: AsyncIterable<Buffer>): Promise<void> {
  for await (const chunk of body) {
    for (let off = 0; off < chunk.length; ) {
      off += chunk.length - off <= SYNC_WRITE_MAX
        ? writeSync(fd, chunk, off, chunk.length - off)
        : (await writeAsync(fd, chunk, off, chunk.length - off, null)).bytesWritten;
    }
  }
}

/** True if a symlink's text, read from `dir` on the host, leads outside `root`. */
function symlinkLeavesRoot(root: string, dir: string, target: string): boolean {
  if (posix.isAbsolute(target)) return true;
  const resolved = posix.normalize(posix.join(dir, target));
  return resolved !== root && !resolved.startsWith(`${root}/`);
}

const O_DIR = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const O_NEWFILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Extracts an uncompressed OCI/Docker layer tar into `dest` (an existing directory, empty for a
 * layer, that nothing else writes to meanwhile) in overlayfs form: `.wh.<name>` becomes a 0:0 character
 * device `<name>`; `.wh..wh..opq` sets `trusted.overlay.opaque=y` on its directory. Ownership,
 * modes (setuid/setgid/sticky), mtimes, hard links, symlinks, devices, FIFOs and xattrs (PAX
 * `SCHILY.xattr.*`, except `trusted.overlay.*`) are kept; directory mtimes are set last.
 *
 * Nothing is created or modified outside `dest`: absolute names are confined, and any entry whose
 * path climbs out, goes through a symlink, or hard-links to something outside (or to a symlink
 * leading out) is refused with an InvalidArgument BerthError naming it; extraction stops there
 * and `tar` is destroyed. `dest` may then hold part of the layer: the caller discards it.
 * Reads `tar` to its end (so an upstream digest covers all of it), with backpressure.
 * Needs root (chown, mknod), `mknod` and, for xattrs and opaque dirs, `setfattr` (package attr).
 */
export async function applyLayer(tar: Readable, dest: string, opts: ApplyOptions = {}): Promise<ApplyResult> {
  // The reader meets a stored error when it starts reading; one that comes while the root resolves
  // (a download reset in its first bytes) must not be an uncaught 'error' event meanwhile.
  tar.on('error', () => undefined);
  const root = new LayerRoot(await realpath(dest));
  const reader = new TarReader(tar);
  const dirTimes = new Map<string, { comps: string[]; mtime: number }>();
  let contentBytes = 0;
  try {
    for await (const { header, body } of reader.entries()) {
      opts.onEntry?.({ path: header.path, type: header.type, size: header.size });
      if (header.type === 'file') contentBytes += header.size;
      else if (header.type === 'symlink') contentBytes += Buffer.byteLength(header.linkname);
      await applyEntry(root, opts.owner ? { ...header, uid: opts.owner.uid, gid: opts.owner.gid } : header, body, dirTimes, opts);
    }
    for (const { comps, mtime } of dirTimes.values()) setDirTime(root, comps, mtime);
  } catch (e) {
    if (!tar.destroyed) tar.destroy();
    if (isBerthError(e)) throw e;
    throw new BerthError('Internal', 'layer_apply_failed', `applying layer to ${dest}: ${errorMessage(e)}`, { cause: e });
  }
  return { bytes: reader.bytesRead, contentBytes };
}

async function applyEntry(
  root: LayerRoot,
  h: TarHeader,
  body: AsyncIterable<Buffer>,
  dirTimes: Map<string, { comps: string[]; mtime: number }>,
  opts: ApplyOptions,
): Promise<void> {
  const comps = cleanPath(h.path);
  if (comps.length === 0) return; // the layer root itself: the snapshot owns it
  const base = comps[comps.length - 1]!;
  const isMarker = base === OPAQUE_MARKER && opts.whiteouts !== false;
  if (opts.whiteouts !== false && comps.some((c, i) => c.startsWith(AUFS_META_PREFIX) && !(isMarker && i === comps.length - 1))) return;

  if (isMarker) {
    const dir = root.parentDir(comps, h.path, true);
    await runTool(['setfattr', '-h', '-n', 'trusted.overlay.opaque', '-v', 'y', dir]);
    return;
  }
  if (base.startsWith(WHITEOUT_PREFIX) && opts.whiteouts !== false) {
    const name = base.slice(WHITEOUT_PREFIX.length);
    if (name === '' || name === '.' || name === '..') {
      throw invalidArgument('layer_path_escape', `layer entry "${h.path}" is a whiteout of an invalid name`);
    }
    const target = join(root.parentDir(comps, h.path, true), name);
    await removeExisting(root, target);
    await runTool(['mknod', target, 'c', '0', '0']);
    lchownSync(target, h.uid, h.gid);
    return;
  }

  const path = join(root.parentDir(comps, h.path, true), base);
  const existing = lstatOrNull(path);
  if (existing !== null && opts.noOverwriteDirNonDir === true && existing.isDirectory() !== (h.type === 'dir')) {
    const [what, by] = existing.isDirectory() ? ['directory', 'non-directory'] : ['non-directory', 'directory'];
    throw invalidArgument('overwrite_dir_non_dir', `cannot overwrite ${what} "/${comps.join('/')}" with ${by} "${h.path}"`);
  }
  if (existing !== null && !(existing.isDirectory() && h.type === 'dir')) await removeExisting(root, path);

  switch (h.type) {
    case 'dir': {
      if (existing === null || !existing.isDirectory()) mkdirSync(path, { mode: 0o700 });
      root.markDir(comps);
      const fd = openSync(path, O_DIR);
      try {
        fchownSync(fd, h.uid, h.gid);
        fchmodSync(fd, h.mode);
      } finally {
        closeSync(fd);
      }
      await setXattrs(path, h.xattrs);
      dirTimes.set(comps.join('/'), { comps, mtime: h.mtime });
      return;
    }
    case 'file': {
      const fd = openSync(path, O_NEWFILE, 0o600);
      try {
        await writeAll(fd, body);
        fchownSync(fd, h.uid, h.gid);
        // chown clears setuid/setgid, so the mode goes after it.
        fchmodSync(fd, h.mode);
        // File capabilities are cleared by chown and writes: set xattrs after both.
        await setXattrs(path, h.xattrs);
        futimesSync(fd, h.mtime, h.mtime);
      } finally {
        closeSync(fd);
      }
      return;
    }
    case 'symlink':
      symlinkSync(h.linkname, path);
      lchownSync(path, h.uid, h.gid);
      await setXattrs(path, h.xattrs);
      lutimesSync(path, h.mtime, h.mtime);
      return;
    case 'hardlink':
      linkSync(hardlinkTarget(root, h), path);
      return;
    case 'char':
    case 'block':
    case 'fifo': {
      const spec = h.type === 'fifo' ? ['p'] : [h.type === 'char' ? 'c' : 'b', String(h.devmajor), String(h.devminor)];
      await runTool(['mknod', path, ...spec]);
      lchownSync(path, h.uid, h.gid);
      // mknod just made this node (not a symlink), so chmod by path touches only it.
      chmodSync(path, h.mode);
      await setXattrs(path, h.xattrs);
      lutimesSync(path, h.mtime, h.mtime);
      return;
    }
  }
}

async function removeExisting(root: LayerRoot, path: string): Promise<void> {
  if (lstatOrNull(path) === null) return;
  // rm never follows symlinks, so this stays inside the root.
  await rm(path, { recursive: true, force: true });
  root.forget();
}

function hardlinkTarget(root: LayerRoot, h: TarHeader): string {
  const refuse = (why: string): Error =>
    invalidArgument('layer_link_escape', `layer entry "${h.path}" hard-links to "${h.linkname}", ${why}`);
  let comps: string[];
  try {
    comps = cleanPath(h.linkname, h.path);
  } catch {
    throw refuse('outside the layer root');
  }
  if (comps.length === 0) throw refuse('the layer root');
  const target = join(root.parentDir(comps, h.path, false), comps[comps.length - 1]!);
  const st = lstatOrNull(target);
  if (st === null) throw refuse('which does not exist in the layer');
  if (st.isDirectory()) throw refuse('a directory');
  if (st.isSymbolicLink() && symlinkLeavesRoot(root.root, dirname(target), readlinkSync(target))) {
    throw refuse('a symlink that leads outside the layer root');
  }
  return target;
}

/** Re-resolves the directory (the archive may have replaced it since) before setting its mtime. */
function setDirTime(root: LayerRoot, comps: string[], mtime: number): void {
  let fd: number;
  try {
    root.parentDir(comps, comps.join('/'), false);
    fd = openSync(root.abs(comps), O_DIR);
  } catch {
    return; // replaced or removed by a later entry: its time no longer applies
  }
  try {
    futimesSync(fd, mtime, mtime);
  } finally {
    closeSync(fd);
  }
}

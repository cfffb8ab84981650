import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { BerthError, invalidArgument, notFound } from '../lib/errors.js';
import { applyLayer } from '../image/layer/apply.js';
import { fileBody } from '../image/layer/diff.js';
import { END_OF_ARCHIVE, encodeHeader, paddingOf, type TarHeader } from '../image/layer/tar-header.js';
import { archiveEntryName } from '../lib/archive-paths.js';
import { archivePath, type ArchivePath } from './archive-path.js';
import { ContainerFs, type FsMount } from './container-fs.js';
import type { ContainerRecord } from './container-model.js';
import type { ContainerService } from './container-service.js';

/** What Docker's archive endpoints report about a path (lstat of it; `linkTarget` for a symlink). */
export interface PathInfo {
  name: string;
  size: number;
  /** POSIX st_mode. */
  mode: number;
  mtimeNs: bigint;
  /** Absolute in the container, symlinks followed inside its root; '' when not a symlink. */
  linkTarget: string;
}

export interface ExtractOptions {
  noOverwriteDirNonDir: boolean;
  /** Files take the container user's uid/gid instead of the archive's. */
  copyUIDGID: boolean;
}

interface Found {
  ap: ArchivePath;
  /** The path's location, relative to the container's root. */
  rel: string;
  info: PathInfo;
  isDir: boolean;
}

const lastElementFollowed = (ap: ArchivePath): boolean => ap.base === '' || ap.base === '.';

/**
 * `docker cp`'s engine side: stat, tar and extract paths of a container, running or not, through
 * its volumes and binds, with every symlink resolved inside the container's root.
 */
export class ContainerArchive {
  constructor(private readonly containers: ContainerService) {}

  private view(c: ContainerRecord, rootfs: string): ContainerFs {
    const mounts: FsMount[] = [];
    for (const m of c.mounts ?? []) {
      // tmpfs mounts exist only in the running container's mount namespace, as with Docker's cp.
      if (m.Type === 'tmpfs') continue;
      mounts.push({ destination: m.Destination, source: m.Source, readOnly: !m.RW });
    }
    const etc = this.containers.etcFilesOf(c);
    for (const [destination, source] of [['/etc/hosts', etc.hostsPath], ['/etc/hostname', etc.hostnamePath], ['/etc/resolv.conf', etc.resolvConfPath]] as const) {
      if (existsSync(source)) mounts.push({ destination, source, readOnly: false });
    }
    return new ContainerFs(rootfs, mounts, c.hostConfig.ReadonlyRootfs === true);
  }

  private find(fs: ContainerFs, path: string, ref: string): Found {
    const ap = archivePath(path);
    const dir = fs.resolve(ap.dir);
    const rel = lastElementFollowed(ap) ? dir : dir === '' ? ap.base : `${dir}/${ap.base}`;
    const entry = fs.lstat(rel);
    if (entry === null) throw notFound('path_not_found', `Could not find the file ${path} in container ${ref}`);
    if (lastElementFollowed(ap) && !entry.st.isDirectory()) {
      throw invalidArgument('not_a_directory', `lstat ${ap.abs}: not a directory`);
    }
    const st = lstatSync(entry.abs, { bigint: true });
    return {
      ap,
      rel,
      isDir: entry.st.isDirectory(),
      info: {
        name: ap.name,
        size: Number(st.size),
        mode: entry.st.mode,
        mtimeNs: st.mtimeNs,
        linkTarget: entry.st.isSymbolicLink() ? `/${fs.resolve(ap.abs)}` : '',
      },
    };
  }

  /** HEAD /containers/{id}/archive. */
  stat(ref: string, path: string): Promise<PathInfo> {
    return this.containers.withRootfs(ref, async (c, rootfs) => this.find(this.view(c, rootfs), path, ref).info);
  }

  /**
   * GET /containers/{id}/archive: a tar of the path named as Docker names it (a directory's
   * entries under its name, "." for "dir/.", a symlink itself unless the path ends in "/").
   * The container stays locked (and mounted or frozen) until the stream ends or is destroyed.
   */
  get(ref: string, path: string): Promise<{ stat: PathInfo; tar: Readable }> {
    return new Promise((resolve, reject) => {
      this.containers
        .withRootfs(ref, async (c, rootfs) => {
          const fs = this.view(c, rootfs);
          const found = this.find(fs, path, ref);
          const tar = Readable.from(archiveEntries(fs, found.rel, found.ap.name), { objectMode: false });
          resolve({ stat: found.info, tar });
          await finished(tar).catch(() => undefined);
        })
        .catch(reject);
    });
  }

  /** PUT /containers/{id}/archive: extracts `tar` into the directory at `path`. */
  async put(ref: string, path: string, tar: Readable, opts: ExtractOptions): Promise<void> {
    await this.containers.withRootfs(ref, async (c, rootfs) => {
      const fs = this.view(c, rootfs);
      const rel = fs.resolve(archivePath(path).abs);
      const entry = fs.lstat(rel);
      if (entry === null) throw notFound('path_not_found', `Could not find the file ${path} in container ${ref}`);
      if (!entry.st.isDirectory()) throw invalidArgument('extraction_point_not_dir', 'extraction point is not a directory');
      const loc = fs.locate(rel);
      if (loc.readOnly) {
        throw new BerthError('Forbidden', 'read_only', loc.mount ? 'mounted volume is marked read-only' : 'container rootfs is marked read-only');
      }
      const owner = opts.copyUIDGID ? userOf(c, fs) : undefined;
      // The apply destroys its input on a refused entry: keep the request itself open for the error response.
      const input = new PassThrough();
      tar.pipe(input);
      try {
        await applyLayer(input, loc.abs, { whiteouts: false, owner, noOverwriteDirNonDir: opts.noOverwriteDirNonDir });
      } catch (e) {
        tar.unpipe(input);
        tar.resume();
        throw e;
      }
    });
  }
}

/** The uid/gid of the container's user, from its own /etc/passwd and /etc/group. */
function userOf(c: ContainerRecord, fs: ContainerFs): { uid: number; gid: number } {
  const u = fs.resolveUser(c.config.User ?? '');
  return { uid: u.uid, gid: u.gid };
}

/** Tar entries of the tree at `top` (never following symlinks), named from `rebase`; sockets are skipped as Docker does. */
async function* archiveEntries(fs: ContainerFs, top: string, rebase: string): AsyncGenerator<Buffer> {
  const firstName = new Map<string, string>();
  async function* visit(rel: string, sub: string): AsyncGenerator<Buffer> {
    const e = fs.lstat(rel);
    if (e === null) return; // removed meanwhile
    const { st } = e;
    const header: TarHeader = {
      path: archiveEntryName(rebase, sub), type: 'file', mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: 0,
      mtime: Math.floor(st.mtimeMs / 1000), linkname: '', devmajor: 0, devminor: 0, xattrs: new Map(),
    };
    if (st.isDirectory()) header.type = 'dir';
    else if (st.isSymbolicLink()) Object.assign(header, { type: 'symlink', linkname: readlinkSync(e.abs) });
    else if (st.isCharacterDevice() || st.isBlockDevice() || st.isFIFO()) {
      header.type = st.isFIFO() ? 'fifo' : st.isCharacterDevice() ? 'char' : 'block';
      header.devmajor = (st.rdev >> 8) & 0xfff;
      header.devminor = (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00);
    } else if (!st.isFile()) return;
    if (st.nlink > 1 && !st.isDirectory() && !st.isSymbolicLink()) {
      const key = `${st.dev}:${st.ino}`;
      const first = firstName.get(key);
      if (first !== undefined) Object.assign(header, { type: 'hardlink', linkname: first });
      else firstName.set(key, header.path);
    }
    if (header.type === 'file') header.size = st.size;
    yield encodeHeader(header);
    if (header.size > 0) {
      yield* fileBody(e.abs, header.size);
      if (paddingOf(header.size) > 0) yield Buffer.alloc(paddingOf(header.size));
    }
    if (header.type !== 'dir') return;
    for (const name of fs.readdir(rel)) {
      yield* visit(rel === '' ? name : `${rel}/${name}`, sub === '' ? name : `${sub}/${name}`);
    }
  }
  yield* visit(top, '');
  yield END_OF_ARCHIVE();
}

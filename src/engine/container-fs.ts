import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { resolveInScope } from '../build/copy-sources.js';
import type { FsEntry } from '../build/image-fs.js';
import { resolveUser, type ResolvedUser } from '../runtime/spec/user.js';

/** A bind mount in a container's view: a volume, a bind, or one of berth's /etc files. */
export interface FsMount {
  /** Absolute and clean, as in the container. */
  destination: string;
  /** Host path mounted there. */
  source: string;
  readOnly: boolean;
}

/** Where a container path lives on the host. */
export interface Location {
  abs: string;
  readOnly: boolean;
  /** The mount holding the path; undefined for the root filesystem. */
  mount?: FsMount;
}

const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * A container's filesystem as its processes see it, read from the host: the mounted root
 * filesystem with the container's binds and volumes laid over it. Paths are relative to the
 * container's root, '/'-separated and clean ('' is the root). Symlinks are never followed by
 * `lstat`/`readdir`; `resolve` follows them inside the container's root only (absolute targets
 * start at that root, `..` stops at it), whichever mount they lead into.
 */
export class ContainerFs {
  private readonly mounts: readonly FsMount[];

  constructor(
    readonly rootfs: string,
    mounts: readonly FsMount[],
    private readonly readonlyRootfs: boolean,
  ) {
    // Longest destination first, so the innermost mount of a path wins.
    this.mounts = [...mounts].sort((a, b) => b.destination.length - a.destination.length);
  }

  locate(rel: string): Location {
    const path = `/${rel}`;
    for (const m of this.mounts) {
      if (path === m.destination) return { abs: m.source, readOnly: m.readOnly, mount: m };
      if (path.startsWith(`${m.destination}/`)) return { abs: join(m.source, path.slice(m.destination.length + 1)), readOnly: m.readOnly, mount: m };
    }
    return { abs: rel === '' ? this.rootfs : join(this.rootfs, rel), readOnly: this.readonlyRootfs };
  }

  lstat(rel: string): FsEntry | null {
    const loc = this.locate(rel);
    // A mount point shows what is mounted there, which the runtime reached through its source's symlinks.
    const follow = loc.mount?.destination === `/${rel}`;
    try {
      const st = follow ? statSync(loc.abs, { throwIfNoEntry: false }) : lstatSync(loc.abs, { throwIfNoEntry: false });
      return st === undefined ? null : { abs: loc.abs, st };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw e;
    }
  }

  symlinkTarget(rel: string): string | null {
    const e = this.lstat(rel);
    return e?.st.isSymbolicLink() ? readlinkSync(e.abs) : null;
  }

  /** Names in a directory, bytewise sorted, with the mount points under it (which a never started container lacks). */
  readdir(rel: string): string[] {
    const names = new Set(readdirSync(this.locate(rel).abs));
    const dir = rel === '' ? '/' : `/${rel}`;
    for (const m of this.mounts) if (m.destination !== '/' && posix.dirname(m.destination) === dir) names.add(posix.basename(m.destination));
    return [...names].sort(byteOrder);
  }

  /** `path` (absolute or not, in the container) with every symlink on it followed inside the root. */
  resolve(path: string): string {
    return resolveInScope(this, posix.normalize(`/${path}`).slice(1).replace(/\/+$/, ''));
  }

  /**
   * The text of the regular file at `path` as the container's processes would read it (see
   * `resolve`), or empty when there is none: how /etc/passwd and /etc/group are read, as Docker
   * reads them. Synchronous: small files, read on a start's critical path.
   */
  readFileOrEmpty(path: string): string {
    let fd: number;
    try {
      // The last component is no symlink now; O_NOFOLLOW refuses one a container process put there since.
      fd = openSync(this.locate(this.resolve(path)).abs, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch {
      return '';
    }
    try {
      return fstatSync(fd).isFile() ? readFileSync(fd, 'utf8') : '';
    } finally {
      closeSync(fd);
    }
  }

  /**
   * `user` (`name`, `uid`, `uid:gid`, …) and the `--group-add` groups, resolved against the
   * container's own /etc/passwd and /etc/group: symlinks on their paths followed inside the root,
   * never on the host.
   */
  resolveUser(user: string, groupAdd: readonly string[] = []): ResolvedUser {
    return resolveUser(user, this.readFileOrEmpty('/etc/passwd'), this.readFileOrEmpty('/etc/group'), groupAdd);
  }
}


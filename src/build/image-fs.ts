import { createReadStream, closeSync, lstatSync, openSync, readFileSync, readSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { invalidArgument } from '../lib/errors.js';
import { byteOrder, type SourceStat, type SourceTree } from './source-tree.js';

export interface FsEntry {
  /** Host path of the entry's topmost version. */
  abs: string;
  st: Stats;
}

const isWhiteout = (st: Stats): boolean => st.isCharacterDevice() && st.rdev === 0;

const typeOf = (st: Stats): SourceStat['type'] =>
  st.isFile() ? 'file' : st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : 'other';

/**
 * A read-only view of stacked layer directories (topmost first) as one tree, honouring whiteouts.
 * Paths are relative, '/'-separated, already cleaned.
 */
export class LayeredFs implements SourceTree {
  constructor(private readonly layers: readonly string[]) {}

  lstat(rel: string): FsEntry | null {
    const comps = rel === '' ? [] : rel.split('/');
    for (const layer of this.layers) {
      // A whiteout or non-directory at an ancestor in this layer hides everything below it.
      for (let i = 1; i < comps.length; i++) {
        const st = lstatSync(join(layer, ...comps.slice(0, i)), { throwIfNoEntry: false });
        if (st && !st.isDirectory()) return null;
      }
      const abs = join(layer, ...comps);
      const st = lstatSync(abs, { throwIfNoEntry: false });
      if (!st) continue;
      return isWhiteout(st) ? null : { abs, st };
    }
    return null;
  }

  stat(rel: string): SourceStat | null {
    const e = this.lstat(rel);
    if (!e) return null;
    return { type: typeOf(e.st), mode: e.st.mode & 0o7777, size: e.st.isFile() ? e.st.size : 0, mtime: Math.floor(e.st.mtimeMs / 1000) };
  }

  symlinkTarget(rel: string): string | null {
    const e = this.lstat(rel);
    return e?.st.isSymbolicLink() ? readlinkSync(e.abs) : null;
  }

  private filePath(rel: string): string {
    const e = this.lstat(rel);
    if (!e?.st.isFile()) throw invalidArgument('build_not_file', `${rel} is no file in the image`);
    return e.abs;
  }

  read(rel: string, limit?: number): Buffer {
    const path = this.filePath(rel);
    if (limit === undefined) return readFileSync(path);
    const buf = Buffer.alloc(limit);
    const fd = openSync(path, 'r');
    try {
      return buf.subarray(0, readSync(fd, buf, 0, limit, 0));
    } finally {
      closeSync(fd);
    }
  }

  readAt(rel: string, buf: Buffer, offset: number, length: number, position: number): number {
    const fd = openSync(this.filePath(rel), 'r');
    try {
      return readSync(fd, buf, offset, length, position);
    } finally {
      closeSync(fd);
    }
  }

  openRead(rel: string): Readable {
    return createReadStream(this.filePath(rel));
  }

  /** Names in a directory, sorted bytewise; union over the layers down to where it stops being a directory. */
  readdir(rel: string): string[] {
    const seen = new Map<string, boolean>();
    for (const layer of this.layers) {
      const abs = join(layer, rel);
      const st = lstatSync(abs, { throwIfNoEntry: false });
      if (!st) continue;
      if (!st.isDirectory()) break;
      for (const name of readdirSync(abs)) {
        if (seen.has(name)) continue;
        seen.set(name, !isWhiteout(lstatSync(join(abs, name))));
      }
    }
    return [...seen].filter(([, live]) => live).map(([n]) => n).sort(byteOrder);
  }
}

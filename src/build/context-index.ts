import { closeSync, createReadStream, openSync, readSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { invalidArgument } from '../lib/errors.js';
import { byteOrder, type SourceStat, type SourceTree } from './source-tree.js';

/** An entry of the context tar, with PAX and long names already applied. */
export interface ContextHeader {
  path: string;
  type: 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';
  mode: number;
  /** Bytes of body that follow. */
  size: number;
  /** Seconds since the epoch, possibly fractional. */
  mtime: number;
  linkname: string;
}

/** Takes the context's entries from a tar parser, in order: a header, its body's pieces, its end. */
export interface ContextSink {
  entry(header: ContextHeader): void;
  data(piece: Buffer): void;
  entryEnd(): void;
}

/** A push parser of the context's tar (the layer codec's), handing entries to `sink` as they complete. */
export type ContextParser = (sink: ContextSink) => { write(chunk: Buffer): void; end(): void };

export interface ContextIndexOptions {
  /** File contents are kept in memory up to this many bytes in all; the rest goes to `spillPath`. */
  memoryBudget: number;
  /** Created only when the budget is exceeded; removed by `close`. */
  spillPath: string;
}

interface Node {
  stat: SourceStat;
  linkname?: string;
  /** A file's content when held in memory. */
  data?: Buffer;
  /** A file's content's offset in the spill file otherwise. */
  offset?: number;
  /** A directory's entries. */
  children?: Set<string>;
}

const dirNode = (mode: number, mtime: number): Node => ({ stat: { type: 'directory', mode, size: 0, mtime }, children: new Set() });

/** A tar member's name as a clean relative path; `..` cannot climb above the root. */
const cleanName = (name: string): string => posix.normalize(`/${name}`).slice(1).replace(/\/+$/, '');

/**
 * The build context as an index of the uploaded tar, never unpacked: names, modes, times and link
 * targets in memory, small files' contents too, large contents in one spill file. Hard links share
 * their target's content; devices and FIFOs are left out (COPY skips them anyway). A member below a
 * non-directory replaces it with a directory, so nothing is ever reached through a symlink.
 */
export class ContextIndex implements SourceTree {
  private readonly nodes = new Map<string, Node>([['', dirNode(0o755, 0)]]);
  private spill: number | null = null;
  private spillSize = 0;
  private inMemory = 0;
  /** Bytes of file content indexed. */
  contentBytes = 0;
  /** Callers waiting for a path to arrive (or for the end of the upload). */
  private waiters: { rel: string; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private ended: { error: unknown } | null = null;
  /** The file whose content is arriving. */
  private receiving: { rel: string; node: Node; pieces: Buffer[] } | null = null;

  constructor(private readonly opts: ContextIndexOptions) {}

  /**
   * Indexes the context tar (uncompressed) as it arrives, each entry synchronously. Paths are
   * usable as they arrive (see `waitFor`), the tree as a whole only once this resolves. Call it
   * once; `close` afterwards in any case.
   */
  async load(tar: Readable, parserFor: ContextParser): Promise<void> {
    const parser = parserFor({
      entry: (h) => this.begin(h),
      data: (piece) => this.append(piece),
      entryEnd: () => this.finish(),
    });
    try {
      // Flowing mode: the docker CLI's upload comes in thousands of pieces under 1 KiB, and an
      // async iterator would cost a promise and stream ticks for each.
      tar.on('data', (chunk: Buffer) => {
        try {
          parser.write(chunk);
        } catch (e) {
          tar.destroy(e as Error);
          return;
        }
        if (this.waiters.length > 0) this.wake(false);
      });
      await finished(tar);
      parser.end();
      this.ended = { error: undefined };
    } catch (e) {
      this.ended = { error: e };
      throw e;
    } finally {
      this.wake(true);
    }
  }

  /** Resolves once `rel` is indexed or the upload ended without it; rejects if the upload failed. */
  waitFor(rel: string): Promise<void> {
    if (this.ended?.error !== undefined) return Promise.reject(this.ended.error);
    if (this.ended || this.nodes.has(rel)) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ rel, resolve, reject }));
  }

  private wake(all: boolean): void {
    const failed = this.ended?.error;
    this.waiters = this.waiters.filter((w) => {
      if (failed !== undefined) w.reject(failed);
      else if (all || this.nodes.has(w.rel)) w.resolve();
      else return true;
      return false;
    });
  }

  private begin(h: ContextHeader): void {
    const rel = cleanName(h.path);
    const mtime = Math.floor(h.mtime);
    const mode = h.mode & 0o7777;
    if (rel === '') {
      if (h.type === 'dir') Object.assign(this.nodes.get('')!.stat, { mode, mtime });
      return;
    }
    switch (h.type) {
      case 'dir':
        this.place(rel, dirNode(mode, mtime));
        return;
      case 'symlink':
        this.place(rel, { stat: { type: 'symlink', mode: 0o777, size: 0, mtime }, linkname: h.linkname });
        return;
      case 'hardlink': {
        const target = this.nodes.get(cleanName(h.linkname));
        if (target?.stat.type !== 'file') throw invalidArgument('build_context', `invalid build context: hard link ${h.path} to ${h.linkname}, which is no file before it`);
        this.place(rel, { ...target, stat: { ...target.stat } });
        return;
      }
      case 'file':
        this.contentBytes += h.size;
        this.receiving = { rel, node: { stat: { type: 'file', mode, size: h.size, mtime } }, pieces: [] };
        if (this.inMemory + h.size > this.opts.memoryBudget) {
          this.spill ??= openSync(this.opts.spillPath, 'wx+', 0o600);
          this.receiving.node.offset = this.spillSize;
        } else this.inMemory += h.size;
        return;
      default:
        return;
    }
  }

  /** A piece of the file being received: kept, or written to the spill file. */
  private append(piece: Buffer): void {
    const r = this.receiving;
    if (!r) return;
    if (r.node.offset === undefined) r.pieces.push(piece);
    else {
      for (let done = 0; done < piece.length; ) done += writeSync(this.spill!, piece, done, piece.length - done, this.spillSize + done);
      this.spillSize += piece.length;
    }
  }

  private finish(): void {
    const r = this.receiving;
    if (!r) return;
    this.receiving = null;
    if (r.node.offset === undefined) r.node.data = r.pieces.length === 1 ? r.pieces[0]! : Buffer.concat(r.pieces, r.node.stat.size);
    this.place(r.rel, r.node);
  }

  /** Puts a node at `rel`, making its parents directories and dropping what it replaces. */
  private place(rel: string, node: Node): void {
    const parent = posix.dirname(rel) === '.' ? '' : posix.dirname(rel);
    let dir = this.nodes.get(parent);
    if (dir?.stat.type !== 'directory') {
      this.place(parent, dirNode(0o755, 0));
      dir = this.nodes.get(parent)!;
    }
    const old = this.nodes.get(rel);
    if (old?.children && node.children) node.children = old.children;
    else if (old) this.remove(rel);
    this.nodes.set(rel, node);
    dir.children!.add(posix.basename(rel));
  }

  /** Drops `rel` and everything below it (.dockerignore). */
  remove(rel: string): void {
    const node = this.nodes.get(rel);
    if (!node || rel === '') return;
    for (const child of node.children ?? []) this.remove(`${rel}/${child}`);
    this.nodes.delete(rel);
    this.nodes.get(posix.dirname(rel) === '.' ? '' : posix.dirname(rel))?.children?.delete(posix.basename(rel));
  }

  stat(rel: string): SourceStat | null {
    return this.nodes.get(rel)?.stat ?? null;
  }

  readdir(rel: string): string[] {
    return [...(this.nodes.get(rel)?.children ?? [])].sort(byteOrder);
  }

  symlinkTarget(rel: string): string | null {
    const node = this.nodes.get(rel);
    return node?.stat.type === 'symlink' ? node.linkname! : null;
  }

  private file(rel: string): Node {
    const node = this.nodes.get(rel);
    if (node?.stat.type !== 'file') throw invalidArgument('build_context', `${rel} is no file in the build context`);
    return node;
  }

  read(rel: string, limit = Infinity): Buffer {
    const node = this.file(rel);
    const n = Math.min(limit, node.stat.size);
    if (node.data) return node.data.subarray(0, n);
    const buf = Buffer.alloc(n);
    for (let got = 0; got < n; ) {
      const r = this.readAt(rel, buf, got, n - got, got);
      if (r === 0) break;
      got += r;
    }
    return buf;
  }

  readAt(rel: string, buf: Buffer, offset: number, length: number, position: number): number {
    const node = this.file(rel);
    const n = Math.max(0, Math.min(length, node.stat.size - position));
    if (node.data) return node.data.copy(buf, offset, position, position + n);
    return n === 0 ? 0 : readSync(this.spill!, buf, offset, n, node.offset! + position);
  }

  openRead(rel: string): Readable {
    const node = this.file(rel);
    if (node.data || node.stat.size === 0) return Readable.from([node.data ?? Buffer.alloc(0)]);
    return createReadStream(this.opts.spillPath, { start: node.offset!, end: node.offset! + node.stat.size - 1 });
  }

  /** Removes the spill file. */
  async close(): Promise<void> {
    const spill = this.spill;
    this.spill = null;
    if (spill !== null) {
      closeSync(spill);
      await rm(this.opts.spillPath, { force: true });
    }
  }
}

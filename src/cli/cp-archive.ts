import { createReadStream, createWriteStream, type Stats } from 'node:fs';
import { chmod, lstat, link, mkdir, readdir, readlink, realpath, rm, stat, symlink, utimes, lutimes } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { archiveEntryName, goClean, splitPathDirEntry } from '../lib/archive-paths.js';
import { getRebaseName, rebaseEntryName, type CopyInfo } from './cp-rules.js';

/*
 * The local side of `cp`: a tar of a local path as docker/cli sends it, a rebasing pass over an
 * archive, and the extraction of one into a local directory.
 */

const lstatOrNull = (p: string): Promise<Stats | null> =>
  lstat(p).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
    throw e;
  });

type EntryHeader = Parameters<tar.Pack['entry']>[0];

const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** docker's CopyInfoSourcePath: symlinks before the last element are followed (all of them with -L). */
export async function copyInfoSourcePath(path: string, followLink: boolean): Promise<CopyInfo> {
  let resolved: string;
  let rebaseName = '';
  if (followLink) {
    ({ resolved, rebaseName } = getRebaseName(path, await realpath(path)));
  } else {
    const slash = path.lastIndexOf('/');
    const dir = path.slice(0, slash + 1);
    const base = path.slice(slash + 1);
    resolved = `${dir === '' ? '' : await realpath(dir)}/${base}`;
    if (path.endsWith('/') && posix.basename(goClean(path)) !== posix.basename(goClean(resolved))) rebaseName = posix.basename(goClean(path));
  }
  const st = await lstat(resolved);
  return { path: resolved, exists: true, isDir: st.isDirectory(), rebaseName };
}

/** docker's CopyInfoDestinationPath: a symlink at the end is followed (even broken); a missing path needs its parent. */
export async function copyInfoDestinationPath(path: string): Promise<CopyInfo> {
  let current = path;
  let st = await lstatOrNull(current);
  for (let n = 0; st?.isSymbolicLink(); n++) {
    if (n > 10) throw new Error(`too many symlinks in ${path}`);
    const target = await readlink(current);
    current = target.startsWith('/') ? target : join(splitPathDirEntry(current).dir, target);
    st = await lstatOrNull(current);
  }
  if (st !== null) return { path: current, exists: true, isDir: st.isDirectory(), rebaseName: '' };
  const parent = splitPathDirEntry(current).dir;
  const pst = await stat(parent).catch(() => null);
  if (pst === null) throw new Error(`stat ${parent}: no such file or directory`);
  if (!pst.isDirectory()) throw new Error('not a directory');
  return { path: current, exists: false, isDir: false, rebaseName: '' };
}

/** docker/cli's ValidateOutputPath for a local destination. */
export async function validateOutputPath(path: string): Promise<void> {
  const dir = posix.dirname(goClean(path));
  if (dir !== '.' && (await stat(dir).catch(() => null)) === null) throw new Error(`invalid output path: directory "${dir}" does not exist`);
  const st = await stat(path).catch(() => null);
  if (st !== null && !st.isDirectory() && !st.isFile()) {
    throw new Error(`invalid output path: "${path}" must be a directory or a regular file: got ${st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'an irregular file'}`);
  }
}

function headerOf(name: string, st: Stats): EntryHeader {
  return { name, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime, size: 0 };
}

/**
 * docker's TarResource: a tar of `src.path` whose entries are named from its base name (or its
 * rebase name): a directory's as `name/...`, "dir/." as `./...`. Symlinks are archived as links.
 */
export function tarLocal(src: CopyInfo): Readable {
  const { dir, base } = splitPathDirEntry(src.path);
  const rebase = src.rebaseName !== '' ? src.rebaseName : base;
  const pack = tar.pack();
  const inodes = new Map<string, string>();
  const add = (h: EntryHeader, body?: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (body === undefined) pack.entry(h, cb);
      else pipeline(createReadStream(body), pack.entry(h, cb)).catch(reject);
    });
  const visit = async (abs: string, sub: string): Promise<void> => {
    const st = await lstat(abs);
    const name = archiveEntryName(rebase, sub);
    const h = headerOf(name, st);
    if (st.isDirectory()) {
      await add({ ...h, name: `${name}/`, type: 'directory' });
      for (const child of (await readdir(abs)).sort(byteOrder)) await visit(join(abs, child), sub === '' ? child : `${sub}/${child}`);
    } else if (st.isSymbolicLink()) {
      await add({ ...h, type: 'symlink', linkname: await readlink(abs) });
    } else if (st.isFile()) {
      const key = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? inodes.get(key) : undefined;
      if (first !== undefined) await add({ ...h, type: 'link', linkname: first });
      else {
        if (st.nlink > 1) inodes.set(key, name);
        await add({ ...h, type: 'file', size: st.size }, abs);
      }
    }
    // Devices, FIFOs and sockets are left out: cp copies files.
  };
  visit(base === '.' ? dir : join(dir, base), '').then(
    () => pack.finalize(),
    (e: unknown) => pack.destroy(e instanceof Error ? e : new Error(String(e))),
  );
  return pack as unknown as Readable;
}

/** docker's RebaseArchiveEntries: the first `from` of each name (and hard link target) becomes `to`. */
export function rebaseArchive(input: Readable, from: string, to: string): Readable {
  const extract = tar.extract();
  const pack = tar.pack();
  const run = async (): Promise<void> => {
    const done = pipeline(input, extract);
    for await (const entry of extract) {
      const h = { ...entry.header, name: rebaseEntryName(entry.header.name, from, to) };
      if (h.type === 'link' && h.linkname) h.linkname = rebaseEntryName(h.linkname, from, to);
      await pipeline(entry, pack.entry(h));
    }
    await done;
    pack.finalize();
  };
  run().catch((e: unknown) => pack.destroy(e instanceof Error ? e : new Error(String(e))));
  return pack as unknown as Readable;
}

/** An entry's path under the extraction root; refuses names that climb out of it. */
function entryComps(name: string): string[] {
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) throw new Error(`invalid tar entry "${name}": it is outside of the destination`);
      out.pop();
    } else out.push(part);
  }
  return out;
}

/** Creates missing parents; an existing parent must be a real directory, never a symlink, so nothing is written outside the root. */
async function parentOf(root: string, comps: readonly string[], name: string, create: boolean): Promise<string> {
  let dir = root;
  for (const c of comps.slice(0, -1)) {
    dir = join(dir, c);
    const st = await lstatOrNull(dir);
    if (st === null && create) await mkdir(dir, { mode: 0o755 });
    else if (st === null || !st.isDirectory()) throw new Error(`invalid tar entry "${name}": "${c}" is not a directory of the destination`);
  }
  return dir;
}

/**
 * docker's Untar as cp uses it (no chown, no directory replaced by a non-directory or the
 * reverse): extracts `input` into the existing directory `dest`. Entries never go outside it:
 * names are confined, parents must be real directories, hard links must point inside.
 */
export async function extractTo(input: Readable, dest: string): Promise<void> {
  const root = await realpath(dest);
  const extract = tar.extract();
  const done = pipeline(input, extract);
  const dirTimes: Array<[string, Date]> = [];
  try {
    for await (const entry of extract) {
      const h = entry.header;
      const comps = entryComps(h.name);
      if (comps.length === 0) {
        entry.resume();
        continue;
      }
      const path = join(await parentOf(root, comps, h.name, true), comps[comps.length - 1]!);
      const isDir = h.type === 'directory';
      const existing = await lstatOrNull(path);
      if (existing !== null && existing.isDirectory() !== isDir) {
        throw new Error(existing.isDirectory() ? `cannot overwrite directory "${path}" with non-directory "${h.name}"` : `cannot overwrite non-directory "${path}" with directory "${h.name}"`);
      }
      if (existing !== null && !isDir) await rm(path, { force: true });
      const mode = (h.mode ?? 0o644) & 0o7777;
      const mtime = h.mtime ?? new Date();
      switch (h.type) {
        case 'directory':
          if (existing === null) await mkdir(path, { mode });
          await chmod(path, mode);
          dirTimes.push([path, mtime]);
          entry.resume();
          break;
        case 'file':
        case 'contiguous-file':
          await pipeline(entry, createWriteStream(path, { flags: 'wx', mode }));
          await chmod(path, mode);
          await utimes(path, mtime, mtime);
          break;
        case 'symlink':
          entry.resume();
          await symlink(h.linkname ?? '', path);
          await lutimes(path, mtime, mtime);
          break;
        case 'link': {
          entry.resume();
          const target = entryComps(h.linkname ?? '');
          const abs = join(await parentOf(root, target, h.name, false), target[target.length - 1] ?? '');
          const st = await lstatOrNull(abs);
          if (target.length === 0 || st === null || st.isDirectory()) throw new Error(`invalid hard link "${h.name}" -> "${h.linkname ?? ''}"`);
          await link(abs, path);
          break;
        }
        default:
          // Devices and FIFOs need privileges the copy does not assume.
          entry.resume();
      }
    }
    await done;
  } catch (e) {
    input.destroy();
    throw e;
  }
  for (const [path, t] of dirTimes.reverse()) await utimes(path, t, t).catch(() => undefined);
}

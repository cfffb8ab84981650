import { lstatSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { invalidArgument } from '../../lib/errors.js';

const escapes = (entry: string): Error =>
  invalidArgument('layer_path_escape', `layer entry "${entry}" escapes the layer root`);

/**
 * Cleans a tar path into components relative to the layer root: a leading `/` is stripped
 * (absolute names are confined to the root), `.` and empty parts dropped, `..` applied lexically.
 * Throws InvalidArgument, naming `entry`, if `..` climbs above the root. [] means the root.
 */
export function cleanPath(name: string, entry: string = name): string[] {
  if (name.includes('\0')) throw invalidArgument('layer_path_invalid', `layer entry "${entry}" has a NUL byte in its path`);
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) throw escapes(entry);
      out.pop();
      continue;
    }
    out.push(part);
  }
  return out;
}

/**
 * A directory into which a layer is written, with openat-like resolution emulated by lstat:
 * every parent component must be a real directory inside the root, never a symlink, so nothing
 * the archive creates can redirect a later write outside. Assumes nobody else writes under the
 * root meanwhile (it is a fresh snapshot), which makes caching verified directories sound.
 */
export class LayerRoot {
  private readonly verified = new Set<string>();

  /** `root` must be absolute and canonical (realpath). */
  constructor(readonly root: string) {}

  abs(comps: readonly string[]): string {
    return comps.length === 0 ? this.root : join(this.root, ...comps);
  }

  /**
   * Absolute path of the directory that holds `comps`' last component, after checking each
   * parent with lstat (synchronously: see apply.ts). Missing parents are created (mode 0755) when `create`, else it throws.
   */
  parentDir(comps: readonly string[], entry: string, create: boolean): string {
    for (let i = 1; i < comps.length; i++) {
      const rel = comps.slice(0, i).join('/');
      if (this.verified.has(rel)) continue;
      const abs = join(this.root, rel);
      const st = lstatSync(abs, { throwIfNoEntry: false });
      if (st === undefined) {
        if (!create) throw invalidArgument('layer_path_missing', `layer entry "${entry}": "${rel}" does not exist in the layer`);
        mkdirSync(abs, { mode: 0o755 });
        this.verified.add(rel);
        continue;
      }
      if (st.isSymbolicLink()) {
        throw invalidArgument('layer_path_symlink', `layer entry "${entry}" goes through symlink "${rel}"`);
      }
      if (!st.isDirectory()) {
        throw invalidArgument('layer_path_not_dir', `layer entry "${entry}": "${rel}" is not a directory`);
      }
      this.verified.add(rel);
    }
    return comps.length <= 1 ? this.root : join(this.root, ...comps.slice(0, -1));
  }

  /** Records a directory the caller just made or checked. */
  markDir(comps: readonly string[]): void {
    this.verified.add(comps.join('/'));
  }

  /** Forgets every verified directory: call after removing anything under the root. */
  forget(): void {
    this.verified.clear();
  }
}

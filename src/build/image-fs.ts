import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';

export interface FsEntry {
  /** Host path of the entry's topmost version. */
  abs: string;
  st: Stats;
}

const isWhiteout = (st: Stats): boolean => st.isCharacterDevice() && st.rdev === 0;

/**
 * A read-only view of stacked layer directories (topmost first) as one tree, honouring whiteouts;
 * a build context is the one-layer case. Paths are relative, '/'-separated, already cleaned.
 */
export class LayeredFs {
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
    return [...seen].filter(([, live]) => live).map(([n]) => n).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }
}

/**
 * Go's text/tabwriter (the parts docker uses): tab-terminated cells, columns aligned per block of
 * consecutive lines that have a cell in that column, the text after the last tab of a line is not
 * part of any column and is never padded. Widths count code points, as Go counts runes.
 */

export interface TabwriterOptions {
  /** Minimal cell width, padding included. */
  minwidth: number;
  /** Width of a tab; only matters when padchar is '\t'. */
  tabwidth: number;
  /** Added to the widest cell of a column. */
  padding: number;
  padchar: string;
}

/** docker/cli's `tabwriter.NewWriter(out, 10, 1, 3, ' ', 0)`. */
export const DOCKER_TABWRITER: TabwriterOptions = { minwidth: 10, tabwidth: 1, padding: 3, padchar: ' ' };

interface Cell {
  text: string;
  width: number;
}

function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function paddingFor(textWidth: number, cellWidth: number, opts: TabwriterOptions): string {
  if (opts.padchar === '\t') {
    // Go pads with tabs to the next tab stop beyond the text.
    const tw = opts.tabwidth > 0 ? opts.tabwidth : 1;
    const target = Math.ceil(cellWidth / tw) * tw;
    return '\t'.repeat(Math.ceil((target - textWidth) / tw));
  }
  return opts.padchar.repeat(Math.max(cellWidth - textWidth, 0));
}

/** Aligns tab-separated text as a Go tabwriter with these settings would, then flushed. */
export function formatTabular(text: string, opts: TabwriterOptions = DOCKER_TABWRITER): string {
  const rawLines = text.split('\n');
  const lines: Cell[][] = rawLines.map((l) => l.split('\t').map((t) => ({ text: t, width: runeCount(t) })));
  const out: string[] = [];
  const widths: number[] = [];

  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const line = lines[i] ?? [];
      let s = '';
      line.forEach((cell, j) => {
        s += cell.text;
        const w = widths[j];
        if (j < line.length - 1 && w !== undefined) s += paddingFor(cell.width, w, opts);
      });
      out.push(s);
    }
  };

  // Go's recursive column-block formatting: a block in column `widths.length` spans the
  // consecutive lines that have a tab-terminated cell there.
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    let start = line0;
    for (let i = line0; i < line1; i++) {
      if (column >= (lines[i]?.length ?? 0) - 1) continue;
      writeLines(start, i);
      start = i;
      let width = opts.minwidth;
      for (; i < line1; i++) {
        const line = lines[i] ?? [];
        if (column >= line.length - 1) break;
        width = Math.max(width, (line[column]?.width ?? 0) + opts.padding);
      }
      widths.push(width);
      format(start, i);
      widths.pop();
      start = i;
    }
    writeLines(start, line1);
  };

  format(0, lines.length);
  return out.join('\n');
}

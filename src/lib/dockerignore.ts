import { posix } from 'node:path';

interface Pattern {
  re: RegExp;
  exclusion: boolean;
}

/** Reads a .dockerignore file's text into patterns: comments and blank lines dropped, paths cleaned. */
export function parseDockerignore(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const neg = line.startsWith('!');
    if (neg) line = line.slice(1).trim();
    // As Docker: patterns are cleaned paths, relative to the context root.
    line = posix.normalize(line).replace(/^\/+/, '').replace(/\/+$/, '');
    if (line === '' || line === '.') continue;
    out.push(neg ? `!${line}` : line);
  }
  return out;
}

/** Go's filepath.Match syntax plus `**` (any number of directories), as a regular expression. */
function toRegExp(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        // `**/` may match nothing; a trailing `**` matches everything below.
        if (pattern[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = `!${cls.slice(1)}`;
      re += `[${cls.startsWith('!') ? `^${cls.slice(1)}` : cls}]`.replace(/\\(?!\])/g, '\\\\');
      i = end;
    } else if (ch === '\\' && i + 1 < pattern.length) {
      re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else re += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`${re}$`);
}

/**
 * Docker's .dockerignore semantics: patterns apply in order and the last one that matches a path
 * or any of its parent directories decides; `!pattern` re-includes.
 */
export class DockerignoreMatcher {
  private readonly patterns: Pattern[];

  constructor(patterns: readonly string[]) {
    this.patterns = patterns.map((p) => ({ re: toRegExp(p.startsWith('!') ? p.slice(1) : p), exclusion: p.startsWith('!') }));
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  /** Whether a context-relative, '/'-separated path is left out. */
  excludes(rel: string): boolean {
    const parts = rel.split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const p of this.patterns) {
      if (prefixes.some((x) => p.re.test(x))) excluded = !p.exclusion;
    }
    return excluded;
  }

  /**
   * Whether a directory that is excluded may still hold re-included paths, so a walker must
   * descend into it (an exception pattern could match below it).
   */
  mayReinclude(dirRel: string): boolean {
    return this.patterns.some((p) => p.exclusion && (p.re.source.startsWith(`^${escapeRe(dirRel)}\\/`) || p.re.source.includes('.*')));
  }
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

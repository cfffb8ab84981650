import { invalidArgument } from '../lib/errors.js';

/** One Dockerfile instruction as written, before variable substitution. */
export interface Instruction {
  /** Upper-case keyword (`RUN`, `COPY`…). */
  keyword: string;
  /** `--name=value` flags in front of the arguments (`COPY --from=x`), in order. */
  flags: { name: string; value: string | undefined }[];
  /** The text after the keyword and flags, continuations joined. */
  rest: string;
  /** Exec form (`["a","b"]`) when the text is a JSON array of strings. */
  json: string[] | undefined;
  /** 1-based line where the instruction starts. */
  line: number;
  /** The instruction as Docker echoes it in `Step n/m :` (continuations joined). */
  original: string;
  /** Here-documents (`<<EOF` … `EOF`) of a RUN, COPY or ADD, in order. */
  heredocs: Heredoc[];
}

export interface Heredoc {
  name: string;
  body: string;
  /** False when the delimiter was quoted (`<<"EOF"`): no variable expansion. */
  expand: boolean;
}

const HEREDOC_KEYWORDS = new Set(['ADD', 'COPY', 'RUN']);
const HEREDOC_MARKER = /<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g;

export interface Dockerfile {
  escape: string;
  instructions: Instruction[];
}

export const KEYWORDS = new Set([
  'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL',
  'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
]);

/** Instructions whose arguments may be a JSON array (exec form). */
const JSON_FORMS = new Set(['ADD', 'CMD', 'COPY', 'ENTRYPOINT', 'RUN', 'SHELL', 'VOLUME']);
/** Instructions that take `--flag` options before their arguments. */
const FLAGGED = new Set(['ADD', 'COPY', 'FROM', 'HEALTHCHECK', 'RUN']);

const syntaxError = (file: string, line: number, msg: string): Error =>
  invalidArgument('dockerfile_parse', `dockerfile parse error line ${line} of ${file}: ${msg}`);

/** Leading `# directive=value` lines (escape, syntax), which stop at the first other line. */
function readDirectives(lines: string[]): { escape: string; consumed: number } {
  let escape = '\\';
  let i = 0;
  const seen = new Set<string>();
  for (; i < lines.length; i++) {
    const m = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/.exec(lines[i] ?? '');
    if (!m) break;
    const name = m[1]!.toLowerCase();
    if (seen.has(name)) break;
    seen.add(name);
    if (name === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`') throw invalidArgument('dockerfile_parse', `invalid escape token '${m[2]}' does not match ` + '` or \\');
      escape = m[2]!;
    }
  }
  return { escape, consumed: i };
}

function parseJsonArray(text: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v as string[]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Parses Dockerfile text into instructions: directives, comments, blank lines and line
 * continuations (the escape character at a line's end) are handled; keywords are checked;
 * `file` names the Dockerfile in errors, which give the line and instruction.
 */
export function parseDockerfile(text: string, file = 'Dockerfile'): Dockerfile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const { escape, consumed } = readDirectives(lines);
  const instructions: Instruction[] = [];
  const continues = (l: string): boolean => {
    const t = l.replace(/[ \t]+$/, '');
    if (!t.endsWith(escape)) return false;
    // An escaped escape character (`\\`) at the end is a literal, not a continuation.
    let n = 0;
    for (let i = t.length - 1; i >= 0 && t[i] === escape; i--) n++;
    return n % 2 === 1;
  };
  for (let i = consumed; i < lines.length; i++) {
    const first = lines[i]!;
    const trimmed = first.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const start = i + 1;
    let joined = first.trimStart();
    while (continues(joined) && i + 1 < lines.length) {
      joined = joined.replace(/[ \t]+$/, '').slice(0, -1);
      i++;
      let next = lines[i]!;
      // Comment and empty lines inside a continuation are dropped, as Docker does.
      while ((next.trim() === '' || next.trimStart().startsWith('#')) && i + 1 < lines.length) next = lines[++i]!;
      if (next.trim() === '' || next.trimStart().startsWith('#')) break;
      joined += next;
    }
    if (continues(joined)) joined = joined.replace(/[ \t]+$/, '').slice(0, -1);
    const ins = parseInstruction(joined.trim(), start, file, escape);
    if (HEREDOC_KEYWORDS.has(ins.keyword) && !ins.json) {
      for (const m of ins.rest.matchAll(HEREDOC_MARKER)) {
        const stripTabs = m[1] === '-';
        const body: string[] = [];
        for (;;) {
          if (++i >= lines.length) throw syntaxError(file, start, `unterminated heredoc ${m[3]}`);
          const line = stripTabs ? lines[i]!.replace(/^\t+/, '') : lines[i]!;
          if (line === m[3]) break;
          body.push(line);
        }
        ins.heredocs.push({ name: m[3]!, body: body.map((l) => `${l}\n`).join(''), expand: m[2] === '' });
      }
    }
    instructions.push(ins);
  }
  return { escape, instructions };
}

function parseInstruction(text: string, line: number, file: string, escape: string): Instruction {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(text);
  const word = m?.[1] ?? '';
  const keyword = word.toUpperCase();
  if (!KEYWORDS.has(keyword)) throw syntaxError(file, line, `unknown instruction: ${word}`);
  let rest = (m?.[2] ?? '').trim();
  const flags: Instruction['flags'] = [];
  if (FLAGGED.has(keyword)) {
    for (;;) {
      const f = /^--([a-zA-Z][a-zA-Z0-9-]*)(?:=(\S*))?(?:\s+|$)/.exec(rest);
      if (!f) break;
      flags.push({ name: f[1]!, value: f[2] });
      rest = rest.slice(f[0].length);
    }
  }
  const json = JSON_FORMS.has(keyword) ? parseJsonArray(rest) : undefined;
  if (rest === '' && !['CMD', 'ENTRYPOINT', 'RUN'].includes(keyword)) {
    throw syntaxError(file, line, `${keyword} requires at least one argument`);
  }
  if (keyword === 'ENV' || keyword === 'LABEL' || keyword === 'ARG') checkNameValues(keyword, rest, file, line, escape);
  return { keyword, flags, rest, json, line, original: text, heredocs: [] };
}

function checkNameValues(keyword: string, rest: string, file: string, line: number, escape: string): void {
  if (keyword === 'ARG') return;
  const words = splitQuoted(rest, escape);
  if (words.length === 0) throw syntaxError(file, line, `${keyword} requires at least one argument`);
  // The legacy `ENV name value` form needs two words; the `name=value` form needs '=' in each.
  if (!words[0]!.includes('=')) {
    if (words.length < 2) throw syntaxError(file, line, `${keyword} must have two arguments`);
    return;
  }
  for (const w of words) if (!w.includes('=')) throw syntaxError(file, line, `${keyword} names can not be blank`);
}

/**
 * Splits on unquoted whitespace, keeping quotes and escapes in the words (they are removed later,
 * with substitution). Used for `ENV a=b c="d e"`.
 */
export function splitQuoted(text: string, escape = '\\'): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote === null && /\s/.test(ch)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (ch === escape && quote !== "'" && i + 1 < text.length) {
      cur += ch + text[++i]!;
      continue;
    }
    if (quote === null && (ch === '"' || ch === "'")) quote = ch;
    else if (quote === ch) quote = null;
    cur += ch;
  }
  if (inWord) out.push(cur);
  return out;
}

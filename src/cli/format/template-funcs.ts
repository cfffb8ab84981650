/**
 * The functions docker/cli adds to its templates (`json`, `join`, `upper`, …), with Go's
 * strings-package semantics, and Go-compatible JSON encoding.
 */
import { formatValue, goTypeName, isGoInt } from './gofmt.js';
import { TemplateCallError } from './template-errors.js';

export type TemplateFunc = (...args: unknown[]) => unknown;

/** Go's "wrong number of args" report for a template function. */
export function checkArity(name: string, args: readonly unknown[], want: number): void {
  if (args.length !== want) {
    throw new TemplateCallError(`wrong number of args for ${name}: want ${want} got ${args.length}`);
  }
}

function wrongType(expected: string, v: unknown): TemplateCallError {
  if (v === null || v === undefined) return new TemplateCallError(`invalid value; expected ${expected}`);
  return new TemplateCallError(`wrong type for value; expected ${expected}; got ${goTypeName(v)}`);
}

/** A string argument, as Go's typed function parameters demand. */
export function wantString(v: unknown): string {
  if (typeof v !== 'string') throw wrongType('string', v);
  return v;
}

function wantInt(v: unknown): number {
  if (typeof v !== 'number' || !isGoInt(v)) throw wrongType('int', v);
  return v;
}

/**
 * JSON as Go's encoder writes it. Go escapes U+2028/U+2029 always and `<`, `>`, `&` unless
 * HTML escaping is off (docker's `json` template function turns it off; json.Marshal, used by
 * `inspect`, keeps it on). Those characters only occur inside JSON strings, so replacing them
 * in the output is safe.
 */
export function goJson(value: unknown, opts: { escapeHTML: boolean; indent?: number }): string {
  const text = JSON.stringify(value, null, opts.indent) ?? 'null';
  const re = opts.escapeHTML ? /[<>&\u2028\u2029]/g : /[\u2028\u2029]/g;
  return text.replace(re, (c) => '\\u' + (c.codePointAt(0) ?? 0).toString(16).padStart(4, '0'));
}

/** unicode.ToUpper/ToLower work rune by rune: a rune never becomes two (ß stays ß). */
function mapRunes(s: string, f: (c: string) => string): string {
  let out = '';
  for (const c of s) {
    const m = f(c);
    out += Array.from(m).length === 1 ? m : c;
  }
  return out;
}

/** strings.Title's word separators. */
function isSeparator(c: string): boolean {
  if (/^[0-9A-Za-z_]$/.test(c)) return false;
  if ((c.codePointAt(0) ?? 0) < 0x80) return true;
  if (/^[\p{L}\p{Nd}]$/u.test(c)) return false;
  return /^\s$/u.test(c);
}

function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const c of s) {
    out += isSeparator(prev) ? mapRunes(c, (x) => x.toUpperCase()) : c;
    prev = c;
  }
  return out;
}

/**
 * Marks a list command's row (docker/cli's formatter contexts): their MarshalJSON goes through
 * json.Marshal of a map, so `{{json .}}` of a row has sorted keys and HTML escaping on.
 */
const LIST_ROW = Symbol('list row');

export function asListRow<T extends object>(row: T): T {
  return Object.defineProperty(row, LIST_ROW, { value: true });
}

/** A row's JSON as docker/cli's formatter contexts marshal it (see asListRow). */
export function listRowJson(row: Record<string, unknown>): string {
  return goJson(Object.fromEntries(Object.keys(row).sort().map((k) => [k, row[k]])), { escapeHTML: true });
}

/** docker/cli's template functions (templates.basicFunctions). */
export const dockerTemplateFuncs: Record<string, TemplateFunc> = {
  json: (...args) => {
    checkArity('json', args, 1);
    const v = args[0];
    if (typeof v === 'object' && v !== null && LIST_ROW in v) return listRowJson(v as Record<string, unknown>);
    return goJson(v, { escapeHTML: false });
  },
  split: (...args) => {
    checkArity('split', args, 2);
    const s = wantString(args[0]);
    const sep = wantString(args[1]);
    return sep === '' ? Array.from(s) : s.split(sep);
  },
  join: (...args) => {
    checkArity('join', args, 2);
    const [list, sep] = args;
    if (list === null) return '';
    if (!Array.isArray(list)) throw wrongType('[]string', list);
    return list.map((e) => (typeof e === 'string' ? e : formatValue(e))).join(wantString(sep));
  },
  title: (...args) => {
    checkArity('title', args, 1);
    return title(wantString(args[0]));
  },
  lower: (...args) => {
    checkArity('lower', args, 1);
    return mapRunes(wantString(args[0]), (c) => c.toLowerCase());
  },
  upper: (...args) => {
    checkArity('upper', args, 1);
    return mapRunes(wantString(args[0]), (c) => c.toUpperCase());
  },
  pad: (...args) => {
    checkArity('pad', args, 3);
    const s = wantString(args[0]);
    const left = wantInt(args[1]);
    const right = wantInt(args[2]);
    if (s === '') return s;
    return ' '.repeat(Math.max(left, 0)) + s + ' '.repeat(Math.max(right, 0));
  },
  truncate: (...args) => {
    checkArity('truncate', args, 2);
    const s = wantString(args[0]);
    const n = wantInt(args[1]);
    // Go cuts bytes, not characters.
    const bytes = Buffer.from(s, 'utf8');
    return bytes.length < n ? s : bytes.subarray(0, Math.max(n, 0)).toString('utf8');
  },
};

/**
 * A pflag-compatible command-line parser: long flags (`--name x`, `--name=x`), combined shorthands
 * (`-dit`, `-ename=x`, `-e=x`), booleans (`--rm=false`), repeated list flags, the `--` terminator, and
 * optional non-interspersed parsing (flags stop at the first positional, as for `run IMAGE CMD...`).
 * Errors carry pflag's exact wording; the caller prints them as usage errors (exit 125).
 */

export type FlagType = 'bool' | 'string' | 'int' | 'list';

export interface FlagSpec {
  name: string;
  short?: string;
  type: FlagType;
  description: string;
  /** Type word shown in help (`string`, `list`, `bytes`, `decimal`, `ulimit`…); defaults from `type`. */
  valueName?: string;
  /** Default shown in help, already rendered (`"all"`, `-1`); omitted when zero. */
  defaultText?: string;
  hidden?: boolean;
  /** Throws an Error whose message follows pflag's `invalid argument "v" for "-x, --flag" flag: `. */
  validate?: (value: string) => void;
}

/** A user's mistake on the command line: printed with the usage line, exit 125. */
export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

export class ParsedFlags {
  constructor(
    private readonly values: Map<string, string[]>,
    readonly args: string[],
  ) {}

  changed(name: string): boolean {
    return this.values.has(name);
  }

  bool(name: string, fallback = false): boolean {
    const v = this.values.get(name);
    return v === undefined ? fallback : parseBool(v[v.length - 1] ?? '') === true;
  }

  string(name: string): string | undefined {
    const v = this.values.get(name);
    return v === undefined ? undefined : v[v.length - 1];
  }

  int(name: string): number | undefined {
    const v = this.string(name);
    return v === undefined ? undefined : Number.parseInt(v, 10);
  }

  list(name: string): string[] {
    return this.values.get(name) ?? [];
  }
}

function parseBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  return undefined;
}

/** `"-m, --memory"` or `"--cpus"`, as pflag names a flag in errors. */
export function flagDisplayName(spec: FlagSpec): string {
  return spec.short !== undefined ? `-${spec.short}, --${spec.name}` : `--${spec.name}`;
}

function checkValue(spec: FlagSpec, value: string): void {
  const fail = (why: string): never => {
    throw new FlagError(`invalid argument "${value}" for "${flagDisplayName(spec)}" flag: ${why}`);
  };
  if (spec.type === 'bool' && parseBool(value) === undefined) {
    fail(`strconv.ParseBool: parsing "${value}": invalid syntax`);
  }
  if (spec.type === 'int') {
    if (!/^[+-]?[0-9]+$/.test(value)) fail(`strconv.ParseInt: parsing "${value}": invalid syntax`);
    if (!Number.isSafeInteger(Number(value))) fail(`strconv.ParseInt: parsing "${value}": value out of range`);
  }
  if (spec.validate !== undefined) {
    try {
      spec.validate(value);
    } catch (e) {
      fail(e instanceof Error ? e.message : String(e));
    }
  }
}

export const HELP_FLAG: FlagSpec = { name: 'help', type: 'bool', description: 'Print usage' };

export interface ParseOptions {
  /** Stop at the first positional argument; the rest are passed through untouched. */
  interspersed: boolean;
}

/**
 * Parses `argv` against `specs` (a `--help` flag is always known; `-h` means help unless a spec
 * claims it). Returns the values and positionals, or throws FlagError.
 */
export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[], options: ParseOptions = { interspersed: true }): ParsedFlags {
  const byName = new Map<string, FlagSpec>();
  const byShort = new Map<string, FlagSpec>();
  for (const s of [...specs, HELP_FLAG]) {
    byName.set(s.name, s);
    if (s.short !== undefined) byShort.set(s.short, s);
  }
  if (!byShort.has('h')) byShort.set('h', HELP_FLAG);

  const values = new Map<string, string[]>();
  const set = (spec: FlagSpec, value: string): void => {
    checkValue(spec, value);
    const prev = values.get(spec.name);
    if (spec.type === 'list' && prev !== undefined) prev.push(value);
    else values.set(spec.name, [value]);
  };
  const args: string[] = [];

  let i = 0;
  while (i < argv.length) {
    const arg = argv[i++] ?? '';
    if (arg === '--') {
      args.push(...argv.slice(i));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      args.push(arg);
      if (!options.interspersed) {
        args.push(...argv.slice(i));
        break;
      }
      continue;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      const spec = byName.get(name);
      if (spec === undefined) throw new FlagError(`unknown flag: --${name}`);
      if (eq !== -1) set(spec, arg.slice(eq + 1));
      else if (spec.type === 'bool') set(spec, 'true');
      else if (i < argv.length) set(spec, argv[i++] ?? '');
      else throw new FlagError(`flag needs an argument: --${name}`);
      continue;
    }
    // Shorthand cluster: `-dit`, `-ename=x` (value is the rest), `-e=x`, `-e x`.
    let rest = arg.slice(1);
    while (rest.length > 0) {
      const c = rest[0] ?? '';
      const spec = byShort.get(c);
      if (spec === undefined) throw new FlagError(`unknown shorthand flag: '${c}' in ${arg}`);
      if (rest.length > 2 && rest[1] === '=') {
        set(spec, rest.slice(2));
        rest = '';
      } else if (spec.type === 'bool') {
        set(spec, 'true');
        rest = rest.slice(1);
      } else if (rest.length > 1) {
        set(spec, rest.slice(1));
        rest = '';
      } else if (i < argv.length) {
        set(spec, argv[i++] ?? '');
        rest = '';
      } else {
        throw new FlagError(`flag needs an argument: '${c}' in -${c}`);
      }
    }
  }
  return new ParsedFlags(values, args);
}

function typeWord(spec: FlagSpec): string {
  if (spec.valueName !== undefined) return spec.valueName;
  switch (spec.type) {
    case 'bool':
      return '';
    case 'list':
      return 'list';
    default:
      return spec.type;
  }
}

// pflag's wrapping: break at the last space before the limit, allowing a few characters of slop
// so a short final word is not orphaned.
function wrapOnce(limit: number, slop: number, s: string): [string, string] {
  if (limit + slop > s.length) return [s, ''];
  const head = s.slice(0, limit);
  const w = Math.max(head.lastIndexOf(' '), head.lastIndexOf('\t'), head.lastIndexOf('\n'));
  if (w <= 0) return [s, ''];
  const nl = head.lastIndexOf('\n');
  if (nl > 0 && nl < w) return [s.slice(0, nl), s.slice(nl + 1)];
  return [s.slice(0, w), s.slice(w + 1)];
}

function wrapText(indent: number, width: number, s: string): string {
  let wrapAt = width - indent;
  let out = '';
  if (wrapAt < 24) {
    indent = 16;
    wrapAt = width - indent;
    out += `\n${' '.repeat(indent)}`;
  }
  const pad = `\n${' '.repeat(indent)}`;
  if (wrapAt < 24) return out + s.replaceAll('\n', pad);
  const slop = 5;
  wrapAt -= slop;
  let [line, rest] = wrapOnce(wrapAt, slop, s);
  out += line.replaceAll('\n', pad);
  while (rest !== '') {
    [line, rest] = wrapOnce(wrapAt, slop, rest);
    out += pad + line.replaceAll('\n', pad);
  }
  return out;
}

/** The `Options:` block as pflag renders it: aligned, wrapped to `width - 1` columns. */
export function renderFlagUsages(specs: readonly FlagSpec[], width = 80): string {
  const visible = [...specs].filter((s) => s.hidden !== true).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const lines = visible.map((s) => {
    let head = s.short !== undefined ? `  -${s.short}, --${s.name}` : `      --${s.name}`;
    const word = typeWord(s);
    if (word !== '') head += ` ${word}`;
    const usage = s.defaultText !== undefined ? `${s.description} (default ${s.defaultText})` : s.description;
    return { head, usage };
  });
  const maxlen = Math.max(0, ...lines.map((l) => l.head.length + 1));
  return lines
    .map(({ head, usage }) => `${head} ${' '.repeat(maxlen - head.length)} ${wrapText(maxlen + 2, width - 1, usage)}\n`)
    .join('');
}

import { invalidArgument } from '../lib/errors.js';

/** Variables visible to substitution: ENV values and declared ARGs. */
export type Vars = ReadonlyMap<string, string>;

/**
 * Docker's word processing for instruction arguments (ENV, LABEL, COPY, WORKDIR…): removes quotes
 * ('…' literal; "…" with substitution and escapes), applies escapes, and substitutes `$VAR`,
 * `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}`, `${VAR+alt}`. Returns the words
 * (split on unquoted whitespace) — one word for a single-word context.
 */
export function processWords(text: string, vars: Vars, escape = '\\'): string[] {
  return new WordProcessor(text, vars, escape).words();
}

/** `processWords` for a context that takes the text as one word (whitespace kept). */
export function processWord(text: string, vars: Vars, escape = '\\'): string {
  return new WordProcessor(text, vars, escape).single();
}

class WordProcessor {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly vars: Vars,
    private readonly escape: string,
  ) {}

  single(): string {
    let out = '';
    while (this.i < this.s.length) out += this.next(false).text;
    return out;
  }

  words(): string[] {
    const out: string[] = [];
    let cur = '';
    let inWord = false;
    while (this.i < this.s.length) {
      const { text, space } = this.next(true);
      if (space) {
        if (inWord) out.push(cur);
        cur = '';
        inWord = false;
        continue;
      }
      cur += text;
      inWord = true;
    }
    if (inWord) out.push(cur);
    return out;
  }

  /** The next unit: a whitespace run (when splitting), a quoted string, an escape, a variable or a char. */
  private next(split: boolean): { text: string; space: boolean } {
    const ch = this.s[this.i]!;
    if (split && /\s/.test(ch)) {
      while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
      return { text: '', space: true };
    }
    if (ch === "'") {
      const end = this.s.indexOf("'", this.i + 1);
      if (end < 0) throw invalidArgument('dockerfile_quote', 'unexpected end of statement while looking for matching single-quote');
      const text = this.s.slice(this.i + 1, end);
      this.i = end + 1;
      return { text, space: false };
    }
    if (ch === '"') {
      this.i++;
      let text = '';
      for (;;) {
        if (this.i >= this.s.length) throw invalidArgument('dockerfile_quote', 'unexpected end of statement while looking for matching double-quote');
        const c = this.s[this.i]!;
        if (c === '"') {
          this.i++;
          break;
        }
        if (c === '$') text += this.variable();
        else if (c === this.escape && this.i + 1 < this.s.length && '"$\\`'.includes(this.s[this.i + 1]!)) {
          text += this.s[this.i + 1];
          this.i += 2;
        } else {
          text += c;
          this.i++;
        }
      }
      return { text, space: false };
    }
    if (ch === this.escape) {
      this.i++;
      if (this.i >= this.s.length) return { text: '', space: false };
      return { text: this.s[this.i++]!, space: false };
    }
    if (ch === '$') return { text: this.variable(), space: false };
    this.i++;
    return { text: ch, space: false };
  }

  private variable(): string {
    this.i++; // '$'
    const rest = this.s.slice(this.i);
    const plain = /^[A-Za-z_][A-Za-z0-9_]*|^[0-9]/.exec(rest);
    if (plain) {
      this.i += plain[0].length;
      return this.vars.get(plain[0]) ?? '';
    }
    if (!rest.startsWith('{')) return '$';
    this.i++;
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i))?.[0];
    if (!name) throw invalidArgument('dockerfile_substitution', `bad substitution: \${${rest.slice(1, rest.indexOf('}') >>> 0)}`);
    this.i += name.length;
    const value = this.vars.get(name);
    if (this.s[this.i] === '}') {
      this.i++;
      return value ?? '';
    }
    if (this.i >= this.s.length) throw invalidArgument('dockerfile_substitution', `missing '}' in substitution of ${name}`);
    const op = /^(:?[-+?])/.exec(this.s.slice(this.i))?.[0];
    if (!op) throw invalidArgument('dockerfile_substitution', `unsupported modifier (${this.s[this.i] ?? ''}) in substitution`);
    this.i += op.length;
    // The operand is itself a word: it may hold quotes and variables.
    let operand = '';
    while (this.i < this.s.length && this.s[this.i] !== '}') operand += this.next(false).text;
    if (this.s[this.i] !== '}') throw invalidArgument('dockerfile_substitution', `missing '}' in substitution of ${name}`);
    this.i++;
    const set = value !== undefined && (op.startsWith(':') ? value !== '' : true);
    switch (op.replace(':', '')) {
      case '-':
        return set ? value! : operand;
      case '+':
        return set ? operand : '';
      default:
        if (!set) throw invalidArgument('dockerfile_substitution', `${name}: ${operand || 'is not allowed to be unset'}`);
        return value!;
    }
  }
}

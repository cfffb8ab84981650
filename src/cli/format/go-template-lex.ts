/**
 * Lexer for Go's text/template with the default `{{ }}` delimiters. It produces the same token
 * stream as Go's lexer so that the parser can report Go's error messages.
 */
import { goQuote, isGoPrint } from './gofmt.js';

export type ItemType =
  | 'error'
  | 'bool'
  | 'char'
  | 'charConstant'
  | 'complex'
  | 'assign'
  | 'declare'
  | 'eof'
  | 'field'
  | 'identifier'
  | 'leftDelim'
  | 'leftParen'
  | 'number'
  | 'pipe'
  | 'rawString'
  | 'rightDelim'
  | 'rightParen'
  | 'space'
  | 'string'
  | 'text'
  | 'variable'
  // Keywords: printed as <word> in errors.
  | 'block'
  | 'break'
  | 'continue'
  | 'dot'
  | 'define'
  | 'else'
  | 'end'
  | 'if'
  | 'nil'
  | 'range'
  | 'template'
  | 'with';

export interface Item {
  typ: ItemType;
  /** Offset in the template text (UTF-16 units). */
  pos: number;
  val: string;
  line: number;
}

const KEYWORDS = new Set<ItemType>([
  'block', 'break', 'continue', 'dot', 'define', 'else', 'end', 'if', 'nil', 'range', 'template', 'with',
]);

const KEYWORD_WORDS: Record<string, ItemType> = {
  '.': 'dot',
  block: 'block',
  break: 'break',
  continue: 'continue',
  define: 'define',
  else: 'else',
  end: 'end',
  if: 'if',
  nil: 'nil',
  range: 'range',
  template: 'template',
  with: 'with',
};

/** An item as Go's parser quotes it in "unexpected X in Y" messages. */
export function itemString(item: Item): string {
  if (item.typ === 'eof') return 'EOF';
  if (item.typ === 'error') return item.val;
  if (KEYWORDS.has(item.typ)) return `<${item.val}>`;
  const runes = Array.from(item.val);
  if (runes.length > 10) return goQuote(runes.slice(0, 10).join('')) + '...';
  return goQuote(item.val);
}

/** Go's %#U: `U+0041 'A'`. */
export function formatCodePoint(cp: number): string {
  const hex = 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
  return isGoPrint(cp) ? `${hex} '${String.fromCodePoint(cp)}'` : hex;
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';

export function isAlphaNumeric(c: string | undefined): boolean {
  return c !== undefined && c !== '' && (c === '_' || /^[\p{L}\p{Nd}]$/u.test(c));
}

/** Lexes the whole template. The last item is either EOF or an error. */
export function lex(input: string): Item[] {
  const items: Item[] = [];
  const newlines: number[] = [];
  for (let i = input.indexOf('\n'); i >= 0; i = input.indexOf('\n', i + 1)) newlines.push(i);
  const lineAt = (pos: number): number => {
    let lo = 0;
    let hi = newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((newlines[mid] ?? 0) < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };

  let pos = 0;
  let start = 0;
  let parenDepth = 0;
  const emit = (typ: ItemType): void => {
    items.push({ typ, pos: start, val: input.slice(start, pos), line: lineAt(start) });
    start = pos;
  };
  const fail = (message: string): false => {
    items.push({ typ: 'error', pos: start, val: message, line: lineAt(start) });
    return false;
  };
  const peek = (): string | undefined => {
    const cp = input.codePointAt(pos);
    return cp === undefined ? undefined : String.fromCodePoint(cp);
  };
  const next = (): string | undefined => {
    const c = peek();
    if (c !== undefined) pos += c.length;
    return c;
  };
  const accept = (valid: string): boolean => {
    const c = peek();
    if (c !== undefined && valid.includes(c)) {
      pos += c.length;
      return true;
    }
    return false;
  };
  const acceptRun = (valid: string): void => {
    while (accept(valid));
  };
  const hasLeftTrimMarker = (at: number): boolean => input[at] === '-' && isSpace(input[at + 1]);
  const atRightDelim = (): { delim: boolean; trim: boolean } => {
    if (isSpace(input[pos]) && input[pos + 1] === '-' && input.startsWith('}}', pos + 2)) {
      return { delim: true, trim: true };
    }
    return { delim: input.startsWith('}}', pos), trim: false };
  };
  const skipSpaces = (): void => {
    while (isSpace(input[pos])) pos++;
    start = pos;
  };
  const atTerminator = (): boolean => {
    const c = peek();
    if (c === undefined || isSpace(c)) return true;
    // Like Go before 1.20, only the first rune of the delimiter is checked, so `{{.ID}` lexes
    // `}` as a character and the parser reports `unexpected "}" in operand`.
    return '.,|:)(}'.includes(c);
  };

  const lexComment = (): boolean => {
    const end = input.indexOf('*/', pos + 2);
    if (end < 0) return fail('unclosed comment');
    pos = end + 2;
    const { delim, trim } = atRightDelim();
    if (!delim) return fail('comment ends before closing delimiter');
    // Comments produce no item: Go only emits them in ParseComments mode.
    if (trim) pos += 2;
    pos += 2;
    start = pos;
    if (trim) skipSpaces();
    return true;
  };

  const lexNumberText = (): boolean => {
    const scan = (): boolean => {
      accept('+-');
      let digits = '0123456789_';
      if (accept('0')) {
        if (accept('xX')) digits = '0123456789abcdefABCDEF_';
        else if (accept('oO')) digits = '01234567_';
        else if (accept('bB')) digits = '01_';
      }
      acceptRun(digits);
      if (accept('.')) acceptRun(digits);
      if (digits.length === 11 && accept('eE')) {
        accept('+-');
        acceptRun('0123456789_');
      }
      if (digits.length === 23 && accept('pP')) {
        accept('+-');
        acceptRun('0123456789_');
      }
      accept('i');
      if (isAlphaNumeric(peek())) {
        next();
        return false;
      }
      return true;
    };
    if (!scan()) return fail(`bad number syntax: ${goQuote(input.slice(start, pos))}`);
    const sign = peek();
    if (sign === '+' || sign === '-') {
      if (!scan() || input[pos - 1] !== 'i') {
        return fail(`bad number syntax: ${goQuote(input.slice(start, pos))}`);
      }
      emit('complex');
    } else {
      emit('number');
    }
    return true;
  };

  const lexWord = (kind: 'field' | 'variable' | 'identifier'): boolean => {
    if (kind !== 'identifier' && atTerminator()) {
      emit(kind === 'field' ? 'dot' : 'variable');
      return true;
    }
    while (isAlphaNumeric(peek())) next();
    if (!atTerminator()) {
      return fail(`bad character ${formatCodePoint(input.codePointAt(pos) ?? 0)}`);
    }
    const word = input.slice(start, pos);
    if (kind !== 'identifier') emit(kind);
    else if (Object.hasOwn(KEYWORD_WORDS, word)) emit(KEYWORD_WORDS[word] ?? 'identifier');
    else if (word === 'true' || word === 'false') emit('bool');
    else emit('identifier');
    return true;
  };

  const lexQuoted = (quote: string, what: string, type: ItemType): boolean => {
    for (;;) {
      const c = next();
      if (c === '\\' && quote !== '`') {
        const e = next();
        if (e !== undefined && e !== '\n') continue;
        return fail(`unterminated ${what}`);
      }
      if (c === undefined || (c === '\n' && quote !== '`')) return fail(`unterminated ${what}`);
      if (c === quote) break;
    }
    emit(type);
    return true;
  };

  /** Lexes one action; returns false after an error item. */
  const lexInsideAction = (): boolean => {
    for (;;) {
      const { delim, trim } = atRightDelim();
      if (delim) {
        if (parenDepth !== 0) return fail('unclosed left paren');
        if (trim) pos += 2;
        start = pos;
        pos += 2;
        emit('rightDelim');
        if (trim) skipSpaces();
        return true;
      }
      const c = next();
      if (c === undefined) return fail('unclosed action');
      if (isSpace(c)) {
        let count = 1;
        while (isSpace(peek())) {
          next();
          count++;
        }
        // A space right before `-}}` belongs to the trim marker.
        if (input[pos - 1] !== undefined && isSpace(input[pos - 1]) && input[pos] === '-' && input.startsWith('}}', pos + 1)) {
          pos--;
          if (count === 1) continue;
        }
        emit('space');
        continue;
      }
      let ok = true;
      switch (c) {
        case '=':
          emit('assign');
          break;
        case ':':
          if (next() !== '=') return fail('expected :=');
          emit('declare');
          break;
        case '|':
          emit('pipe');
          break;
        case '"':
          ok = lexQuoted('"', 'quoted string', 'string');
          break;
        case '`':
          ok = lexQuoted('`', 'raw quoted string', 'rawString');
          break;
        case "'":
          ok = lexQuoted("'", 'character constant', 'charConstant');
          break;
        case '$':
          ok = lexWord('variable');
          break;
        case '(':
          emit('leftParen');
          parenDepth++;
          break;
        case ')':
          parenDepth--;
          if (parenDepth < 0) return fail(`unexpected right paren ${formatCodePoint(0x29)}`);
          emit('rightParen');
          break;
        default:
          if (c === '.' && !/[0-9]/.test(input[pos] ?? '')) {
            ok = lexWord('field');
          } else if (c === '.' || c === '+' || c === '-' || /[0-9]/.test(c)) {
            pos = start;
            ok = lexNumberText();
          } else if (isAlphaNumeric(c)) {
            ok = lexWord('identifier');
          } else {
            const cp = c.codePointAt(0) ?? 0;
            if (cp < 0x80 && isGoPrint(cp)) emit('char');
            else return fail(`unrecognized character in action: ${formatCodePoint(cp)}`);
          }
      }
      if (!ok) return false;
    }
  };

  for (;;) {
    const open = input.indexOf('{{', pos);
    if (open < 0) {
      pos = input.length;
      if (pos > start) emit('text');
      emit('eof');
      return items;
    }
    const trimLeft = hasLeftTrimMarker(open + 2);
    let textEnd = open;
    if (trimLeft) while (textEnd > start && isSpace(input[textEnd - 1])) textEnd--;
    if (textEnd > start) {
      pos = textEnd;
      emit('text');
    }
    pos = open + 2;
    start = open;
    const afterMarker = trimLeft ? 2 : 0;
    if (input.startsWith('/*', pos + afterMarker)) {
      pos += afterMarker;
      start = pos;
      if (!lexComment()) return items;
      continue;
    }
    emit('leftDelim');
    pos += afterMarker;
    start = pos;
    parenDepth = 0;
    if (!lexInsideAction()) return items;
  }
}

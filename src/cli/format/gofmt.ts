/**
 * Go's fmt and strconv behaviour for the values docker's templates print: decoded JSON (strings,
 * numbers, booleans, null, arrays, objects). Output must match Go byte for byte because users'
 * scripts parse it, so floats are rounded on their exact binary value (ties to even) as strconv
 * does, not with JavaScript's toFixed.
 */

/** Decimal digits of a non-negative number: value = 0.<digits> × 10^dp, no trailing zeros. */
interface Decimal {
  digits: string;
  dp: number;
}

/** A number that Go would hold as an int: docker's structs use int64 for integral fields. */
export function isGoInt(x: number): boolean {
  return Number.isInteger(x) && Math.abs(x) < 2 ** 63;
}

/** Go's reflect type name of a decoded JSON value, as fmt and text/template print it. */
export function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return isGoInt(v) ? 'int' : 'float64';
    case 'boolean':
      return 'bool';
    case 'function':
      return 'func(...interface {}) interface {}';
    default:
      return Array.isArray(v) ? '[]interface {}' : 'map[string]interface {}';
  }
}

/** Orders strings by their UTF-8 bytes, as Go's string comparison and map-key sorting do. */
export function compareGoStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Keys of an object in Go's map printing order. */
export function sortedKeys(o: object): string[] {
  return Object.keys(o).sort(compareGoStrings);
}

function exactDecimal(x: number): Decimal {
  if (x === 0) return { digits: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let exp: number;
  if (expBits === 0) {
    exp = -1074;
  } else {
    mant |= 1n << 52n;
    exp = expBits - 1075;
  }
  let digits: string;
  let dp: number;
  if (exp >= 0) {
    digits = (mant << BigInt(exp)).toString();
    dp = digits.length;
  } else {
    // m / 2^k == m * 5^k / 10^k: exact, so rounding can see true ties.
    const k = -exp;
    digits = (mant * 5n ** BigInt(k)).toString();
    dp = digits.length - k;
  }
  return { digits: digits.replace(/0+$/, ''), dp };
}

function shortestDecimal(x: number): Decimal {
  // toExponential() without an argument gives the shortest round-tripping digits, as Go's
  // strconv shortest mode does.
  const [mant = '0', exp = '0'] = x.toExponential().split('e');
  const digits = mant.replace('.', '').replace(/0+$/, '');
  return { digits, dp: digits === '' ? 0 : Number(exp) + 1 };
}

/** Rounds to nd significant digits, half to even on the exact value (strconv's rule). */
function roundDecimal(d: Decimal, nd: number): Decimal {
  if (nd < 0 || nd >= d.digits.length) return d;
  const next = d.digits[nd] ?? '0';
  let up: boolean;
  if (next !== '5') up = next > '5';
  else if (nd + 1 < d.digits.length) up = true;
  else up = nd > 0 && Number(d.digits[nd - 1]) % 2 === 1;
  let kept = d.digits.slice(0, nd);
  let dp = d.dp;
  if (up) {
    let i = kept.length - 1;
    while (i >= 0 && kept[i] === '9') i--;
    if (i < 0) {
      kept = '1';
      dp++;
    } else {
      kept = kept.slice(0, i) + String(Number(kept[i]) + 1);
    }
  }
  kept = kept.replace(/0+$/, '');
  return { digits: kept, dp: kept === '' ? 0 : dp };
}

function fmtE(d: Decimal, prec: number, upper: boolean): string {
  let s = d.digits[0] ?? '0';
  if (prec > 0) {
    const copied = Math.max(Math.min(d.digits.length, prec + 1) - 1, 0);
    s += '.' + d.digits.slice(1, 1 + copied) + '0'.repeat(prec - copied);
  }
  const exp = d.digits === '' ? 0 : d.dp - 1;
  const abs = Math.abs(exp);
  return `${s}${upper ? 'E' : 'e'}${exp < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
}

function fmtF(d: Decimal, prec: number): string {
  let s: string;
  if (d.dp > 0) {
    const m = Math.min(d.digits.length, d.dp);
    s = d.digits.slice(0, m) + '0'.repeat(d.dp - m);
  } else {
    s = '0';
  }
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) {
      const j = d.dp + i - 1;
      s += j >= 0 && j < d.digits.length ? d.digits[j] : '0';
    }
  }
  return s;
}

export type FloatVerb = 'e' | 'E' | 'f' | 'F' | 'g' | 'G';

/** strconv.FormatFloat(x, verb, prec, 64); prec -1 means the shortest exact representation. */
export function formatFloat(x: number, verb: FloatVerb, prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const abs = Math.abs(x);
  const shortest = prec < 0;
  let d: Decimal;
  if (shortest) {
    d = shortestDecimal(abs);
  } else {
    d = exactDecimal(abs);
    if (verb === 'e' || verb === 'E') d = roundDecimal(d, prec + 1);
    else if (verb === 'f' || verb === 'F') d = roundDecimal(d, d.dp + prec);
    else {
      if (prec === 0) prec = 1;
      d = roundDecimal(d, prec);
    }
  }
  const nd = d.digits.length;
  switch (verb) {
    case 'e':
    case 'E':
      return sign + fmtE(d, shortest ? nd - 1 : prec, verb === 'E');
    case 'f':
    case 'F':
      return sign + fmtF(d, shortest ? Math.max(nd - d.dp, 0) : prec);
    default: {
      let p = shortest ? nd : prec;
      let eprec = p;
      if (eprec > nd && nd >= d.dp) eprec = nd;
      if (shortest) eprec = 6;
      const exp = d.dp - 1;
      if (exp < -4 || exp >= eprec) {
        if (p > nd) p = nd;
        return sign + fmtE(d, p - 1, verb === 'G');
      }
      if (p > d.dp) p = nd;
      return sign + fmtF(d, Math.max(p - d.dp, 0));
    }
  }
}

/** A number as Go's %v prints it: integral values as the int64 docker's structs hold. */
export function formatNumber(x: number): string {
  return isGoInt(x) ? BigInt(x).toString() : formatFloat(x, 'g', -1);
}

// Built at its first use: a RegExp of Unicode property classes takes ~0.5 ms to construct, which
// every CLI command would pay at start-up, where few ever quote a non-ASCII character.
let printable: RegExp | undefined;

/** strconv.IsPrint for one code point. */
export function isGoPrint(cp: number): boolean {
  if (cp < 0x80) return cp >= 0x20 && cp < 0x7f;
  printable ??= /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
  return printable.test(String.fromCodePoint(cp));
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

function quoteRuneBody(cp: number, quote: string): string {
  const ch = String.fromCodePoint(cp);
  if (ch === quote || ch === '\\') return '\\' + ch;
  if (isGoPrint(cp)) return ch;
  switch (ch) {
    case '\x07':
      return '\\a';
    case '\b':
      return '\\b';
    case '\f':
      return '\\f';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    case '\v':
      return '\\v';
  }
  if (cp < 0x20 || cp === 0x7f) return '\\x' + hex(cp, 2);
  if (cp < 0x10000) return '\\u' + hex(cp, 4);
  return '\\U' + hex(cp, 8);
}

/** strconv.Quote. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) out += quoteRuneBody(ch.codePointAt(0) ?? 0, '"');
  return out + '"';
}

/** strconv.QuoteRune. */
export function goQuoteRune(cp: number): string {
  return "'" + quoteRuneBody(cp, "'") + "'";
}

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | undefined;
  prec: number | undefined;
}

const NO_FLAGS: Flags = {
  plus: false,
  minus: false,
  sharp: false,
  space: false,
  zero: false,
  width: undefined,
  prec: undefined,
};

function runeLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function pad(s: string, f: Flags): string {
  if (f.width === undefined) return s;
  const fill = f.width - runeLength(s);
  if (fill <= 0) return s;
  if (f.minus) return s + ' '.repeat(fill);
  return (f.zero ? '0' : ' ').repeat(fill) + s;
}

/** Pads a signed number, putting zero padding between the sign and the digits as Go does. */
function padNumber(sign: string, body: string, f: Flags): string {
  if (f.zero && !f.minus && f.width !== undefined) {
    const fill = f.width - sign.length - body.length;
    if (fill > 0) return sign + '0'.repeat(fill) + body;
    return sign + body;
  }
  return pad(sign + body, { ...f, zero: false });
}

function badVerb(verb: string, v: unknown, f: Flags): string {
  if (v === null || v === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(v)}=${fmtArg(v, 'v', f, 0)})`;
}

function fmtInt(x: number, verb: string, f: Flags): string {
  const signOf = (): string => (x < 0 ? '-' : f.plus ? '+' : f.space ? ' ' : '');
  const big = BigInt(Math.abs(x));
  switch (verb) {
    case 'c':
      return pad(String.fromCodePoint(Math.abs(x)), f);
    case 'q':
      return pad(goQuoteRune(Math.abs(x)), f);
    case 'U':
      return pad('U+' + big.toString(16).toUpperCase().padStart(4, '0'), f);
  }
  const base = { d: 10, v: 10, b: 2, o: 8, O: 8, x: 16, X: 16 }[verb];
  if (base === undefined) return badVerb(verb, x, f);
  let digits = big.toString(base);
  if (verb === 'X') digits = digits.toUpperCase();
  if (f.prec !== undefined) {
    digits = f.prec === 0 && x === 0 ? '' : digits.padStart(f.prec, '0');
  }
  let prefix = '';
  if (verb === 'O') prefix = '0o';
  else if (f.sharp) {
    if (verb === 'x') prefix = '0x';
    else if (verb === 'X') prefix = '0X';
    else if (verb === 'b') prefix = '0b';
    else if (verb === 'o' && !digits.startsWith('0')) prefix = '0';
  }
  if (f.prec !== undefined) return pad(signOf() + prefix + digits, { ...f, zero: false });
  return padNumber(signOf() + prefix, digits, f);
}

function fmtFloatVerb(x: number, verb: string, f: Flags): string {
  let body: string;
  switch (verb) {
    case 'v':
      body = formatFloat(x, 'g', f.prec ?? -1);
      break;
    case 'e':
    case 'E':
    case 'f':
    case 'F':
      body = formatFloat(x, verb, f.prec ?? 6);
      break;
    case 'g':
    case 'G':
      body = formatFloat(x, verb, f.prec ?? -1);
      break;
    default:
      return badVerb(verb, x, f);
  }
  let sign = '';
  if (body.startsWith('-') || body.startsWith('+')) {
    sign = body[0] ?? '';
    body = body.slice(1);
  }
  if (sign === '' && f.plus) sign = '+';
  else if (sign === '' && f.space) sign = ' ';
  if (!Number.isFinite(x)) return pad(sign + body, { ...f, zero: false });
  return padNumber(sign, body, f);
}

function truncateRunes(s: string, n: number | undefined): string {
  if (n === undefined) return s;
  return Array.from(s).slice(0, n).join('');
}

function fmtString(s: string, verb: string, f: Flags): string {
  switch (verb) {
    case 'v':
    case 's':
      return pad(truncateRunes(s, f.prec), f);
    case 'q':
      return pad(goQuote(truncateRunes(s, f.prec)), f);
    case 'x':
    case 'X': {
      const h = Buffer.from(truncateRunes(s, f.prec), 'utf8').toString('hex');
      return pad(verb === 'X' ? h.toUpperCase() : h, f);
    }
    default:
      return badVerb(verb, s, f);
  }
}

function fmtArg(v: unknown, verb: string, f: Flags, depth: number): string {
  if (verb === 'T') return pad(goTypeName(v), f);
  if (v === null || v === undefined) {
    // Inside a composite a nil interface prints as <nil> whatever the verb.
    return verb === 'v' || depth > 0 ? pad('<nil>', f) : badVerb(verb, v, f);
  }
  switch (typeof v) {
    case 'string':
      return fmtString(v, verb, f);
    case 'boolean':
      return verb === 'v' || verb === 't' ? pad(String(v), f) : badVerb(verb, v, f);
    case 'number':
      if (isGoInt(v) && !'eEfFgG'.includes(verb)) return fmtInt(v, verb, f);
      return fmtFloatVerb(v, verb, f);
    case 'function':
      return badVerb(verb, v, f);
  }
  if (Array.isArray(v)) {
    return '[' + v.map((e) => fmtArg(e, verb, f, depth + 1)).join(' ') + ']';
  }
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const parts = sortedKeys(o).map(
      (k) => fmtArg(k, verb, f, depth + 1) + ':' + fmtArg(o[k], verb, f, depth + 1),
    );
    return 'map[' + parts.join(' ') + ']';
  }
  return pad(String(v), f);
}

/** fmt.Sprint of one value (%v). */
export function formatValue(v: unknown): string {
  return fmtArg(v, 'v', NO_FLAGS, 0);
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = '';
  let prevString = false;
  args.forEach((a, i) => {
    const isString = typeof a === 'string';
    if (i > 0 && !isString && !prevString) out += ' ';
    out += formatValue(a);
    prevString = isString;
  });
  return out;
}

/** fmt.Sprintln. */
export function sprintln(args: readonly unknown[]): string {
  return args.map(formatValue).join(' ') + '\n';
}

/** fmt.Sprintf, including Go's %!verb(type=value), %!v(MISSING) and %!(EXTRA ...) reports. */
export function sprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let argNum = 0;
  let i = 0;
  const takeNumber = (): number | undefined => {
    const m = /^\d+/.exec(format.slice(i));
    if (m === null) return undefined;
    i += m[0].length;
    return Number(m[0]);
  };
  const takeStar = (): number | undefined => {
    const a = args[argNum++];
    return typeof a === 'number' && isGoInt(a) ? a : undefined;
  };
  while (i < format.length) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const f: Flags = { ...NO_FLAGS };
    for (; i < format.length; i++) {
      const c = format[i];
      if (c === '+') f.plus = true;
      else if (c === '-') f.minus = true;
      else if (c === '#') f.sharp = true;
      else if (c === ' ') f.space = true;
      else if (c === '0') f.zero = true;
      else break;
    }
    if (format[i] === '*') {
      i++;
      f.width = takeStar();
      if (f.width !== undefined && f.width < 0) {
        f.minus = true;
        f.width = -f.width;
      }
    } else {
      f.width = takeNumber();
    }
    if (format[i] === '.') {
      i++;
      if (format[i] === '*') {
        i++;
        f.prec = takeStar();
      } else {
        f.prec = takeNumber() ?? 0;
      }
    }
    const cp = format.codePointAt(i);
    if (cp === undefined) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(cp);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += fmtArg(args[argNum++], verb, f, 0);
  }
  if (argNum < args.length) {
    const extra = args
      .slice(argNum)
      .map((a) => (a === null || a === undefined ? '<nil>' : `${goTypeName(a)}=${formatValue(a)}`));
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}

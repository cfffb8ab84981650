/**
 * The go-units helpers docker/cli prints sizes and ages with, and the parser behind `--memory`
 * and friends. Wording and rounding match go-units exactly: scripts scrape these columns.
 */
import { invalidArgument } from '../../lib/errors.js';
import { formatFloat } from './gofmt.js';

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

function scaled(size: number, base: number, units: readonly string[]): [number, string] {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return [size, units[i] ?? 'B'];
}

/**
 * go-units HumanSizeWithPrecision: decimal units, `%.<precision>g`. docker uses precision 4 for
 * `HumanSize` and 3 for the SIZE columns of `images` and `ps -s`.
 */
export function humanSize(bytes: number, precision = 4): string {
  const [size, unit] = scaled(bytes, 1000, DECIMAL_UNITS);
  return formatFloat(size, 'g', precision) + unit;
}

/** go-units BytesSize: binary units (KiB, MiB, …), `%.4g`. */
export function bytesSize(bytes: number): string {
  const [size, unit] = scaled(bytes, 1024, BINARY_UNITS);
  return formatFloat(size, 'g', 4) + unit;
}

const GO_FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function parseWithUnits(text: string, base: number): number {
  // go-units splits at the last digit, dot or space: number before it, unit suffix after.
  let sep = -1;
  for (let i = text.length - 1; i >= 0; i--) {
    if ('0123456789. '.includes(text[i] ?? '')) {
      sep = i;
      break;
    }
  }
  if (sep === -1) throw invalidArgument('InvalidSize', `invalid size: '${text}'`);
  const num = text[sep] === ' ' ? text.slice(0, sep) : text.slice(0, sep + 1);
  let suffix = text.slice(sep + 1);
  if (!GO_FLOAT.test(num)) {
    throw invalidArgument('InvalidSize', `strconv.ParseFloat: parsing "${num}": invalid syntax`);
  }
  let size = Number(num);
  if (size < 0) throw invalidArgument('InvalidSize', `invalid size: '${text}'`);
  if (suffix === '') return Math.trunc(size);
  const badSuffix = () => invalidArgument('InvalidSize', `invalid suffix: '${suffix}'`);
  if (suffix.length > 3) throw badSuffix();
  suffix = suffix.toLowerCase();
  if (suffix[0] === 'b') {
    if (suffix.length > 1) throw badSuffix();
    return Math.trunc(size);
  }
  const power = 'kmgtp'.indexOf(suffix[0] ?? '');
  if (power < 0) throw badSuffix();
  size *= base ** (power + 1);
  if ((suffix.length === 2 && suffix[1] !== 'b') || (suffix.length === 3 && suffix.slice(1) !== 'ib')) {
    throw badSuffix();
  }
  return Math.trunc(size);
}

/**
 * go-units RAMInBytes: `512m`, `1g`, `100k`, `1024`, `2.5GiB`; binary multiples whatever the
 * suffix spelling, case-insensitive. Throws InvalidArgument with go-units' wording.
 */
export function parseMemory(text: string): number {
  return parseWithUnits(text, 1024);
}

/** go-units FromHumanSize: like parseMemory but with decimal multiples (`1k` = 1000). */
export function parseSize(text: string): number {
  return parseWithUnits(text, 1000);
}

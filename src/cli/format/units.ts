/**
 * The go-units helpers docker/cli prints sizes with (their parsers are in lib/human-units.ts).
 * Wording and rounding match go-units exactly: scripts scrape these columns.
 */
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

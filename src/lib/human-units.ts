/** go-units wording and parsing: the "Up 2 hours" ages, and the sizes of `--memory` and friends. */
import { invalidArgument } from './errors.js';

/** go-units HumanDuration: the "Up 2 hours" / "3 days ago" wording. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  // go-units rounds hours to nearest, then truncates every coarser unit from that.
  const hours = Math.trunc(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(ms / 3_600_000) / 24 / 365)} years`;
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

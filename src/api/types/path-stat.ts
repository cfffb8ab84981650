/**
 * `X-Docker-Container-Path-Stat`: std base64 of this JSON, sent by HEAD and GET
 * `/containers/{id}/archive`. `mode` is a Go `os.FileMode` (type bits high, permissions low),
 * `mtime` an RFC 3339 time with nanoseconds.
 */
export interface ContainerPathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

export const PATH_STAT_HEADER = 'X-Docker-Container-Path-Stat';

/** Go's os.FileMode type and special bits. */
export const GoMode = {
  dir: 2 ** 31,
  symlink: 2 ** 27,
  device: 2 ** 26,
  namedPipe: 2 ** 25,
  socket: 2 ** 24,
  setuid: 2 ** 23,
  setgid: 2 ** 22,
  charDevice: 2 ** 21,
  sticky: 2 ** 20,
  irregular: 2 ** 19,
} as const;

const S_IFMT = 0o170000;

/** A POSIX st_mode as Go's os.FileMode (what Go's os.Lstat reports). */
export function goFileMode(stMode: number): number {
  let m = stMode & 0o777;
  switch (stMode & S_IFMT) {
    case 0o040000: m += GoMode.dir; break;
    case 0o120000: m += GoMode.symlink; break;
    case 0o060000: m += GoMode.device; break;
    case 0o020000: m += GoMode.device + GoMode.charDevice; break;
    case 0o010000: m += GoMode.namedPipe; break;
    case 0o140000: m += GoMode.socket; break;
    case 0o100000: break;
    default: m += GoMode.irregular;
  }
  if (stMode & 0o4000) m += GoMode.setuid;
  if (stMode & 0o2000) m += GoMode.setgid;
  if (stMode & 0o1000) m += GoMode.sticky;
  return m;
}

/** Whether a Go os.FileMode has `bit` (JS bit operators are 32-bit signed, so no `&`). */
export const hasGoMode = (mode: number, bit: number): boolean => Math.floor(mode / bit) % 2 === 1;

/** Go's `time.Time` JSON (RFC 3339, fraction without trailing zeros) in UTC, from nanoseconds. */
export function goTime(ns: bigint): string {
  const secs = ns / 1_000_000_000n - (ns < 0n && ns % 1_000_000_000n !== 0n ? 1n : 0n);
  const frac = ns - secs * 1_000_000_000n;
  const base = new Date(Number(secs) * 1000).toISOString().replace(/\.\d{3}Z$/, '');
  const digits = frac === 0n ? '' : `.${frac.toString().padStart(9, '0').replace(/0+$/, '')}`;
  return `${base}${digits}Z`;
}

export function encodePathStat(s: ContainerPathStat): string {
  const { name, size, mode, mtime, linkTarget } = s;
  return Buffer.from(JSON.stringify({ name, size, mode, mtime, linkTarget })).toString('base64');
}

/** Null when the header is absent or not valid base64 JSON. */
export function decodePathStat(header: string | undefined): ContainerPathStat | null {
  if (header === undefined || header === '') return null;
  try {
    const v = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as Partial<ContainerPathStat>;
    return {
      name: String(v.name ?? ''),
      size: Number(v.size ?? 0),
      mode: Number(v.mode ?? 0),
      mtime: String(v.mtime ?? ''),
      linkTarget: String(v.linkTarget ?? ''),
    };
  } catch {
    return null;
  }
}

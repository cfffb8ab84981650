import { invalidArgument } from '../../lib/errors.js';

/*
 * The tar header codec used by layer apply and diff. We do not use tar-stream here because it
 * decodes PAX values as UTF-8 (which corrupts binary xattrs such as security.capability), cannot
 * emit a PAX header of our own making, and rewrites mode 0 to 0644.
 */

export const BLOCK_SIZE = 512;

/** Entry kinds a layer may hold (ustar typeflags 0-7; contiguous files read as plain files). */
export type EntryType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

/** One tar entry's metadata after PAX and GNU long-name records are applied. */
export interface TarHeader {
  /** As stored, without a trailing slash for directories. */
  path: string;
  type: EntryType;
  /** Permission bits including setuid, setgid and sticky (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Body bytes; always 0 for types other than 'file'. */
  size: number;
  /** Seconds since the epoch; fractional only when a PAX record said so. */
  mtime: number;
  /** Hard link target path or symlink text; '' for other types. */
  linkname: string;
  devmajor: number;
  devminor: number;
  /** Extended attributes from PAX `SCHILY.xattr.<name>` records, values as raw bytes. */
  xattrs: Map<string, Buffer>;
}

export type BlockKind = EntryType | 'pax' | 'pax-global' | 'gnu-long-name' | 'gnu-long-link' | 'unsupported';

/** The fields of one 512-byte header block, before extension records are applied. */
export interface HeaderBlock {
  kind: BlockKind;
  typeflag: string;
  name: string;
  linkname: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  devmajor: number;
  devminor: number;
}

/** Bytes of zero padding after a body of `size` bytes. */
export const paddingOf = (size: number): number => (BLOCK_SIZE - (size % BLOCK_SIZE)) % BLOCK_SIZE;

const ZERO_BLOCK = Buffer.alloc(BLOCK_SIZE);
const USTAR_MAGIC = Buffer.from('ustar\0', 'latin1');

const corrupt = (why: string): Error => invalidArgument('invalid_layer_tar', `invalid layer tar: ${why}`);

function cString(buf: Buffer, off: number, len: number): string {
  const nul = buf.indexOf(0, off);
  return buf.toString('utf8', off, nul === -1 || nul > off + len ? off + len : nul);
}

/** Octal (NUL/space padded) or GNU base-256 number. */
function parseNumber(buf: Buffer, off: number, len: number, field: string): number {
  if (buf[off]! & 0x80) {
    if (buf[off] === 0xff) throw corrupt(`negative ${field}`);
    let n = BigInt(buf[off]! & 0x7f);
    for (let i = off + 1; i < off + len; i++) n = (n << 8n) | BigInt(buf[i]!);
    if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`${field} too large`);
    return Number(n);
  }
  // Leading spaces and NULs are skipped; the digits end at the first space or NUL after them.
  let start = off;
  while (start < off + len && (buf[start] === 0x20 || buf[start] === 0)) start++;
  let end = start;
  while (end < off + len && buf[end] !== 0x20 && buf[end] !== 0) end++;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 7) throw corrupt(`bad ${field} field "${buf.toString('latin1', start, end)}"`);
    n = n * 8 + d;
  }
  return n;
}

function checksums(block: Buffer): { unsigned: number; signed: number } {
  // Every byte summed, then the checksum field counted as eight spaces; a signed sum differs by
  // 256 for each byte above 127.
  let unsigned = 0;
  let high = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) {
    const v = block[i]!;
    unsigned += v;
    high += v >> 7;
  }
  for (let i = 148; i < 156; i++) {
    const v = block[i]!;
    unsigned += 0x20 - v;
    high -= v >> 7;
  }
  return { unsigned, signed: unsigned - 256 * high };
}

function kindOf(typeflag: string): BlockKind {
  switch (typeflag) {
    case '0': case '\0': case '7': return 'file';
    case '1': return 'hardlink';
    case '2': return 'symlink';
    case '3': return 'char';
    case '4': return 'block';
    case '5': return 'dir';
    case '6': return 'fifo';
    case 'x': return 'pax';
    case 'g': return 'pax-global';
    case 'L': return 'gnu-long-name';
    case 'K': return 'gnu-long-link';
    default: return 'unsupported';
  }
}

/** Decodes one header block; null for an all-zero block (end of archive). */
export function decodeHeaderBlock(block: Buffer): HeaderBlock | null {
  if (block.length !== BLOCK_SIZE) throw corrupt('short header block');
  if (block.equals(ZERO_BLOCK)) return null;
  const stored = parseNumber(block, 148, 8, 'checksum');
  const sums = checksums(block);
  if (stored !== sums.unsigned && stored !== sums.signed) throw corrupt('header checksum mismatch');

  const typeflag = String.fromCharCode(block[156]!);
  let name = cString(block, 0, 100);
  // Only POSIX ustar has a prefix field; GNU format keeps atime/ctime at that offset.
  if (block.compare(USTAR_MAGIC, 0, USTAR_MAGIC.length, 257, 263) === 0 && block[345] !== 0) name = `${cString(block, 345, 155)}/${name}`;
  let kind = kindOf(typeflag);
  if (kind === 'file' && typeflag === '\0' && name.endsWith('/')) kind = 'dir';
  return {
    kind,
    typeflag,
    name,
    linkname: cString(block, 157, 100),
    mode: parseNumber(block, 100, 8, 'mode') & 0o7777,
    uid: parseNumber(block, 108, 8, 'uid'),
    gid: parseNumber(block, 116, 8, 'gid'),
    size: parseNumber(block, 124, 12, 'size'),
    mtime: parseNumber(block, 136, 12, 'mtime'),
    devmajor: parseNumber(block, 329, 8, 'devmajor'),
    devminor: parseNumber(block, 337, 8, 'devminor'),
  };
}

/** Parses PAX extended header records ("<len> <key>=<value>\n"); values stay raw bytes. */
export function parsePaxRecords(buf: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let pos = 0;
  while (pos < buf.length) {
    if (buf[pos] === 0) break; // NUL padding some writers leave at the end
    const space = buf.indexOf(0x20, pos);
    if (space === -1) throw corrupt('malformed PAX record');
    const len = Number(buf.subarray(pos, space).toString('latin1'));
    if (!Number.isInteger(len) || len <= space - pos + 1 || pos + len > buf.length || buf[pos + len - 1] !== 0x0a) {
      throw corrupt('malformed PAX record');
    }
    const record = buf.subarray(space + 1, pos + len - 1);
    const eq = record.indexOf(0x3d);
    if (eq <= 0) throw corrupt('malformed PAX record');
    out.set(record.subarray(0, eq).toString('utf8'), Buffer.from(record.subarray(eq + 1)));
    pos += len;
  }
  return out;
}

function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`, 'utf8'), value, Buffer.from('\n')]);
  // The length prefix counts its own digits.
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len), 'latin1'), body]);
}

export function encodePaxRecords(records: ReadonlyArray<readonly [string, Buffer]>): Buffer {
  return Buffer.concat(records.map(([k, v]) => paxRecord(k, v)));
}

const isAscii = (s: string): boolean => /^[\x01-\x7f]*$/.test(s);

/** Splits a name into ustar prefix + name fields, or null when it does not fit. */
function splitUstarName(name: string): { prefix: string; name: string } | null {
  if (!isAscii(name)) return null;
  if (name.length <= 100) return { prefix: '', name };
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (prefix.length > 155) return null;
    if (rest.length <= 100 && rest !== '') return { prefix, name: rest };
  }
  return null;
}

const OCTAL_LIMIT = { 8: 0o7777777, 12: 0o77777777777 } as const;

function writeOctal(buf: Buffer, off: number, width: 8 | 12, value: number): void {
  buf.write(value.toString(8).padStart(width - 1, '0'), off, width - 1, 'latin1');
}

const TYPEFLAG: Record<EntryType, string> = {
  file: '0', hardlink: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6',
};

function ustarBlock(fields: {
  name: string; prefix: string; linkname: string; typeflag: string; mode: number; uid: number; gid: number;
  size: number; mtime: number; devmajor: number; devminor: number;
}): Buffer {
  const b = Buffer.alloc(BLOCK_SIZE);
  b.write(fields.name, 0, 100, 'utf8');
  writeOctal(b, 100, 8, fields.mode);
  writeOctal(b, 108, 8, fields.uid);
  writeOctal(b, 116, 8, fields.gid);
  writeOctal(b, 124, 12, fields.size);
  writeOctal(b, 136, 12, fields.mtime);
  b.write(fields.typeflag, 156, 1, 'latin1');
  b.write(fields.linkname, 157, 100, 'utf8');
  b.write('ustar\0' + '00', 257, 8, 'latin1');
  writeOctal(b, 329, 8, fields.devmajor);
  writeOctal(b, 337, 8, fields.devminor);
  b.write(fields.prefix, 345, 155, 'utf8');
  const { unsigned } = checksums(b);
  b.write(`${unsigned.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return b;
}

/** A printable stand-in for a name that needs a PAX record: its last ASCII-safe 100 bytes. */
const fallbackName = (name: string): string => name.replace(/[^\x20-\x7e]/g, '_').slice(-100);

/**
 * Encodes an entry's header: one ustar block, preceded by a PAX extended header when the path or
 * link does not fit ustar (long or non-ASCII), a number overflows its field, or xattrs are present.
 * Output depends only on the header's fields, so equal trees give equal bytes.
 */
export function encodeHeader(h: TarHeader): Buffer {
  const tarName = h.type === 'dir' ? `${h.path}/` : h.path;
  const records: Array<[string, Buffer]> = [];
  const split = splitUstarName(tarName);
  if (split === null) records.push(['path', Buffer.from(tarName, 'utf8')]);
  const linkFits = isAscii(h.linkname) && h.linkname.length <= 100;
  if (!linkFits) records.push(['linkpath', Buffer.from(h.linkname, 'utf8')]);
  const numeric = (key: string, value: number, width: 8 | 12): number => {
    if (Number.isInteger(value) && value >= 0 && value <= OCTAL_LIMIT[width]) return value;
    records.push([key, Buffer.from(String(value), 'latin1')]);
    return 0;
  };
  const size = numeric('size', h.size, 12);
  const uid = numeric('uid', h.uid, 8);
  const gid = numeric('gid', h.gid, 8);
  const mtime = numeric('mtime', h.mtime, 12);
  for (const name of [...h.xattrs.keys()].sort()) records.push([`SCHILY.xattr.${name}`, h.xattrs.get(name)!]);

  const block = ustarBlock({
    name: split?.name ?? fallbackName(tarName),
    prefix: split?.prefix ?? '',
    linkname: linkFits ? h.linkname : fallbackName(h.linkname),
    typeflag: TYPEFLAG[h.type],
    mode: h.mode & 0o7777,
    uid, gid, size, mtime,
    devmajor: h.devmajor,
    devminor: h.devminor,
  });
  if (records.length === 0) return block;
  const pax = encodePaxRecords(records);
  const paxHeader = ustarBlock({
    name: 'PaxHeader', prefix: '', linkname: '', typeflag: 'x', mode: 0o644, uid: 0, gid: 0,
    size: pax.length, mtime: 0, devmajor: 0, devminor: 0,
  });
  return Buffer.concat([paxHeader, pax, Buffer.alloc(paddingOf(pax.length)), block]);
}

/** The end-of-archive marker: two zero blocks. */
export const END_OF_ARCHIVE = (): Buffer => Buffer.alloc(2 * BLOCK_SIZE);

import { closeSync, openSync, readSync } from 'node:fs';

/** One member of a tar. */
export interface TarItem {
  name: string;
  type: 'file' | 'directory' | 'symlink';
  /** Permission bits including setuid, setgid and sticky. */
  mode: number;
  /** 0 unless given. */
  uid?: number;
  gid?: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** A file's size; its content is `data`, or read from the host file `path`, or by `readAt`. */
  size: number;
  data?: Buffer;
  path?: string;
  /** Reads up to `length` bytes of the content at `position` into `buf` at `offset`; returns the count. */
  readAt?: (buf: Buffer, offset: number, length: number, position: number) => number;
  linkname?: string;
}

const BLOCK = 512;
/** The largest size an 11-digit octal field holds; beyond it a PAX record carries the size. */
const MAX_OCTAL_SIZE = 0o77777777777;
const MAX_OCTAL_ID = 0o7777777;

const TYPEFLAG = { file: '0', directory: '5', symlink: '2' } as const;

function octal(buf: Buffer, off: number, width: number, value: number): void {
  buf.write(`${value.toString(8).padStart(width - 1, '0')}\0`, off, width, 'latin1');
}

/** A PAX record `LEN key=value\n`, whose length counts its own digits. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const n = Buffer.byteLength(body);
  let len = n + String(n).length;
  if (String(len).length !== String(n).length) len = n + String(len).length;
  return `${len}${body}`;
}

/** Writes a ustar header at `off` of a zeroed block; names and link names must fit (the caller adds PAX otherwise). */
function header(buf: Buffer, off: number, name: string, typeflag: string, mode: number, owner: [number, number], size: number, mtime: number, linkname: string): void {
  buf.write(name, off, 100, 'utf8');
  octal(buf, off + 100, 8, mode);
  octal(buf, off + 108, 8, owner[0]);
  octal(buf, off + 116, 8, owner[1]);
  octal(buf, off + 124, 12, size);
  octal(buf, off + 136, 12, Math.max(0, Math.floor(mtime)));
  buf.write(typeflag, off + 156, 1, 'latin1');
  buf.write(linkname, off + 157, 100, 'utf8');
  buf.write('ustar\u000000', off + 257, 8, 'latin1');
  buf.fill(0x20, off + 148, off + 156);
  let sum = 0;
  for (let i = off; i < off + BLOCK; i++) sum += buf[i]!;
  buf.write(`${sum.toString(8).padStart(6, '0')}\0 `, off + 148, 8, 'latin1');
}

/**
 * Items as an uncompressed tar (ustar, PAX records for long names and huge sizes), in pieces of
 * `chunkSize` bytes (a multiple of 512): contents are read synchronously straight into the
 * output, which for thousands of small files is far cheaper than a stream per file. Without
 * `end`, the end-of-archive blocks are left out (more members follow). Throws when a file
 * shrinks while it is read. Owners above the ustar field's 2,097,151 get a PAX record.
 */
export function* tarPieces(items: Iterable<TarItem>, opts: { chunkSize?: number; end?: boolean } = {}): Generator<Buffer> {
  const chunkSize = opts.chunkSize ?? 256 << 10;
  let buf = Buffer.alloc(chunkSize);
  let pos = 0;
  // Makes room for n bytes (n ≤ chunkSize), handing out the full piece first.
  function* room(n: number): Generator<Buffer> {
    if (pos + n <= buf.length) return;
    yield buf.subarray(0, pos);
    buf = Buffer.alloc(chunkSize);
    pos = 0;
  }
  function* block(name: string, typeflag: string, mode: number, owner: [number, number], size: number, mtime: number, linkname: string): Generator<Buffer> {
    yield* room(BLOCK);
    header(buf, pos, name, typeflag, mode, owner, size, mtime, linkname);
    pos += BLOCK;
  }
  for (const item of items) {
    const name = item.type === 'directory' ? `${item.name}/` : item.name;
    const linkname = item.linkname ?? '';
    const size = item.type === 'file' ? item.size : 0;
    let pax = '';
    if (Buffer.byteLength(name) > 100) pax += paxRecord('path', name);
    if (Buffer.byteLength(linkname) > 100) pax += paxRecord('linkpath', linkname);
    if (size > MAX_OCTAL_SIZE) pax += paxRecord('size', String(size));
    const uid = item.uid ?? 0;
    const gid = item.gid ?? 0;
    if (uid > MAX_OCTAL_ID) pax += paxRecord('uid', String(uid));
    if (gid > MAX_OCTAL_ID) pax += paxRecord('gid', String(gid));
    const owner: [number, number] = [uid > MAX_OCTAL_ID ? 0 : uid, gid > MAX_OCTAL_ID ? 0 : gid];
    if (pax !== '') {
      const records = Buffer.from(pax);
      yield* block('PaxHeaders/entry', 'x', 0o644, [0, 0], records.length, item.mtime, '');
      for (let done = 0; done < records.length; ) {
        yield* room(BLOCK);
        const n = records.copy(buf, pos, done, Math.min(records.length, done + buf.length - pos));
        done += n;
        pos += n;
      }
      pos = Math.ceil(pos / BLOCK) * BLOCK;
    }
    yield* block(Buffer.byteLength(name) > 100 ? name.slice(0, 99) : name, TYPEFLAG[item.type], item.mode, owner, size > MAX_OCTAL_SIZE ? 0 : size, item.mtime, Buffer.byteLength(linkname) > 100 ? '' : linkname);
    if (size === 0) continue;
    if (item.data) {
      for (let done = 0; done < size; ) {
        yield* room(1);
        const n = item.data.copy(buf, pos, done, Math.min(size, done + buf.length - pos));
        done += n;
        pos += n;
      }
    } else if (item.readAt) {
      for (let done = 0; done < size; ) {
        yield* room(1);
        const n = item.readAt(buf, pos, Math.min(size - done, buf.length - pos), done);
        if (n === 0) throw new Error(`${item.name}: file changed size while it was read`);
        done += n;
        pos += n;
      }
    } else {
      const fd = openSync(item.path!, 'r');
      try {
        for (let done = 0; done < size; ) {
          yield* room(1);
          const n = readSync(fd, buf, pos, Math.min(size - done, buf.length - pos), null);
          if (n === 0) throw new Error(`${item.path}: file changed size while it was read`);
          done += n;
          pos += n;
        }
      } finally {
        closeSync(fd);
      }
    }
    pos = Math.ceil(pos / BLOCK) * BLOCK;
  }
  if (opts.end !== false) {
    // End of archive: two zero blocks.
    yield* room(2 * BLOCK);
    pos += 2 * BLOCK;
  }
  if (pos > 0) yield buf.subarray(0, pos);
}

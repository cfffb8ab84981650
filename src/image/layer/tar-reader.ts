import { invalidArgument } from '../../lib/errors.js';
import {
  BLOCK_SIZE,
  decodeHeaderBlock,
  paddingOf,
  parsePaxRecords,
  type EntryType,
  type HeaderBlock,
  type TarHeader,
} from './tar-header.js';

/** Extension headers are metadata; anything bigger is a malformed or hostile archive. */
const MAX_EXTENSION_SIZE = 16 * 1024 * 1024;
const CHUNK = 256 * 1024;

const corrupt = (why: string): Error => invalidArgument('invalid_layer_tar', `invalid layer tar: ${why}`);

/** Pull-based byte source over an async iterable, so reading applies backpressure upstream. */
class ByteSource {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;
  total = 0;

  constructor(private readonly it: AsyncIterator<unknown>) {}

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.it.next();
    if (r.done === true) {
      this.done = true;
      return false;
    }
    const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as Uint8Array);
    this.total += b.length;
    if (b.length > 0) {
      this.chunks.push(b);
      this.buffered += b.length;
    }
    return true;
  }

  /** Removes and returns at most `max` bytes from the front of the buffer. */
  private shift(max: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length <= max) {
      this.chunks.shift();
      this.buffered -= first.length;
      return first;
    }
    this.chunks[0] = first.subarray(max);
    this.buffered -= max;
    return first.subarray(0, max);
  }

  /** Exactly n bytes; null at a clean end of input; throws if the input ends inside them. */
  async read(n: number): Promise<Buffer | null> {
    while (this.buffered < n) {
      if (!(await this.fill())) {
        if (this.buffered === 0) return null;
        throw corrupt('unexpected end of data');
      }
    }
    const parts: Buffer[] = [];
    for (let left = n; left > 0; ) {
      const p = this.shift(left);
      parts.push(p);
      left -= p.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
  }

  /** Yields the next n bytes in pieces as they arrive. */
  async *take(n: number): AsyncGenerator<Buffer> {
    for (let left = n; left > 0; ) {
      if (this.buffered === 0 && !(await this.fill())) throw corrupt('unexpected end of data');
      if (this.buffered === 0) continue;
      const p = this.shift(Math.min(left, CHUNK));
      left -= p.length;
      yield p;
    }
  }

  async skip(n: number): Promise<void> {
    for await (const piece of this.take(n)) void piece;
  }

  /** Skips up to n bytes, stopping quietly at the end of the input. */
  async skipToEnd(n: number): Promise<void> {
    for (let left = n; left > 0; ) {
      if (this.buffered === 0 && !(await this.fill())) return;
      if (this.buffered === 0) continue;
      left -= this.shift(left).length;
    }
  }

  /** Consumes the rest of the input, so digests computed upstream cover all of it. */
  async drain(): Promise<void> {
    this.chunks.length = 0;
    this.buffered = 0;
    while (await this.fill()) {
      this.chunks.length = 0;
      this.buffered = 0;
    }
  }
}

export interface TarEntry {
  header: TarHeader;
  /** The entry's data; read it before asking for the next entry, or it is skipped. */
  body: AsyncIterable<Buffer>;
}

const HEADER_ONLY: ReadonlySet<EntryType> = new Set(['hardlink', 'symlink', 'char', 'block', 'dir', 'fifo']);

function pathOf(raw: Buffer): string {
  const nul = raw.indexOf(0);
  return (nul === -1 ? raw : raw.subarray(0, nul)).toString('utf8');
}

function paxNumber(v: Buffer | undefined, key: string, fallback: number): number {
  if (v === undefined || v.length === 0) return fallback;
  const n = Number(v.toString('latin1'));
  if (!Number.isFinite(n) || (key !== 'mtime' && (!Number.isSafeInteger(n) || n < 0))) throw corrupt(`bad PAX ${key}`);
  return n;
}

/**
 * Streaming reader of an uncompressed tar: yields entries with PAX (local), GNU long name/link
 * records applied. Global PAX headers are ignored, as Docker does. After the end-of-archive marker
 * the rest of the input is consumed. `bytesRead` counts every input byte read so far.
 */
export class TarReader {
  private readonly src: ByteSource;

  constructor(input: AsyncIterable<unknown>) {
    this.src = new ByteSource(input[Symbol.asyncIterator]());
  }

  get bytesRead(): number {
    return this.src.total;
  }

  private async extension(block: HeaderBlock): Promise<Buffer> {
    if (block.size > MAX_EXTENSION_SIZE) throw corrupt('extension header too large');
    const data = (await this.src.read(block.size)) ?? Buffer.alloc(0);
    if (data.length !== block.size) throw corrupt('unexpected end of data');
    await this.src.skip(paddingOf(block.size));
    return data;
  }

  async *entries(): AsyncGenerator<TarEntry> {
    let pax: Map<string, Buffer> | null = null;
    let longName: string | null = null;
    let longLink: string | null = null;
    for (;;) {
      const raw = await this.src.read(BLOCK_SIZE);
      if (raw === null) return;
      const block = decodeHeaderBlock(raw);
      if (block === null) {
        await this.src.drain();
        return;
      }
      switch (block.kind) {
        case 'pax':
          pax = parsePaxRecords(await this.extension(block));
          continue;
        case 'pax-global':
          await this.extension(block);
          continue;
        case 'gnu-long-name':
          longName = pathOf(await this.extension(block));
          continue;
        case 'gnu-long-link':
          longLink = pathOf(await this.extension(block));
          continue;
        case 'unsupported':
          throw invalidArgument(
            'unsupported_layer_entry',
            `layer entry "${longName ?? block.name}" has unsupported tar type '${block.typeflag}'`,
          );
        default:
          break;
      }
      const type: EntryType = block.kind;
      const xattrs = new Map<string, Buffer>();
      let path = longName ?? block.name;
      let linkname = longLink ?? block.linkname;
      let { size, uid, gid, mtime } = block;
      if (pax !== null) {
        for (const key of pax.keys()) {
          if (key.startsWith('GNU.sparse.')) {
            throw invalidArgument('unsupported_layer_entry', `layer entry "${path}" is a sparse file, which is not supported`);
          }
        }
        const p = pax.get('path');
        if (p !== undefined && p.length > 0) path = p.toString('utf8');
        const l = pax.get('linkpath');
        if (l !== undefined && l.length > 0) linkname = l.toString('utf8');
        size = paxNumber(pax.get('size'), 'size', size);
        uid = paxNumber(pax.get('uid'), 'uid', uid);
        gid = paxNumber(pax.get('gid'), 'gid', gid);
        mtime = paxNumber(pax.get('mtime'), 'mtime', mtime);
        for (const [k, v] of pax) if (k.startsWith('SCHILY.xattr.')) xattrs.set(k.slice('SCHILY.xattr.'.length), v);
      }
      pax = null;
      longName = null;
      longLink = null;
      if (type === 'dir') path = path.replace(/\/+$/, '');
      // As Go's archive/tar (and so Docker): header-only types carry no data, whatever size says.
      const bodySize = HEADER_ONLY.has(type) ? 0 : size;
      let consumed = 0;
      const src = this.src;
      const body = (async function* () {
        for await (const piece of src.take(bodySize)) {
          consumed += piece.length;
          yield piece;
        }
      })();
      yield {
        header: {
          path, type, mode: block.mode, uid, gid, size: bodySize, mtime,
          linkname: type === 'hardlink' || type === 'symlink' ? linkname : '',
          devmajor: block.devmajor, devminor: block.devminor, xattrs,
        },
        body,
      };
      await this.src.skip(bodySize - consumed);
      // docker's CLI sends a build context whose last entry lacks its padding (its tar writer is
      // never closed when it adds a Dockerfile from outside the context); Go's reader accepts that.
      await this.src.skipToEnd(paddingOf(bodySize));
    }
  }
}

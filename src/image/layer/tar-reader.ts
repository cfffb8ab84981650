import { invalidArgument } from '../../lib/errors.js';
import {
  BLOCK_SIZE,
  decodeHeaderBlock,
  paddingOf,
  parsePaxRecords,
  type BlockKind,
  type EntryType,
  type HeaderBlock,
  type TarHeader,
} from './tar-header.js';

/** Extension headers are metadata; anything bigger is a malformed or hostile archive. */
const MAX_EXTENSION_SIZE = 16 * 1024 * 1024;
/**
 * Largest piece of a body handed on at once: a 1 MiB input chunk (a layer's inflated bytes) goes to
 * its file in one write, where 256 KiB pieces cost four threadpool writes and their callbacks.
 */
const CHUNK = 1024 * 1024;

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

/** Whether a header block is an extension record for the entry after it, with data of its own. */
const isExtension = (kind: BlockKind): boolean => kind === 'pax' || kind === 'pax-global' || kind === 'gnu-long-name' || kind === 'gnu-long-link';

/** Size of an extension block's data; refuses sizes no honest archive has. */
function extensionSize(block: HeaderBlock): number {
  if (block.size > MAX_EXTENSION_SIZE) throw corrupt('extension header too large');
  return block.size;
}

/**
 * Applies extension records (local PAX, GNU long name and link) to the entry block that follows
 * them. Global PAX headers are ignored, as Docker does.
 */
class HeaderResolver {
  private pax: Map<string, Buffer> | null = null;
  private longName: string | null = null;
  private longLink: string | null = null;

  extension(block: HeaderBlock, data: Buffer): void {
    if (block.kind === 'pax') this.pax = parsePaxRecords(data);
    else if (block.kind === 'gnu-long-name') this.longName = pathOf(data);
    else if (block.kind === 'gnu-long-link') this.longLink = pathOf(data);
  }

  /** The entry's header; its `size` is the body that follows the block (0 for header-only types). */
  entry(block: HeaderBlock): TarHeader {
    if (block.kind === 'unsupported' || isExtension(block.kind)) {
      throw invalidArgument(
        'unsupported_layer_entry',
        `layer entry "${this.longName ?? block.name}" has unsupported tar type '${block.typeflag}'`,
      );
    }
    const type = block.kind as EntryType;
    const xattrs = new Map<string, Buffer>();
    let path = this.longName ?? block.name;
    let linkname = this.longLink ?? block.linkname;
    let { size, uid, gid, mtime } = block;
    const pax = this.pax;
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
    this.pax = null;
    this.longName = null;
    this.longLink = null;
    if (type === 'dir') path = path.replace(/\/+$/, '');
    return {
      path, type, mode: block.mode, uid, gid,
      // As Go's archive/tar (and so Docker): header-only types carry no data, whatever size says.
      size: HEADER_ONLY.has(type) ? 0 : size,
      mtime,
      linkname: type === 'hardlink' || type === 'symlink' ? linkname : '',
      devmajor: block.devmajor, devminor: block.devminor, xattrs,
    };
  }
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
    const size = extensionSize(block);
    const data = (await this.src.read(size)) ?? Buffer.alloc(0);
    if (data.length !== size) throw corrupt('unexpected end of data');
    await this.src.skip(paddingOf(size));
    return data;
  }

  async *entries(): AsyncGenerator<TarEntry> {
    const resolver = new HeaderResolver();
    for (;;) {
      const raw = await this.src.read(BLOCK_SIZE);
      if (raw === null) return;
      const block = decodeHeaderBlock(raw);
      if (block === null) {
        await this.src.drain();
        return;
      }
      if (isExtension(block.kind)) {
        resolver.extension(block, await this.extension(block));
        continue;
      }
      const header = resolver.entry(block);
      const bodySize = header.size;
      let consumed = 0;
      const src = this.src;
      const body = (async function* () {
        for await (const piece of src.take(bodySize)) {
          consumed += piece.length;
          yield piece;
        }
      })();
      yield { header, body };
      await this.src.skip(bodySize - consumed);
      // docker's CLI sends a build context whose last entry lacks its padding (its tar writer is
      // never closed when it adds a Dockerfile from outside the context); Go's reader accepts that.
      await this.src.skipToEnd(paddingOf(bodySize));
    }
  }
}

/** Receives a tar's entries from a `TarParser`, synchronously, in order. */
export interface TarSink {
  /** An entry begins; `header.size` bytes of body follow through `data`, then `entryEnd`. */
  entry(header: TarHeader): void;
  data(piece: Buffer): void;
  entryEnd(): void;
}

/**
 * Push parser of an uncompressed tar, for a consumer that takes each entry at once (an upload
 * indexed in memory): bytes go in as they arrive and entries come out synchronously, with
 * no promise or generator per entry. Same rules as `TarReader`: extension records applied,
 * input after the end-of-archive marker ignored, a missing padding after the last body accepted.
 * Body pieces are views of the written chunks.
 */
export class TarParser {
  private readonly resolver = new HeaderResolver();
  /** Bytes of a header block or extension record gathered across chunks. */
  private held: Buffer[] = [];
  private heldLength = 0;
  /** What the next bytes are, and how many of them are still due. */
  private state: 'header' | 'extension' | 'body' | 'padding' | 'done' = 'header';
  private due = BLOCK_SIZE;
  private extensionBlock: HeaderBlock | null = null;
  private bodySize = 0;
  /** Whether the padding due follows a body (which may lack it at the very end) or an extension. */
  private afterBody = false;

  constructor(private readonly sink: TarSink) {}

  write(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length && this.state !== 'done') {
      if (this.state === 'body' || this.state === 'padding') {
        const n = Math.min(this.due, chunk.length - off);
        if (this.state === 'body') this.sink.data(chunk.subarray(off, off + n));
        off += n;
        this.due -= n;
        if (this.due === 0) this.state === 'body' ? this.bodyDone() : this.expectHeader();
        continue;
      }
      // A header block or an extension's data: whole, from this chunk or gathered.
      let whole: Buffer;
      if (this.heldLength === 0 && chunk.length - off >= this.due) {
        whole = chunk.subarray(off, off + this.due);
        off += this.due;
      } else {
        const n = Math.min(this.due - this.heldLength, chunk.length - off);
        this.held.push(chunk.subarray(off, off + n));
        this.heldLength += n;
        off += n;
        if (this.heldLength < this.due) continue;
        whole = Buffer.concat(this.held, this.heldLength);
        this.held = [];
        this.heldLength = 0;
      }
      if (this.state === 'header') this.header(whole);
      else this.extensionData(whole);
    }
  }

  /** The input ended: throws when it ended inside a header, an extension or a body. */
  end(): void {
    const clean = this.state === 'done' || (this.state === 'padding' && this.afterBody) || (this.state === 'header' && this.heldLength === 0);
    if (!clean) throw corrupt('unexpected end of data');
  }

  private header(raw: Buffer): void {
    const block = decodeHeaderBlock(raw);
    if (block === null) {
      this.state = 'done';
      return;
    }
    if (isExtension(block.kind)) {
      this.extensionBlock = block;
      this.state = 'extension';
      this.due = extensionSize(block);
      if (this.due === 0) this.extensionData(Buffer.alloc(0));
      return;
    }
    const header = this.resolver.entry(block);
    this.sink.entry(header);
    this.state = 'body';
    this.bodySize = header.size;
    this.due = header.size;
    if (this.due === 0) this.bodyDone();
  }

  private extensionData(data: Buffer): void {
    const block = this.extensionBlock!;
    this.resolver.extension(block, data);
    this.extensionBlock = null;
    this.pad(block.size, false);
  }

  private bodyDone(): void {
    this.sink.entryEnd();
    this.pad(this.bodySize, true);
  }

  private pad(size: number, afterBody: boolean): void {
    this.afterBody = afterBody;
    const padding = paddingOf(size);
    if (padding === 0) return this.expectHeader();
    this.state = 'padding';
    this.due = padding;
  }

  private expectHeader(): void {
    this.state = 'header';
    this.due = BLOCK_SIZE;
  }
}

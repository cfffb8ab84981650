import { BerthError } from '../../lib/errors.js';

/** Frame types of the multiplexed stream (`[type,0,0,0,len_be32]` headers). */
export type FrameStream = 'stdin' | 'stdout' | 'stderr' | 'system';

const STREAM_NAMES: Record<number, FrameStream> = { 0: 'stdin', 1: 'stdout', 2: 'stderr', 3: 'system' };
const HEADER_LEN = 8;

/**
 * Incremental decoder of Docker's multiplexed attach/exec/logs stream. Chunks may split headers and
 * payloads anywhere; `push` buffers the remainder and emits each complete frame once, in order.
 */
export class FrameDemuxer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (stream: FrameStream, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let offset = 0;
    while (this.pending.length - offset >= HEADER_LEN) {
      const type = this.pending[offset] ?? 0;
      const stream = STREAM_NAMES[type];
      if (stream === undefined) {
        throw new BerthError('Internal', 'bad_frame', `unrecognized input header: ${type}`);
      }
      const len = this.pending.readUInt32BE(offset + 4);
      if (this.pending.length - offset - HEADER_LEN < len) break;
      const start = offset + HEADER_LEN;
      this.onFrame(stream, this.pending.subarray(start, start + len));
      offset = start + len;
    }
    this.pending = offset === 0 ? this.pending : this.pending.subarray(offset);
  }

  /** True when a partial frame is still buffered (the stream ended mid-frame). */
  get hasPartialFrame(): boolean {
    return this.pending.length > 0;
  }
}

/** Encodes one frame; the inverse of FrameDemuxer, for tests and fakes. */
export function encodeFrame(stream: 0 | 1 | 2 | 3, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(HEADER_LEN);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

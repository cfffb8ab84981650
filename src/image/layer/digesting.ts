import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { internal } from '../../lib/errors.js';
import type { Digest } from '../../oci/digest.js';

/**
 * A passthrough that hashes (sha256) and counts what flows through it, so one pass over a layer
 * yields both its bytes and its digest (a DiffID before compression, a blob digest after).
 * `digest()` is available once the stream has ended; `bytes` at any time.
 */
export class DigestingTransform extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private count = 0;
  private result: Digest | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.count += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.result = `sha256:${this.hash.digest('hex')}` as Digest;
    callback();
  }

  get bytes(): number {
    return this.count;
  }

  digest(): Digest {
    if (this.result === undefined) throw internal('digest_not_ready', 'digest requested before the stream ended');
    return this.result;
  }
}

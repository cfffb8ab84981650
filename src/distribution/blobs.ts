import { Transform, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { BufferPool } from '../lib/buffer-pool.js';
import { BerthError, isBerthError } from '../lib/errors.js';
import { sha256Digest } from '../oci/digest.js';
import { getBlobBody } from './blob-body.js';
import type { Descriptor } from '../oci/image.js';
import { kindOfStatus, registryErrorText, type RegistryClient } from './registry-client.js';

/** Bytes moved so far of one blob, for progress bars. */
export type OnBytes = (current: number, total: number) => void;

const BLOB_ATTEMPTS = 3;

/** Big enough that each costs little per byte in hashing, inflating and writing; three downloads at once hold 6 MiB of them. */
const PIECE_BYTES = 512 * 1024;
/**
 * Pieces of one download at a time: the one being filled, the one waiting, the one being inflated
 * and the one being written; the download waits when all are lent (more only held more memory).
 */
const PIECES = 4;

/**
 * The pieces' pools of one transfer's downloads, each reused by the next download once one ends
 * with all its pieces back: a pool per blob made a 500 MB pull allocate 44 MB of pieces that
 * lived long enough to wait for a full collection of the heap. Dropped with the transfer, so an
 * idle daemon keeps none.
 */
export class DownloadBuffers {
  private readonly spare: BufferPool[] = [];

  take(): BufferPool {
    return this.spare.pop() ?? new BufferPool(PIECES, PIECE_BYTES);
  }

  /** A download is over: its pool serves the next one if every piece is back (a failed one's may still be read into). */
  giveBack(pool: BufferPool): void {
    if (pool.idle === PIECES) this.spare.push(pool);
  }
}

/**
 * Takes a blob's bytes in pieces lent out of `pool` (in order, each whole as it was gathered),
 * and gives each back to the pool once done with it.
 */
export type BlobConsumer = (pieces: Readable, pool: BufferPool) => Promise<void>;

/**
 * Streams one blob from the registry into `consume` (which stores it, and may unpack it in the
 * same pass), the size checked as the bytes arrive; `consume` verifies the digest. Network
 * failures and 5xx answers are retried with backoff (a blob GET is idempotent): `consume` runs
 * again from the start, so it must leave nothing behind when it fails.
 */
export async function fetchBlob(client: RegistryClient, repo: string, desc: Descriptor, buffers: DownloadBuffers, onBytes: OnBytes, consume: BlobConsumer): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      // A failed attempt's pool is not given back: its pieces may still be read into.
      const pool = buffers.take();
      await fetchOnce(client, repo, desc, pool, onBytes, consume);
      buffers.giveBack(pool);
      return;
    } catch (e) {
      const retriable = isBerthError(e, 'Unavailable');
      if (!retriable || attempt >= BLOB_ATTEMPTS) throw e;
      await sleep(200 * 2 ** (attempt - 1));
    }
  }
}

async function fetchOnce(client: RegistryClient, repo: string, desc: Descriptor, pool: BufferPool, onBytes: OnBytes, consume: BlobConsumer): Promise<void> {
  const path = `${repo}/blobs/${desc.digest}`;
  const scope = `repository:${repo}:pull`;
  const direct = await getBlobBody(await client.directGet(path, scope), desc.size, pool, (n) => onBytes(n, desc.size));
  if ('pieces' in direct) {
    try {
      await consume(direct.pieces, pool);
    } catch (e) {
      direct.abort(e instanceof Error ? e : new Error(String(e)));
      throw named(e, desc);
    }
    return;
  }
  // Anything but the body (an expired token, an error from the registry) is asked again the usual way.
  const res = await client.request(path, { scope });
  if (!res.ok) {
    const { text } = await registryErrorText(res);
    throw new BerthError(kindOfStatus(res.status), 'blob_fetch_failed', `error pulling blob ${desc.digest}: ${text}`);
  }
  let received = 0;
  const total = desc.size;
  // The socket's 64 KiB reads are copied into pieces that are reused: each piece then costs
  // one pass through hashing, storing and unpacking instead of eight, and the reads die young.
  // Fresh pieces lived long enough to be promoted, and freeing them took a full collection of the
  // heap every few MB (most of a pull's CPU besides hashing).
  let piece: Buffer | undefined;
  let filled = 0;
  const gather = async (chunk: Buffer, push: (piece: Buffer) => void): Promise<void> => {
    for (let at = 0; at < chunk.length; ) {
      piece ??= await pool.take();
      const n = chunk.copy(piece, filled, at);
      filled += n;
      at += n;
      if (filled === piece.length) {
        push(piece);
        piece = undefined;
        filled = 0;
      }
    }
  };
  const sizeCheck = new Transform({
    // Pieces stay whole: a byte-mode reader may join buffered chunks into a fresh buffer.
    readableObjectMode: true,
    readableHighWaterMark: 1,
    transform(chunk: Buffer, _enc, cb) {
      received += chunk.length;
      if (received > total) {
        cb(new BerthError('InvalidArgument', 'size_mismatch', `blob ${desc.digest} is larger than its descriptor's ${total} bytes`));
        return;
      }
      onBytes(received, total);
      gather(chunk, (p) => this.push(p)).then(() => cb(), cb);
    },
    flush(cb) {
      if (received !== total) cb(new BerthError('Unavailable', 'short_blob', `blob ${desc.digest}: got ${received} of ${total} bytes`));
      else cb(null, piece?.subarray(0, filled));
    },
  });
  const body = res.body;
  body.on('error', (e) => sizeCheck.destroy(new BerthError('Unavailable', 'blob_read_failed', `reading blob ${desc.digest}: ${e.message}`, { cause: e })));
  try {
    await consume(body.pipe(sizeCheck), pool);
  } catch (e) {
    body.destroy();
    throw named(e, desc);
  }
}

/** A consumer's digest mismatch, as Docker words it. */
function named(e: unknown, desc: Descriptor): unknown {
  if (isBerthError(e, 'InvalidArgument') && (e as BerthError).code === 'digest_mismatch') {
    return new BerthError('InvalidArgument', 'digest_mismatch', `failed to verify blob: digest mismatch for ${desc.digest}`, { cause: e });
  }
  return e;
}

/** Configs are at most this big (as containerd limits them). */
const SMALL_BLOB_LIMIT = 8 * 1024 * 1024;

/** A small blob (an image config) read into memory, its size and digest checked. */
export async function fetchBlobBytes(client: RegistryClient, repo: string, desc: Descriptor): Promise<Buffer> {
  if (desc.size > SMALL_BLOB_LIMIT) throw new BerthError('InvalidArgument', 'blob_too_big', `blob ${desc.digest} is too big: ${desc.size} bytes`);
  const res = await client.request(`${repo}/blobs/${desc.digest}`, { scope: `repository:${repo}:pull` });
  if (!res.ok) {
    const { text } = await registryErrorText(res);
    throw new BerthError(kindOfStatus(res.status), 'blob_fetch_failed', `error pulling blob ${desc.digest}: ${text}`);
  }
  const bytes = await res.bytes();
  if (bytes.length !== desc.size || sha256Digest(bytes) !== desc.digest) {
    throw new BerthError('InvalidArgument', 'digest_mismatch', `failed to verify blob: digest mismatch for ${desc.digest}`);
  }
  return bytes;
}

/** `HEAD /v2/<repo>/blobs/<digest>`: whether the registry holds the blob already. */
export async function blobExists(client: RegistryClient, repo: string, digest: string): Promise<boolean> {
  const res = await client.request(`${repo}/blobs/${digest}`, { method: 'HEAD', scope: `repository:${repo}:pull,push` });
  await res.drain();
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw new BerthError(kindOfStatus(res.status), 'blob_head_failed', res.status === 401 ? 'unauthorized: authentication required' : `checking blob ${digest}: ${res.status} ${res.statusText}`);
}

/**
 * Cross-repository mount: asks the registry to link a blob `from` another repository it holds.
 * False when it would not (it then opened an upload session, which is cancelled).
 */
export async function mountBlob(client: RegistryClient, repo: string, digest: string, from: string): Promise<boolean> {
  const query = `mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`;
  const res = await client.request(`${repo}/blobs/uploads/?${query}`, {
    method: 'POST',
    scope: `repository:${repo}:pull,push repository:${from}:pull`,
    headers: { 'Content-Length': '0' },
  });
  await res.drain();
  if (res.status === 201) return true;
  const location = res.headers.get('location');
  if (res.status === 202 && location) {
    await client
      .requestUrl(client.resolveLocation(location), { method: 'DELETE', scope: `repository:${repo}:pull,push` })
      .then((r) => r.drain())
      .catch(() => undefined);
  }
  return false;
}

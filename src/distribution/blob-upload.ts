import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError, isBerthError } from '../lib/errors.js';
import { kindOfStatus, registryErrorText, type RegistryClient, type RegistryResponse } from './registry-client.js';
import type { OnBytes } from './blobs.js';

/** A blob's bytes, readable again from any offset (a blob in the content store). */
export interface BlobSource {
  digest: string;
  size: number;
  /** The bytes in [start, end). */
  open(start: number, end: number): Readable;
}

export interface UploadPolicy {
  /**
   * A blob bigger than this goes up in chunks of this size (one PATCH with Content-Range each),
   * so a failure costs one chunk, not the blob; smaller ones in one monolithic PUT.
   */
  chunkSize: number;
}

export const DEFAULT_UPLOAD_CHUNK_SIZE = 128 * 1024 * 1024;

const ATTEMPTS = 3;

/** Statuses with which a registry refuses a monolithic PUT, so that chunks may still be welcome. */
const MONOLITHIC_REFUSED = new Set([405, 413, 416, 501]);

/** An open upload session: the URL of its latest Location, and the smallest chunk the registry takes. */
interface Session {
  url: string;
  minChunk: number;
}

/**
 * Uploads a blob of known size (distribution spec: POST, then one PUT ?digest=, or PATCHes of
 * `policy.chunkSize` with Content-Range and a closing PUT). Each request goes to the Location the
 * previous answer gave. A chunk that fails (connection lost, 5xx, range refused) resumes from the
 * offset the registry reports for the session (GET: Range), or from the start in a new session
 * when the registry lost it; a monolithic PUT the registry refuses falls back to chunks.
 */
export async function uploadBlob(client: RegistryClient, repo: string, source: BlobSource, onBytes: OnBytes, policy: UploadPolicy = { chunkSize: DEFAULT_UPLOAD_CHUNK_SIZE }): Promise<void> {
  if (source.size <= policy.chunkSize) {
    for (let attempt = 1; ; attempt++) {
      const session = await startUpload(client, repo);
      const res = await putMonolithic(client, repo, session, source, onBytes).catch((e: unknown) => {
        if (isBerthError(e, 'Unavailable') && attempt < ATTEMPTS) return undefined;
        throw e;
      });
      if (res === undefined || (res.status >= 500 && !MONOLITHIC_REFUSED.has(res.status) && attempt < ATTEMPTS)) {
        await drain(res);
        await sleep(backoff(attempt));
        continue;
      }
      if (res.status === 201) return drain(res);
      if (!MONOLITHIC_REFUSED.has(res.status)) throw await uploadError(res, 'upload_failed');
      await drain(res);
      await cancel(client, repo, session);
      break;
    }
  }
  await uploadChunks(client, repo, source, onBytes, policy.chunkSize);
}

/**
 * Uploads a blob whose size and digest are known only at its end (a layer compressed as it goes
 * up), as Docker streams every blob: POST, one PATCH of the whole stream, PUT ?digest=. The
 * stream cannot be read twice, so nothing is retried here. Each chunk is asked for once the
 * previous one is written out (undici's way with an iterable body). `digestOf`, when given,
 * supplies the digest of the same bytes hashed elsewhere (the store they are written to), once
 * they are all sent; otherwise they are hashed here. Returns what went up.
 */
export async function uploadStream(
  client: RegistryClient,
  repo: string,
  chunks: AsyncIterable<Buffer>,
  onBytes: (current: number) => void,
  digestOf?: () => Promise<string>,
): Promise<{ digest: string; size: number }> {
  const scope = pushScope(repo);
  const session = await startUpload(client, repo);
  const hash = digestOf ? undefined : createHash('sha256');
  let size = 0;
  const res = await client.requestUrl(session.url, {
    method: 'PATCH',
    scope,
    headers: { 'Content-Type': 'application/octet-stream' },
    body: async function* () {
      for await (const chunk of chunks) {
        hash?.update(chunk);
        size += chunk.length;
        onBytes(size);
        yield chunk;
      }
    },
  });
  if (res.status !== 202) throw await uploadError(res, 'upload_failed');
  session.url = nextUrl(client, res, session.url);
  await drain(res);
  const digest = hash ? `sha256:${hash.digest('hex')}` : await digestOf!();
  await closeUpload(client, repo, session, digest);
  return { digest, size };
}

async function uploadChunks(client: RegistryClient, repo: string, source: BlobSource, onBytes: OnBytes, chunkSize: number): Promise<void> {
  let session = await startUpload(client, repo);
  let offset = 0;
  let failures = 0;
  while (offset < source.size) {
    const end = Math.min(source.size, offset + Math.max(chunkSize, session.minChunk));
    const res = await client
      .requestUrl(session.url, {
        method: 'PATCH',
        scope: pushScope(repo),
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${offset}-${end - 1}`, 'Content-Length': String(end - offset) },
        body: () => counted(source.open(offset, end), offset, source.size, onBytes),
      })
      .catch((e: unknown) => {
        if (isBerthError(e, 'Unavailable') && failures + 1 < ATTEMPTS) return undefined;
        throw e;
      });
    if (res?.status === 202) {
      session.url = nextUrl(client, res, session.url);
      offset = acceptedUpTo(res) ?? end;
      failures = 0;
      await drain(res);
      continue;
    }
    // 416: the registry holds a different amount than we thought (an earlier chunk half landed).
    const retriable = res === undefined || res.status >= 500 || res.status === 416;
    if (!retriable || ++failures >= ATTEMPTS) throw await uploadError(res, 'upload_chunk_failed');
    await drain(res);
    await sleep(backoff(failures));
    const status = await uploadStatus(client, repo, session.url);
    if (status) {
      session.url = status.url;
      offset = status.offset;
    } else {
      session = await startUpload(client, repo);
      offset = 0;
    }
  }
  await closeUpload(client, repo, session, source.digest);
}

function pushScope(repo: string): string {
  return `repository:${repo}:pull,push`;
}

async function startUpload(client: RegistryClient, repo: string): Promise<Session> {
  const res = await client.request(`${repo}/blobs/uploads/`, { method: 'POST', scope: pushScope(repo), headers: { 'Content-Length': '0' } });
  if (res.status !== 202) throw await uploadError(res, 'upload_start_failed');
  await drain(res);
  if (!res.headers.get('location')) throw new BerthError('Unavailable', 'upload_no_location', 'the registry started an upload without a Location');
  const minChunk = Number(res.headers.get('oci-chunk-min-length') ?? '0');
  return { url: nextUrl(client, res, ''), minChunk: Number.isSafeInteger(minChunk) && minChunk > 0 ? minChunk : 0 };
}

function putMonolithic(client: RegistryClient, repo: string, session: Session, source: BlobSource, onBytes: OnBytes): Promise<RegistryResponse> {
  return client.requestUrl(withDigest(session.url, source.digest), {
    method: 'PUT',
    scope: pushScope(repo),
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(source.size) },
    body: () => counted(source.open(0, source.size), 0, source.size, onBytes),
  });
}

/** The closing PUT ?digest= of a session whose bytes are all in. */
async function closeUpload(client: RegistryClient, repo: string, session: Session, digest: string): Promise<void> {
  const res = await client.requestUrl(withDigest(session.url, digest), { method: 'PUT', scope: pushScope(repo), headers: { 'Content-Length': '0' } });
  if (res.status !== 201) throw await uploadError(res, 'upload_failed');
  await drain(res);
}

/** `GET <upload URL>`: where the session stands; undefined when the registry no longer knows it. */
async function uploadStatus(client: RegistryClient, repo: string, url: string): Promise<{ url: string; offset: number } | undefined> {
  const res = await client.requestUrl(url, { scope: pushScope(repo) }).catch(() => undefined);
  if (res === undefined) return undefined;
  await drain(res);
  if (res.status !== 204) return undefined;
  return { url: nextUrl(client, res, url), offset: acceptedUpTo(res) ?? 0 };
}

async function cancel(client: RegistryClient, repo: string, session: Session): Promise<void> {
  await client
    .requestUrl(session.url, { method: 'DELETE', scope: pushScope(repo) })
    .then((r) => r.drain())
    .catch(() => undefined);
}

/** The byte count a `Range: 0-<last>` header acknowledges; `0-0` counts as nothing (distribution sends it for an empty session). */
function acceptedUpTo(res: RegistryResponse): number | undefined {
  const m = /^(?:bytes=)?0-(\d+)$/.exec(res.headers.get('range')?.trim() ?? '');
  if (!m) return undefined;
  const last = Number(m[1]);
  return last === 0 ? 0 : last + 1;
}

function nextUrl(client: RegistryClient, res: RegistryResponse, previous: string): string {
  const location = res.headers.get('location');
  return location ? client.resolveLocation(location) : previous;
}

function withDigest(url: string, digest: string): string {
  const u = new URL(url);
  u.searchParams.set('digest', digest);
  return u.toString();
}

function counted(stream: Readable, from: number, total: number, onBytes: OnBytes): Readable {
  let sent = from;
  return stream.pipe(
    new Transform({
      transform(chunk: Buffer, _enc, cb) {
        sent += chunk.length;
        onBytes(sent, total);
        cb(null, chunk);
      },
    }),
  );
}

function backoff(attempt: number): number {
  return 200 * 2 ** (attempt - 1);
}

async function drain(res: RegistryResponse | undefined): Promise<void> {
  await res?.drain();
}

async function uploadError(res: RegistryResponse | undefined, code: string): Promise<BerthError> {
  if (res === undefined) return new BerthError('Unavailable', code, 'the registry dropped the connection during an upload');
  const { text } = await registryErrorText(res);
  return new BerthError(kindOfStatus(res.status), code, text);
}

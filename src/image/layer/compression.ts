import { spawn } from 'node:child_process';
import { pipeline, Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { BerthError, internal } from '../../lib/errors.js';
import { toolMissing } from './tools.js';

export type Compression = 'gzip' | 'bzip2' | 'xz' | 'zstd' | 'none';

const MAGIC: ReadonlyArray<readonly [Compression, readonly number[]]> = [
  ['gzip', [0x1f, 0x8b]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
];

/** Longest magic number: how many leading bytes `detectCompression` wants. */
export const SNIFF_BYTES = 6;

/** Compression of a stream from its first bytes; anything unrecognised counts as uncompressed. */
export function detectCompression(head: Uint8Array): Compression {
  for (const [kind, magic] of MAGIC) {
    if (head.length >= magic.length && magic.every((b, i) => head[i] === b)) return kind;
  }
  return 'none';
}

export interface DecompressOptions {
  /** Paths of the external decompressors, default found on PATH. */
  tools?: Partial<Record<'bzip2' | 'xz' | 'zstd', string>>;
}

/** The first SNIFF_BYTES bytes of `input` (fewer when it ends first), put back unless it ended. */
async function sniff(input: Readable): Promise<{ head: Buffer; ended: boolean }> {
  const parts: Buffer[] = [];
  let length = 0;
  let ended = false;
  while (length < SNIFF_BYTES && !ended) {
    const chunk = input.read() as Buffer | null;
    if (chunk !== null) {
      parts.push(chunk);
      length += chunk.length;
      continue;
    }
    if (input.readableEnded) break;
    ended = await new Promise<boolean>((resolve, reject) => {
      const settle = (): void => {
        input.off('readable', more).off('end', end).off('error', fail);
      };
      const more = (): void => (settle(), resolve(false));
      const end = (): void => (settle(), resolve(true));
      const fail = (e: Error): void => (settle(), reject(e));
      input.on('readable', more).on('end', end).on('error', fail);
    });
  }
  ended ||= input.readableEnded;
  const head = Buffer.concat(parts, length);
  if (!ended && length > 0) input.unshift(head);
  return { head, ended };
}

/**
 * The uncompressed bytes of `input`, whose compression is sniffed from its first bytes: gzip
 * (node:zlib), bzip2/xz/zstd (by spawning `<tool> -dc`) or none (passed through). A failure of
 * the input or the decompressor surfaces as an error on the returned stream; destroying the
 * returned stream stops the decompressor and destroys `input`. A missing zstd tool gives a
 * NotImplemented error "zstd-compressed layers are not supported".
 */
export async function decompressedStream(input: Readable, opts: DecompressOptions = {}): Promise<Readable> {
  const { head: first, ended } = await sniff(input);
  // The input itself goes on, its head put back: a layer above it would handle every chunk again
  // (an upload from the docker CLI comes in thousands of pieces under 1 KiB).
  const body = ended ? Readable.from(first.length > 0 ? [first] : [], { objectMode: false }) : input;

  const kind = detectCompression(first);
  switch (kind) {
    case 'none':
      return body;
    case 'gzip': {
      // zlib's 16 KiB default output chunks cost a main-thread callback each: 1 MiB ones make a
      // 50 MB layer's gunzip about four times cheaper.
      const gunzip = createGunzip({ chunkSize: 1024 * 1024 });
      pipeline(body, gunzip, () => {});
      return gunzip;
    }
    default:
      return spawnDecompressor(body, kind, opts.tools?.[kind] ?? kind);
  }
}

function spawnDecompressor(body: Readable, kind: 'bzip2' | 'xz' | 'zstd', cmd: string): Readable {
  const child = spawn(cmd, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: Buffer[] = [];
  child.stderr.on('data', (b: Buffer) => stderr.push(b));
  const exited = new Promise<void>((resolve, reject) => {
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const msg = Buffer.concat(stderr).toString('utf8').trim();
      reject(internal('decompress_failed', `${kind} decompression failed (${signal ?? `exit ${code}`})${msg === '' ? '' : `: ${msg}`}`));
    });
  });
  // Settled here too, so a tool that fails before the output is read is no unhandled rejection.
  exited.catch(() => {});
  // The output ends only once the tool has exited cleanly, so a truncated input is an error.
  const out = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      cb(null, chunk);
    },
    flush(cb) {
      exited.then(() => cb(), cb);
    },
  });
  child.on('error', (e: NodeJS.ErrnoException) => {
    const err = e.code !== 'ENOENT'
      ? e
      : kind === 'zstd'
        ? new BerthError('NotImplemented', 'unsupported_compression', 'zstd-compressed layers are not supported', { cause: e })
        : toolMissing(kind, e);
    out.destroy(err);
    body.destroy();
  });
  body.on('error', (e) => out.destroy(e));
  // EPIPE here means the tool quit early; its exit status tells why.
  pipeline(body, child.stdin, () => {});
  pipeline(child.stdout, out, (err) => {
    if (err) {
      child.kill();
      body.destroy();
    }
  });
  return out;
}

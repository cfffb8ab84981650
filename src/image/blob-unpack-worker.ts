// Worker-thread entry of BlobUnpacker (blob-unpacker.ts): stores and unpacks pulled layer blobs
// whose bytes the daemon's thread posts here as they arrive, several jobs at once.
import { Readable } from 'node:stream';
import { parentPort } from 'node:worker_threads';
import { isBerthError } from '../lib/errors.js';
import { ContentStore } from '../store/content/content-store.js';
import { storeAndUnpackBlob } from './layer-ingest.js';
import type { FromUnpacker, ToUnpacker, UnpackJob } from './blob-unpacker.js';

const port = parentPort;
if (port === null) throw new Error('blob-unpack-worker runs as a worker thread');
const post = (m: FromUnpacker): void => port.postMessage(m);

interface Running {
  blob: Readable;
  /** Bytes taken but not acknowledged: acknowledged once the unpack asks for more (backpressure). */
  unacked: number;
}
const running = new Map<number, Running>();

function start(job: number, spec: UnpackJob): void {
  const run: Running = {
    unacked: 0,
    blob: new Readable({
      highWaterMark: 4 * 1024 * 1024,
      read() {
        if (run.unacked > 0) post({ job, ack: run.unacked });
        run.unacked = 0;
      },
    }),
  };
  running.set(job, run);
  storeAndUnpackBlob(run.blob, spec.digest, spec.diffId, new ContentStore(spec.contentRoot), spec.dir)
    .then(
      (size) => post({ job, done: size }),
      (e: unknown) => {
        const err = e instanceof Error ? e : new Error(String(e));
        post({ job, error: { message: err.message, ...(isBerthError(err) ? { kind: err.kind, code: err.code } : { errno: (err as NodeJS.ErrnoException).code }) } });
      },
    )
    .finally(() => running.delete(job));
}

port.on('message', (m: ToUnpacker) => {
  if ('start' in m) return start(m.job, m.start);
  const run = running.get(m.job);
  if (run === undefined) return;
  if ('chunk' in m) {
    const chunk = Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength);
    if (run.blob.push(chunk)) post({ job: m.job, ack: chunk.length });
    else run.unacked += chunk.length;
  } else if ('end' in m) run.blob.push(null);
  else run.blob.destroy(new Error(m.abort));
});

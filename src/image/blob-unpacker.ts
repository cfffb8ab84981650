import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { BerthError, errorMessage, type ErrorKind } from '../lib/errors.js';
import type { DiffId, Digest } from '../oci/digest.js';

/** One pulled layer blob to store (under `contentRoot`) and unpack into `dir`. */
export interface UnpackJob {
  contentRoot: string;
  dir: string;
  digest: Digest;
  diffId: DiffId;
}

export type ToUnpacker =
  | { job: number; start: UnpackJob }
  | { job: number; chunk: Uint8Array }
  | { job: number; end: true }
  | { job: number; abort: string };
export type FromUnpacker =
  | { job: number; ack: number }
  | { job: number; done: number }
  | { job: number; error: { message: string; kind?: ErrorKind; code?: string; errno?: string } };

// The bundle names the worker's file beside its entry; tsc's output has it beside this module.
declare const __BERTH_BLOB_UNPACK_WORKER__: string | undefined;

function workerUrl(): URL {
  if (typeof __BERTH_BLOB_UNPACK_WORKER__ === 'string') return new URL(__BERTH_BLOB_UNPACK_WORKER__, pathToFileURL(process.argv[1]!));
  return new URL('./blob-unpack-worker.js', import.meta.url);
}

/** Bytes posted to a worker for one job and not yet taken by its unpack. */
const WINDOW = 8 * 1024 * 1024;
/** A worker with no job for this long exits: an idle daemon keeps none. */
const IDLE_MS = 5_000;

interface Job {
  credit: number;
  wake: (() => void) | undefined;
  settled: boolean;
  resolve: (size: number) => void;
  reject: (e: unknown) => void;
}

/** One worker thread and the jobs it runs. */
class UnpackWorker {
  readonly jobs = new Map<number, Job>();
  private readonly worker: Worker;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly onExit: (w: UnpackWorker) => void) {
    this.worker = new Worker(workerUrl());
    this.worker.on('message', (m: FromUnpacker) => {
      const job = this.jobs.get(m.job);
      if (job === undefined) return;
      if ('ack' in m) {
        job.credit += m.ack;
        job.wake?.();
      } else if ('done' in m) this.settle(m.job, () => job.resolve(m.done));
      else this.settle(m.job, () => job.reject(rebuildError(m.error)));
    });
    const fail = (e: Error): void => {
      for (const [id, job] of this.jobs) this.settle(id, () => job.reject(e));
      this.onExit(this);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new BerthError('Internal', 'unpack_worker_exit', `layer unpack worker exited (${code})`)));
  }

  post(m: ToUnpacker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(m, transfer);
  }

  add(id: number, job: Job, spec: UnpackJob): void {
    clearTimeout(this.idleTimer);
    this.worker.ref();
    this.jobs.set(id, job);
    this.post({ job: id, start: spec });
  }

  private settle(id: number, f: () => void): void {
    const job = this.jobs.get(id);
    if (job === undefined || job.settled) return;
    job.settled = true;
    this.jobs.delete(id);
    job.wake?.();
    f();
    if (this.jobs.size === 0) {
      // An idle worker holds neither the daemon nor a test process open.
      this.worker.unref();
      this.idleTimer = setTimeout(() => {
        // Out of the pool first, so no job is given to a worker that is exiting.
        this.onExit(this);
        void this.worker.terminate();
      }, IDLE_MS);
      this.idleTimer.unref();
    }
  }
}

/**
 * Stores and unpacks pulled layer blobs (storeAndUnpackBlob) on worker threads, fed each blob's
 * bytes as they arrive. Hashing twice, inflating and untarring a layer is CPU work that would
 * otherwise hold the daemon's event loop, and its stream of buffers would start a full collection
 * of the daemon's heap every few dozen megabytes; on workers, a pull uses every core and those
 * collections cover a heap of a few megabytes. Workers start on demand (the first at `warm`, when
 * a pull begins, so its start overlaps the manifest's fetch) and exit when idle.
 */
export class BlobUnpacker {
  private readonly workers: UnpackWorker[] = [];
  private nextJob = 1;
  /** As many as a pull fetches layers at once by default: the OS spreads them over the cores. */
  private readonly maxWorkers = 3;

  /** Starts a worker now if none is running. */
  warm(): void {
    if (this.workers.length === 0) this.spawn();
  }

  /** Stores and unpacks `blob` as `spec` says; returns the size of the uncompressed tar. */
  async unpack(blob: Readable, spec: UnpackJob): Promise<number> {
    const worker = this.pick();
    const id = this.nextJob++;
    let job!: Job;
    const result = new Promise<number>((resolve, reject) => {
      job = { credit: WINDOW, wake: undefined, settled: false, resolve, reject };
    });
    worker.add(id, job, spec);
    let readError: unknown;
    try {
      for await (const chunk of blob as AsyncIterable<Buffer>) {
        while (job.credit <= 0 && !job.settled) await new Promise<void>((resolve) => (job.wake = resolve));
        if (job.settled) break;
        job.credit -= chunk.length;
        // A buffer that owns its whole memory moves to the worker without a copy.
        const whole = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength && chunk.buffer instanceof ArrayBuffer;
        worker.post({ job: id, chunk }, whole ? [chunk.buffer] : []);
      }
      if (!job.settled) worker.post({ job: id, end: true });
    } catch (e) {
      readError = e;
      if (!job.settled) worker.post({ job: id, abort: errorMessage(e) });
    }
    try {
      const size = await result;
      if (readError !== undefined) throw readError;
      return size;
    } catch (e) {
      // The download's own failure names the cause (and decides a retry); the worker saw only its end.
      throw readError ?? e;
    }
  }

  private spawn(): UnpackWorker {
    const w = new UnpackWorker((gone) => {
      const i = this.workers.indexOf(gone);
      if (i >= 0) this.workers.splice(i, 1);
    });
    this.workers.push(w);
    return w;
  }

  /** The least busy worker, or a new one while there are spare cores. */
  private pick(): UnpackWorker {
    const idle = this.workers.find((w) => w.jobs.size === 0);
    if (idle) return idle;
    if (this.workers.length < this.maxWorkers) return this.spawn();
    return this.workers.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
  }
}

function rebuildError(e: { message: string; kind?: ErrorKind; code?: string; errno?: string }): Error {
  if (e.kind !== undefined) return new BerthError(e.kind, e.code ?? 'layer_unpack_failed', e.message);
  return Object.assign(new Error(e.message), e.errno !== undefined ? { code: e.errno } : {});
}

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (options?: { type: 'minor' | 'major' }) => void;

let collect: Collect | null | undefined;

/** V8's collector; Node exposes it only behind --expose-gc, which a context made after setting the flag sees. */
export function v8Collector(): Collect | null {
  if (collect === undefined) {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
    collect = typeof gc === 'function' ? (gc as Collect) : null;
  }
  return collect;
}

/** Fresh buffer bytes between two scavenges of a stream of short-lived big buffers. */
const YOUNG_BYTES_PER_SCAVENGE = 4 * 1024 * 1024;
let youngBytes = 0;

/**
 * Notes `bytes` of fresh buffers that die young (an inflater's output, written to a file and
 * dropped). V8 frees a dead buffer's memory only at its next scavenge, which comes after a
 * megabyte of heap objects (berthd's young generation): a pull allocates hundreds of megabytes
 * of inflated output in that time, and the RSS held them until V8's full collection at 64 MB
 * of outstanding buffers. A scavenge every few megabytes of them (a fraction of a millisecond:
 * the young generation is small) keeps that garbage bounded.
 */
export function noteYoungBuffers(bytes: number): void {
  youngBytes += bytes;
  if (youngBytes < YOUNG_BYTES_PER_SCAVENGE) return;
  youngBytes = 0;
  v8Collector()?.({ type: 'minor' });
}

/**
 * A transfer's progress, in Docker's vocabulary: `id` names a layer (12 hex digits) or the tag,
 * `status` is `Pulling fs layer`, `Downloading`, `Pushed`…; `current`/`total` are bytes while moving.
 * The API server turns these into Docker's JSON progress messages.
 */
export interface ProgressEvent {
  id?: string;
  status: string;
  current?: number;
  total?: number;
  /** Extra data for the client (push's `{Tag, Digest, Size}`). */
  aux?: Record<string, unknown>;
}

export type ProgressSink = (event: ProgressEvent) => void;

/** The short layer id Docker shows: the first 12 hex digits. */
export const shortLayerId = (digest: string): string => digest.replace(/^sha256:/, '').slice(0, 12);

/** Drops byte updates closer than `ms` apart (the last one of a blob always passes). */
export function throttled(sink: ProgressSink, id: string, status: string, ms = 100): (current: number, total: number) => void {
  let last = 0;
  return (current, total) => {
    const now = Date.now();
    if (current < total && now - last < ms) return;
    last = now;
    sink({ id, status, current, total });
  };
}

/** Runs `tasks` with at most `limit` at once; resolves with their results in order, rejects with the first failure. */
export async function limited<T>(limit: number, tasks: ReadonlyArray<() => Promise<T>>): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, tasks.length) }, async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  });
  await Promise.all(workers);
  return results;
}

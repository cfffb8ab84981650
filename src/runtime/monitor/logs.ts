import { watch, type FSWatcher } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { rotatedLogFiles } from './log-rotation.js';

/**
 * Reader for conmon's k8s-file container logs. Each record is one line:
 *   `<RFC3339Nano time with offset> <stdout|stderr> <F|P> <content>\n`
 * `F` ends a line of output (its newline is the record's); `P` is a fragment that continues in the
 * next record of the same stream (conmon splits long lines and writes what it has).
 */

export type LogStream = 'stdout' | 'stderr';

/** One parsed record (a line of the file without its `\n`). */
export interface LogLine {
  /** RFC3339 UTC with exactly 9 fractional digits and `Z`. */
  time: string;
  /** Unix time in nanoseconds, for filtering. */
  timeNs: bigint;
  stream: LogStream;
  partial: boolean;
  content: Buffer;
}

/** What readLogs yields: one line of output, fragments joined. */
export interface LogEntry {
  stream: LogStream;
  /** Time of the line's first fragment, RFC3339Nano UTC (`2024-01-02T03:04:05.123456789Z`). */
  time: string;
  /** The output bytes, including the trailing `\n` when the line was complete. */
  line: Buffer;
}

const TS_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an RFC3339(Nano) timestamp with any offset into UTC with 9 fractional digits. */
export function normalizeTimestamp(ts: string): { time: string; ns: bigint } | null {
  const m = TS_RE.exec(ts);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac = '', zone] = m;
  let offsetMin = 0;
  if (zone !== 'Z') {
    const sign = zone!.startsWith('-') ? -1 : 1;
    offsetMin = sign * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(4, 6)));
  }
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) - offsetMin * 60_000;
  if (!Number.isFinite(ms)) return null;
  const nanos = frac.padEnd(9, '0');
  const time = `${new Date(ms).toISOString().slice(0, 19)}.${nanos}Z`;
  return { time, ns: BigInt(ms / 1000) * 1_000_000_000n + BigInt(nanos) };
}

const SPACE = 0x20;

/** Parses one k8s-file record (without its `\n`); null when it is not one. */
export function parseLogLine(line: Buffer): LogLine | null {
  const s1 = line.indexOf(SPACE);
  if (s1 < 0) return null;
  const s2 = line.indexOf(SPACE, s1 + 1);
  if (s2 < 0) return null;
  const ts = normalizeTimestamp(line.toString('latin1', 0, s1));
  const stream = line.toString('latin1', s1 + 1, s2);
  if (!ts || (stream !== 'stdout' && stream !== 'stderr')) return null;
  const tag = line[s2 + 1];
  const partial = tag === 0x50; /* P */
  if (!partial && tag !== 0x46 /* F */) return null;
  // The tag is followed by one space, then the content (which may be empty).
  if (line.length > s2 + 2 && line[s2 + 2] !== SPACE) return null;
  return { time: ts.time, timeNs: ts.ns, stream, partial, content: line.subarray(Math.min(line.length, s2 + 3)) };
}

interface Joined extends LogEntry {
  timeNs: bigint;
}

/** Joins `P` fragments with the record that completes them, per stream. */
export class LogJoiner {
  private readonly pending = new Map<LogStream, { first: LogLine; parts: Buffer[] }>();

  /** Feeds one record; returns the completed line, if this record completed one. */
  push(rec: LogLine): Joined | null {
    const p = this.pending.get(rec.stream);
    if (rec.partial) {
      if (p) p.parts.push(rec.content);
      else this.pending.set(rec.stream, { first: rec, parts: [rec.content] });
      return null;
    }
    this.pending.delete(rec.stream);
    const first = p?.first ?? rec;
    const parts = p ? [...p.parts, rec.content] : [rec.content];
    return { stream: rec.stream, time: first.time, timeNs: first.timeNs, line: Buffer.concat([...parts, Buffer.from('\n')]) };
  }

  /** Lines still waiting for their end (output that never ended with a newline), oldest first. */
  flush(): Joined[] {
    const out = [...this.pending.values()]
      .map(({ first, parts }) => ({ stream: first.stream, time: first.time, timeNs: first.timeNs, line: Buffer.concat(parts) }))
      .sort((a, b) => (a.timeNs < b.timeNs ? -1 : a.timeNs > b.timeNs ? 1 : 0));
    this.pending.clear();
    return out;
  }
}

export interface ReadLogsOptions {
  /** Only lines at or after this unix time (seconds, fractional); 0/undefined = all. */
  since?: number;
  /** Only lines at or before this unix time; 0/undefined = no limit. Following stops past it. */
  until?: number;
  /** Only the last N lines of what exists now ('all' or undefined = all). Applied before since/until, as Docker does. */
  tail?: number | 'all';
  /** Keep yielding appended lines until `isRunning()` is false and the file is drained, or `signal` aborts. */
  follow: boolean;
  isRunning: () => boolean;
  signal?: AbortSignal;
}

const CHUNK = 64 * 1024;
const POLL_MS = 250;

const secondsToNs = (s: number): bigint => {
  const whole = Math.floor(s);
  return BigInt(whole) * 1_000_000_000n + BigInt(Math.round((s - whole) * 1e9));
};

/**
 * Reads a k8s-file log. A missing file reads as empty (and, when following, is waited for while the
 * container runs). Handles conmon's log rotation (the file replaced by a new, empty one) while
 * following. Aborting `signal` ends the iteration quietly. A line that never got its newline is
 * yielded without one once the reader stops.
 */
export async function* readLogs(path: string, opts: ReadLogsOptions): AsyncGenerator<LogEntry> {
  const sinceNs = opts.since ? secondsToNs(opts.since) : undefined;
  const untilNs = opts.until ? secondsToNs(opts.until) : undefined;
  const wanted = (e: Joined): boolean => (sinceNs === undefined || e.timeNs >= sinceNs) && (untilNs === undefined || e.timeNs <= untilNs);
  const pastUntil = (e: Joined): boolean => untilNs !== undefined && e.timeNs > untilNs;
  const out = (e: Joined): LogEntry => ({ stream: e.stream, time: e.time, line: e.line });

  const joiner = new LogJoiner();
  const reader = new LineReader(path);
  const waker = opts.follow ? new Waker(path, opts.signal) : undefined;
  try {
    // Initial pass over what exists now: the rotated files (see LogRotation), oldest first, then the live one.
    const tail = opts.tail === undefined || opts.tail === 'all' || opts.tail < 0 ? undefined : opts.tail;
    const older = await rotatedLogFiles(path);
    const opened = await reader.openIfExists();
    if (opened || older.length > 0) {
      const start = opened && tail !== undefined ? await reader.tailStart(tail) : 0;
      const batch: Joined[] = [];
      const take = (raw: Buffer): void => {
        const rec = parseLogLine(raw);
        const e = rec && joiner.push(rec);
        if (!e) return;
        batch.push(e);
        if (tail !== undefined && batch.length > tail) batch.shift();
      };
      // The rotated files count only when the live one may hold fewer lines than the tail asks for.
      if (start === 0) {
        for (const file of older) {
          const rotated = new LineReader(file);
          try {
            if (await rotated.openIfExists()) (await rotated.readAvailable()).forEach(take);
          } finally {
            await rotated.close();
          }
        }
      }
      reader.seek(start);
      (await reader.readAvailable()).forEach(take);
      if (!opts.follow) {
        for (const e of joiner.flush()) {
          batch.push(e);
          if (tail !== undefined && batch.length > tail) batch.shift();
        }
      }
      for (const e of batch) {
        if (opts.signal?.aborted) return;
        if (pastUntil(e)) return;
        if (wanted(e)) yield out(e);
      }
    }
    if (!opts.follow || !waker) return;

    for (;;) {
      if (opts.signal?.aborted) return;
      // Sample "running" before reading: whatever was logged before the exit is then read below.
      const running = opts.isRunning();
      await reader.openIfExists();
      const lines = await reader.readAvailable();
      for (const raw of lines) {
        const rec = parseLogLine(raw);
        const e = rec && joiner.push(rec);
        if (!e) continue;
        if (pastUntil(e)) return;
        if (wanted(e)) yield out(e);
        if (opts.signal?.aborted) return;
      }
      if (lines.length > 0) continue;
      if (await reader.rotated()) continue;
      if (!running) break;
      await waker.wait(POLL_MS);
    }
    for (const e of joiner.flush()) {
      if (pastUntil(e)) return;
      if (wanted(e)) yield out(e);
    }
  } finally {
    waker?.close();
    await reader.close();
  }
}

/** Reads whole `\n`-terminated lines from a file that may not exist yet, grow, or be replaced. */
class LineReader {
  private fh: FileHandle | undefined;
  private ino = 0;
  private pos = 0;
  private carry: Buffer = Buffer.alloc(0);

  constructor(private readonly path: string) {}

  async openIfExists(): Promise<boolean> {
    if (this.fh) return true;
    try {
      this.fh = await open(this.path, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
    this.ino = (await this.fh.stat()).ino;
    this.pos = 0;
    this.carry = Buffer.alloc(0);
    return true;
  }

  seek(pos: number): void {
    this.pos = pos;
    this.carry = Buffer.alloc(0);
  }

  /** Complete lines appended since the last call (without their `\n`). */
  async readAvailable(): Promise<Buffer[]> {
    if (!this.fh) return [];
    const lines: Buffer[] = [];
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await this.fh.read(buf, 0, CHUNK, this.pos);
      if (bytesRead === 0) break;
      this.pos += bytesRead;
      let data = Buffer.concat([this.carry, buf.subarray(0, bytesRead)]);
      let nl: number;
      while ((nl = data.indexOf(0x0a)) >= 0) {
        lines.push(Buffer.from(data.subarray(0, nl)));
        data = data.subarray(nl + 1);
      }
      this.carry = Buffer.from(data);
    }
    return lines;
  }

  /**
   * True when the path now names another file (conmon rotated it) or ours shrank: switch to the
   * new file from its start. Call only after draining the current one.
   */
  async rotated(): Promise<boolean> {
    if (!this.fh) return false;
    let st;
    try {
      st = await stat(this.path);
    } catch {
      return false;
    }
    if (st.ino === this.ino && st.size >= this.pos) return false;
    await this.close();
    return this.openIfExists();
  }

  /**
   * Offset where the last `n` complete lines begin: just past the (n+1)-th `F` record from the
   * end, scanning backwards in chunks (fragments of those lines follow their predecessor's F).
   */
  async tailStart(n: number): Promise<number> {
    if (!this.fh) return 0;
    const size = (await this.fh.stat()).size;
    let end = size;
    let rest = Buffer.alloc(0); // bytes after the last newline seen so far, unprocessed
    let seen = 0;
    let first = true;
    while (end > 0) {
      const start = Math.max(0, end - CHUNK);
      const chunk = Buffer.allocUnsafe(end - start);
      await this.fh.read(chunk, 0, chunk.length, start);
      const data = Buffer.concat([chunk, rest]);
      let lineEnd = data.length;
      if (first) {
        // An unterminated last line is not a record yet: skip back to the last newline.
        lineEnd = data.lastIndexOf(0x0a) + 1;
        if (lineEnd === 0) {
          end = start;
          continue;
        }
        first = false;
      }
      for (;;) {
        if (lineEnd === 0) break;
        const prevNl = data.lastIndexOf(0x0a, lineEnd - 2);
        if (prevNl < 0 && start > 0) break; // line continues in an earlier chunk
        const lineStart = prevNl + 1;
        const rec = parseLogLine(data.subarray(lineStart, lineEnd - 1));
        if (rec && !rec.partial) {
          if (seen === n) return start + lineEnd;
          seen++;
        }
        lineEnd = lineStart;
      }
      rest = Buffer.from(data.subarray(0, lineEnd));
      end = start;
    }
    return 0;
  }

  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close();
  }
}

/** Wakes a follower when the log's directory changes, after a poll interval, or on abort. */
class Waker {
  private watcher: FSWatcher | undefined;
  private wake: (() => void) | undefined;
  private readonly onAbort = (): void => this.fire();

  constructor(path: string, private readonly signal?: AbortSignal) {
    const name = basename(path);
    try {
      // Watch the directory: the file may not exist yet, and rotation replaces it.
      this.watcher = watch(dirname(path), (_e, f) => {
        if (f === null || f === name) this.fire();
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      this.watcher = undefined; // polling alone still works
    }
    signal?.addEventListener('abort', this.onAbort);
  }

  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.fire(), ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
      if (this.signal?.aborted) this.fire();
    });
  }

  close(): void {
    this.watcher?.close();
    this.signal?.removeEventListener('abort', this.onAbort);
    this.fire();
  }

  private fire(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}

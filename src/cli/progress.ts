import type { Readable } from 'node:stream';
import { readJsonLines } from '../api/client/json-lines.js';
import type { JsonMessage, JsonProgress } from '../api/types/stream.js';
import { humanSize } from './format/units.js';

/** docker's JSONProgress rendering from `progressDetail`: `[=====>     ]  12.3MB/45.6MB`. */
export function progressBar(p: JsonProgress | undefined): string {
  const current = p?.current ?? 0;
  const total = p?.total ?? 0;
  if (current <= 0 && total <= 0) return '';
  if (total <= 0 || current > total) return humanSize(current).padStart(8);
  const filled = Math.min(50, Math.floor(Math.floor((current / total) * 100) / 2));
  return `[${'='.repeat(filled)}>${' '.repeat(50 - filled)}] ${humanSize(current).padStart(8)}/${humanSize(total)}`;
}

/** An error reported inside a JSON message stream (after the daemon answered 200). */
export class StreamError extends Error {
  constructor(
    message: string,
    readonly code: number | undefined,
  ) {
    super(message);
    this.name = 'StreamError';
  }
}

/**
 * Renders a JSON progress stream the way docker does on a non-terminal: one line per message
 * (`<id>: <status> <progress>`, or the `stream` text verbatim). On a terminal, lines with an `id` and
 * progress are rewritten in place. Returns every `aux` payload; throws StreamError on an in-band error.
 */
export async function displayJsonMessages(
  source: Readable,
  out: NodeJS.WritableStream & { isTTY?: boolean },
  opts: { quiet?: boolean } = {},
): Promise<Record<string, unknown>[]> {
  const aux: Record<string, unknown>[] = [];
  const tty = out.isTTY === true;
  const lineOf = new Map<string, number>();
  let lines = 0;
  for await (const msg of readJsonLines<JsonMessage>(source)) {
    if (msg.errorDetail !== undefined || msg.error !== undefined) {
      throw new StreamError(msg.errorDetail?.message ?? msg.error ?? '', msg.errorDetail?.code);
    }
    if (msg.aux !== undefined) {
      aux.push(msg.aux);
      continue;
    }
    if (opts.quiet === true) continue;
    if (msg.stream !== undefined) {
      out.write(msg.stream);
      lineOf.clear();
      lines = 0;
      continue;
    }
    if (msg.status === undefined) continue;
    const moving = (msg.progress !== undefined && msg.progress !== '') || msg.progressDetail?.current !== undefined;
    // Without a terminal, moving progress bars are noise: docker prints only the state changes.
    if (!tty && moving) continue;
    const prefix = msg.id !== undefined && msg.id !== '' ? `${msg.id}: ` : '';
    const bar = msg.progress || progressBar(msg.progressDetail);
    const text = `${prefix}${msg.status}${tty && bar ? ` ${bar}` : ''}`;
    if (!tty) {
      out.write(`${text}\n`);
      continue;
    }
    if (msg.id === undefined || msg.id === '') {
      lineOf.clear();
      lines = 0;
      out.write(`${text}\n`);
      continue;
    }
    const at = lineOf.get(msg.id);
    if (at === undefined) {
      lineOf.set(msg.id, lines++);
      out.write(`${text}\n`);
    } else {
      // Rewrite this layer's line in place: up, clear, write, back down.
      const up = lines - at;
      out.write(`\x1b[${up}A\r\x1b[2K${text}\r\x1b[${up}B`);
    }
  }
  return aux;
}

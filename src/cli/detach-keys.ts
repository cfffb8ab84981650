/** Client-side detach key sequences (`ctrl-p,ctrl-q`) for TTY attach sessions. */

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/** Parses docker's detach-key syntax into bytes; throws with docker's message when invalid. */
export function parseDetachKeys(spec: string): Buffer {
  const bytes: number[] = [];
  for (const key of spec.split(',')) {
    if (key.length === 1) {
      bytes.push(key.charCodeAt(0));
      continue;
    }
    const m = /^ctrl-(.)$/.exec(key);
    if (m === null) throw new Error(`Invalid detach keys (${spec}) provided`);
    const c = (m[1] ?? '').toLowerCase();
    if (c >= 'a' && c <= 'z') bytes.push(c.charCodeAt(0) - 96);
    else if (c === '@') bytes.push(0);
    else if (c === '[') bytes.push(27);
    else if (c === '\\') bytes.push(28);
    else if (c === ']') bytes.push(29);
    else if (c === '^') bytes.push(30);
    else if (c === '_') bytes.push(31);
    else throw new Error(`Invalid detach keys (${spec}) provided`);
  }
  return Buffer.from(bytes);
}

/**
 * Watches stdin bytes for the detach sequence. Bytes that might start the sequence are held back and
 * released when the sequence breaks, so the container sees exactly what was typed unless it detaches.
 */
export class DetachKeyScanner {
  private matched = 0;

  constructor(private readonly keys: Buffer) {}

  feed(chunk: Buffer): { forward: Buffer; detached: boolean } {
    const out: number[] = [];
    for (const byte of chunk) {
      if (this.keys.length > 0 && byte === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) {
          this.matched = 0;
          return { forward: Buffer.from(out), detached: true };
        }
        continue;
      }
      // Sequence broken: release what was held, then re-check this byte as a new start.
      for (let i = 0; i < this.matched; i++) out.push(this.keys[i] ?? 0);
      this.matched = 0;
      if (this.keys.length > 0 && byte === this.keys[0]) {
        this.matched = 1;
        if (this.keys.length === 1) return { forward: Buffer.from(out), detached: true };
      } else out.push(byte);
    }
    return { forward: Buffer.from(out), detached: false };
  }
}

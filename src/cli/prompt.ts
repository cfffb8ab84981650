import type { CliIo } from './io.js';

/** Reads one answer line from stdin (the whole input if it has no newline). */
export function readAnswer(stdin: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const done = () => {
      stdin.off('data', onData);
      stdin.off('end', done);
      stdin.pause();
      resolve(text.split('\n')[0] ?? '');
    };
    const onData = (b: Buffer | string) => {
      text += b.toString();
      if (text.includes('\n')) done();
    };
    stdin.on('data', onData);
    stdin.on('end', done);
    stdin.resume();
  });
}

/** docker's `[y/N]` confirmation: only `y` or `Y` (spaces around allowed) says yes; anything else, or no input, says no. */
export async function confirm(io: CliIo, message: string): Promise<boolean> {
  io.stdout.write(`${message} [y/N] `);
  return (await readAnswer(io.stdin)).trim().toLowerCase() === 'y';
}

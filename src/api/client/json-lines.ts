import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { JsonMessage } from '../types/stream.js';

/**
 * Yields each newline-delimited JSON object of a stream (pull/push/build/import progress). Lines may be
 * split across chunks; `\r\n` endings and blank lines are tolerated. A line that is not JSON is a
 * protocol error and throws.
 */
export async function* readJsonLines<T = JsonMessage>(source: AsyncIterable<Buffer | string> | Readable): AsyncGenerator<T> {
  const decoder = new StringDecoder('utf8');
  let buffered = '';
  for await (const chunk of source as AsyncIterable<Buffer | string>) {
    buffered += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let nl = buffered.indexOf('\n');
    while (nl !== -1) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line !== '') yield JSON.parse(line) as T;
      nl = buffered.indexOf('\n');
    }
  }
  const rest = (buffered + decoder.end()).trim();
  if (rest !== '') yield JSON.parse(rest) as T;
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readJsonLines } from './json-lines.js';

async function* chunks(parts: (string | Buffer)[]): AsyncGenerator<Buffer | string> {
  for (const p of parts) yield p;
}

async function all(parts: (string | Buffer)[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const m of readJsonLines(chunks(parts))) out.push(m);
  return out;
}

test('reads newline-delimited JSON split anywhere', async () => {
  assert.deepEqual(await all(['{"status":"Pul', 'ling"}\r\n\n{"id":"a",', '"progressDetail":{}}\n{"aux":{"ID":"x"}}']), [
    { status: 'Pulling' },
    { id: 'a', progressDetail: {} },
    { aux: { ID: 'x' } },
  ]);
});

test('decodes multi-byte characters split across chunks', async () => {
  const bytes = Buffer.from('{"stream":"é"}\n');
  assert.deepEqual(await all([bytes.subarray(0, 12), bytes.subarray(12)]), [{ stream: 'é' }]);
});

test('throws on a line that is not JSON', async () => {
  await assert.rejects(all(['nope\n']), SyntaxError);
});

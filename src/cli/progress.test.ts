import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { displayJsonMessages, progressBar, StreamError } from './progress.js';

test('progressBar renders progressDetail as docker does', () => {
  const cases: [Parameters<typeof progressBar>[0], string][] = [
    [undefined, ''],
    [{}, ''],
    [{ current: 1234567, total: 45600000 }, `[=>${' '.repeat(49)}]  1.235MB/45.6MB`],
    [{ current: 45600000, total: 45600000 }, `[${'='.repeat(50)}>]   45.6MB/45.6MB`],
    [{ current: 2048 }, ' 2.048kB'],
  ];
  for (const [p, want] of cases) assert.equal(progressBar(p), want, JSON.stringify(p));
});

test('displayJsonMessages prints state lines without a terminal and throws in-band errors', async () => {
  const lines = [
    { status: 'Pulling from bb', id: '1' },
    { status: 'Downloading', progressDetail: { current: 1, total: 2 }, id: 'abc' },
    { status: 'Pull complete', progressDetail: {}, id: 'abc' },
    { errorDetail: { message: 'boom' }, error: 'boom' },
  ];
  let out = '';
  const sink = { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream;
  const src = Readable.from([lines.map((l) => `${JSON.stringify(l)}\r\n`).join('')]);
  await assert.rejects(displayJsonMessages(src, sink), (e: unknown) => e instanceof StreamError && e.message === 'boom');
  assert.equal(out, '1: Pulling from bb\nabc: Pull complete\n');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeFrame, FrameDemuxer, type FrameStream } from './frame-demuxer.js';

function collect(chunks: Buffer[]): [FrameStream, string][] {
  const out: [FrameStream, string][] = [];
  const d = new FrameDemuxer((s, p) => out.push([s, p.toString()]));
  for (const c of chunks) d.push(c);
  return out;
}

test('demultiplexes frames however the chunks are split', async (t) => {
  const stream = Buffer.concat([encodeFrame(1, 'hello\n'), encodeFrame(2, 'oops'), encodeFrame(1, ''), encodeFrame(1, 'bye')]);
  const expected: [FrameStream, string][] = [
    ['stdout', 'hello\n'],
    ['stderr', 'oops'],
    ['stdout', ''],
    ['stdout', 'bye'],
  ];
  for (const size of [1, 3, 7, 8, 9, stream.length]) {
    await t.test(`chunks of ${size}`, () => {
      const chunks: Buffer[] = [];
      for (let i = 0; i < stream.length; i += size) chunks.push(stream.subarray(i, i + size));
      assert.deepEqual(collect(chunks), expected);
    });
  }
});

test('keeps a partial frame until it completes', () => {
  const out: string[] = [];
  const d = new FrameDemuxer((_s, p) => out.push(p.toString()));
  const frame = encodeFrame(1, 'abcdef');
  d.push(frame.subarray(0, 10));
  assert.equal(d.hasPartialFrame, true);
  assert.deepEqual(out, []);
  d.push(frame.subarray(10));
  assert.deepEqual(out, ['abcdef']);
  assert.equal(d.hasPartialFrame, false);
});

test('reports system-error frames and rejects unknown stream types', () => {
  assert.deepEqual(collect([encodeFrame(3, 'boom')]), [['system', 'boom']]);
  const bad = Buffer.from([9, 0, 0, 0, 0, 0, 0, 1, 65]);
  assert.throws(() => collect([bad]), /unrecognized input header: 9/);
});

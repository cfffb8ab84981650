import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { sha256Digest } from '../../oci/digest.js';
import { DigestingTransform } from './digesting.js';
import { collect } from './test-fixtures.js';

describe('DigestingTransform', () => {
  const cases: Array<[string, Buffer[]]> = [
    ['empty', []],
    ['one chunk', [Buffer.from('hello')]],
    ['many chunks', Array.from({ length: 50 }, (_, i) => Buffer.alloc(1000 + i, i))],
  ];
  for (const [name, chunks] of cases) {
    it(`hashes and counts ${name}, passing bytes through`, async () => {
      const all = Buffer.concat(chunks);
      const d = new DigestingTransform();
      const out = collect(d);
      await pipeline(Readable.from(chunks, { objectMode: false }), d);
      assert.equal(d.digest(), sha256Digest(all));
      assert.equal(d.bytes, all.length);
      assert.ok((await out).equals(all));
    });
  }

  it('refuses to give a digest before the end', () => {
    const d = new DigestingTransform();
    d.write(Buffer.from('x'));
    assert.throws(() => d.digest(), /before the stream ended/);
    assert.equal(d.bytes, 1);
  });
});

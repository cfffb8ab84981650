import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Image } from '../image/image-service.js';
import { filterImages } from './image-filter.js';

const image = (tag: string, created: string): Image => ({ tags: [tag], row: { created }, config: { config: {} } }) as unknown as Image;

test('until: images created before a timestamp, or a duration before now', () => {
  const now = Date.parse('2026-06-01T12:00:00Z');
  const images = [image('old:1', '2026-06-01T10:00:00Z'), image('new:1', '2026-06-01T11:59:00Z')];
  const pick = (until: string) => filterImages(images, new Map([['until', [until]]]), () => images[0]!, now).map((i) => i.tags[0]);
  assert.deepEqual(pick('1h'), ['old:1']);
  assert.deepEqual(pick('10s'), ['old:1', 'new:1']);
  assert.deepEqual(pick('2026-06-01T11:00:00Z'), ['old:1']);
  assert.deepEqual(pick(String(Date.parse('2026-06-01T09:00:00Z') / 1000)), []);
  assert.throws(() => pick('yesterday'), { message: 'failed to parse value as time or duration: "yesterday"' });
});

test('reference keeps only the matching tags of an image, as dockerd lists them', () => {
  const img = { ...image('busybox:latest', '2026-06-01T10:00:00Z'), tags: ['busybox:latest', 'x1:latest', 'x2:latest'] } as Image;
  const pick = (refs: string[]) => filterImages([img], new Map([['reference', refs]]), () => img).map((i) => i.tags);
  assert.deepEqual(pick(['busybox']), [['busybox:latest']]);
  assert.deepEqual(pick(['x*']), [['x1:latest', 'x2:latest']]);
  assert.deepEqual(pick(['nope']), []);
});

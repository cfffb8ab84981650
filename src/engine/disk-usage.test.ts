import assert from 'node:assert/strict';
import { test } from 'node:test';
import { layerUsage } from './disk-usage.js';

test('layers count once in LayersSize; SharedSize is the part of an image another image holds too', () => {
  const sizes: Record<string, number> = { base: 100, mid: 20, app: 5, other: 7 };
  const { layersSize, shared } = layerUsage(
    [
      { id: 'parent', layers: ['base', 'mid'] },
      { id: 'child', layers: ['base', 'mid', 'app'] },
      { id: 'lonely', layers: ['other'] },
      { id: 'sibling', layers: ['base'] },
    ],
    (l) => sizes[l] ?? 0,
  );
  assert.equal(layersSize, 132);
  assert.deepEqual(Object.fromEntries(shared), { parent: 120, child: 120, lonely: 0, sibling: 100 });
});

test('no images: nothing used', () => {
  const { layersSize, shared } = layerUsage([], () => 1);
  assert.equal(layersSize, 0);
  assert.equal(shared.size, 0);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerSummary } from '../api/types/container.js';
import type { ImageSummary } from '../api/types/image.js';
import { reclaimableText, summaryRows, verboseRows, type DiskUsageResponse } from './disk-usage-rows.js';

const image = (id: string, size: number, shared: number, containers: number, tags: string[] = []): ImageSummary => ({
  Id: `sha256:${id.padEnd(64, '0')}`,
  ParentId: '',
  RepoTags: tags,
  RepoDigests: [],
  Created: 1_700_000_000,
  Size: size,
  SharedSize: shared,
  Labels: null,
  Containers: containers,
});

const container = (state: string, sizeRw: number): ContainerSummary =>
  ({ Id: 'c'.repeat(64), Names: ['/c'], Image: 'busybox', ImageID: '', Command: 'true', Created: 1_700_000_000, State: state, Status: '', SizeRw: sizeRw, Ports: [], Labels: {}, Mounts: [] }) as unknown as ContainerSummary;

test('reclaimable shows a truncated percentage of the total, none without a total', () => {
  assert.equal(reclaimableText(0, 0), '0B');
  assert.equal(reclaimableText(1500, 3000), '1.5kB (50%)');
  assert.equal(reclaimableText(2, 3), '2B (66%)');
  assert.equal(reclaimableText(1_234_567, 1_234_567), '1.235MB (100%)');
});

test('summary rows: used images keep their unshared layers; running containers and referenced volumes are not reclaimable', () => {
  const du: DiskUsageResponse = {
    LayersSize: 10_000,
    Images: [image('a', 6000, 1000, 1, ['a:1']), image('b', 3000, 1000, 0), image('c', 2000, -1, 2)],
    Containers: [container('running', 400), container('exited', 100), container('paused', 0)],
    Volumes: [
      { Name: 'v1', UsageData: { Size: 300, RefCount: 1 } },
      { Name: 'v2', UsageData: { Size: 100, RefCount: 0 } },
      { Name: 'v3', UsageData: { Size: -1, RefCount: 0 } },
    ],
    BuildCache: [],
  };
  assert.deepEqual(summaryRows(du), [
    { Type: 'Images', TotalCount: '3', Active: '2', Size: '10kB', Reclaimable: '5kB (50%)' },
    { Type: 'Containers', TotalCount: '3', Active: '2', Size: '500B', Reclaimable: '100B (20%)' },
    { Type: 'Local Volumes', TotalCount: '3', Active: '1', Size: '400B', Reclaimable: '100B (25%)' },
    { Type: 'Build Cache', TotalCount: '0', Active: '0', Size: '0B', Reclaimable: '0B' },
  ]);
});

test('an empty engine: zeros without percentages', () => {
  const rows = summaryRows({ LayersSize: 0, Images: [], Containers: [], Volumes: [], BuildCache: [] });
  assert.deepEqual(
    rows.map((r) => `${r['Size']} ${r['Reclaimable']}`),
    ['0B 0B', '0B 0B', '0B 0B', '0B 0B'],
  );
});

test('verbose rows: one row per image with its first tag, <none> for untagged; volume links and sizes', () => {
  const v = verboseRows(
    {
      LayersSize: 0,
      Images: [image('a', 2_140_000, 0, 1, ['busybox:latest', 'extra:1']), image('b', 10, 0, 0)],
      Containers: [],
      Volumes: [{ Name: 'v', UsageData: { Size: 6, RefCount: 2 } }, { Name: 'w', UsageData: null }],
      BuildCache: [],
    },
    { trunc: true, nowMs: 1_700_000_000_000 },
  );
  assert.deepEqual(
    v.Images.map((r) => [r['Repository'], r['Tag'], r['Size'], r['SharedSize'], r['UniqueSize'], r['Containers']]),
    [
      ['busybox', 'latest', '2.14MB', '0B', '2.14MB', '1'],
      ['<none>', '<none>', '10B', '0B', '10B', '0'],
    ],
  );
  assert.deepEqual(v.Volumes, [
    { Name: 'v', Links: '2', Size: '6B' },
    { Name: 'w', Links: 'N/A', Size: 'N/A' },
  ]);
});

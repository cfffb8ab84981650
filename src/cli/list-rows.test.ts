import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerSummary } from '../api/types/container.js';
import type { ImageSummary } from '../api/types/image.js';
import { containerRow, displayablePorts, ellipsis, historyRows, imageRows } from './list-rows.js';

const NOW = 1_700_000_000_000;

const container: ContainerSummary = {
  Id: 'f'.repeat(64),
  Names: ['/web', '/other/link'],
  Image: 'nginx@sha256:' + 'b'.repeat(64),
  ImageID: 'sha256:' + 'c'.repeat(64),
  Command: "/docker-entrypoint.sh nginx -g 'daemon off;'",
  Created: NOW / 1000 - 120,
  Ports: [
    { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
    { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
    { PrivatePort: 443, Type: 'tcp' },
  ],
  Labels: { a: 'b' },
  State: 'running',
  Status: 'Up 2 minutes',
  HostConfig: { NetworkMode: 'bridge' },
  NetworkSettings: { Networks: { bridge: {} } },
  Mounts: [],
};

test('computes ps row values as docker/cli does', () => {
  const row = containerRow(container, { trunc: true, nowMs: NOW });
  assert.equal(row['ID'], 'ffffffffffff');
  assert.equal(row['Image'], 'nginx');
  assert.equal(row['Command'], '"/docker-entrypoint.…"');
  assert.equal(row['RunningFor'], '2 minutes ago');
  assert.equal(row['Ports'], '443/tcp, 0.0.0.0:8080->80/tcp, [::]:8080->80/tcp');
  assert.equal(row['Names'], 'web');
  assert.equal(row['Labels'], 'a=b');
  assert.equal(row['Networks'], 'bridge');
  const full = containerRow(container, { trunc: false, nowMs: NOW });
  assert.equal(full['ID'], 'f'.repeat(64));
  assert.equal(full['Command'], `"/docker-entrypoint.sh nginx -g 'daemon off;'"`);
  assert.equal(full['Names'], 'web,other/link');
});

test('collapses consecutive ports into ranges', () => {
  const ports = [8000, 8001, 8002, 9000].map((p) => ({ PrivatePort: p, Type: 'tcp' as const }));
  assert.equal(displayablePorts(ports), '8000-8002/tcp, 9000/tcp');
  assert.equal(displayablePorts([{ IP: '0.0.0.0', PrivatePort: 53, PublicPort: 53, Type: 'udp' }]), '0.0.0.0:53->53/udp');
  assert.equal(displayablePorts([]), '');
});

test('ellipsis keeps the total at max characters', () => {
  assert.equal(ellipsis('abcdef', 4), 'abc…');
  assert.equal(ellipsis('abc', 4), 'abc');
});

test('expands images to one row per tag, <none> when untagged', () => {
  const img = (over: Partial<ImageSummary>): ImageSummary => ({
    Id: 'sha256:' + 'd'.repeat(64),
    ParentId: '',
    RepoTags: [],
    RepoDigests: [],
    Created: NOW / 1000 - 3 * 86400,
    Size: 4_261_550,
    SharedSize: -1,
    Labels: null,
    Containers: -1,
    ...over,
  });
  const rows = imageRows(
    [
      img({ RepoTags: ['busybox:latest', 'localhost:5000/bb:1'], RepoDigests: ['busybox@sha256:' + 'e'.repeat(64)] }),
      img({ RepoTags: null, RepoDigests: null }),
    ],
    { trunc: true, nowMs: NOW },
  );
  assert.deepEqual(
    rows.map((r) => [r['Repository'], r['Tag'], r['Digest'], r['ID'], r['CreatedSince'], r['Size']]),
    [
      ['busybox', 'latest', 'sha256:' + 'e'.repeat(64), 'dddddddddddd', '3 days ago', '4.26MB'],
      ['localhost:5000/bb', '1', '<none>', 'dddddddddddd', '3 days ago', '4.26MB'],
      ['<none>', '<none>', '<none>', 'dddddddddddd', '3 days ago', '4.26MB'],
    ],
  );
});

test("history rows as docker/cli's history formatter: 12-hex IDs or <missing>, the step cut at 45, human or exact times and sizes", () => {
  const created = Date.UTC(2026, 0, 2, 3, 4, 5) / 1000;
  const items = [
    { Id: `sha256:${'a'.repeat(64)}`, Created: created, CreatedBy: `/bin/sh -c\tapt-get update && apt-get install -y ${'x'.repeat(30)}`, Tags: ['r:1'], Size: 1234567, Comment: 'c' },
    { Id: '<missing>', Created: created, CreatedBy: '', Tags: null, Size: 0, Comment: '' },
  ];
  const nowMs = created * 1000 + 3 * 3600_000;
  const prevTz = process.env['TZ'];
  try {
    process.env['TZ'] = 'UTC';
    assert.deepEqual(historyRows(items, { trunc: true, human: true, nowMs })[0], {
      ID: 'aaaaaaaaaaaa',
      CreatedAt: '2026-01-02T03:04:05Z',
      CreatedSince: '3 hours ago',
      CreatedBy: '/bin/sh -c apt-get update && apt-get install…',
      Size: '1.23MB',
      Comment: 'c',
    });
    assert.equal(historyRows(items, { trunc: true, human: true, nowMs })[1]?.['ID'], '<missing>');
    process.env['TZ'] = 'Asia/Kolkata';
    const plain = historyRows(items, { trunc: false, human: false, nowMs })[0];
    assert.deepEqual(
      [plain?.['ID'], plain?.['CreatedSince'], plain?.['Size'], plain?.['CreatedBy']],
      [`sha256:${'a'.repeat(64)}`, '2026-01-02T08:34:05+05:30', '1234567', `/bin/sh -c apt-get update && apt-get install -y ${'x'.repeat(30)}`],
    );
  } finally {
    if (prevTz === undefined) delete process.env['TZ'];
    else process.env['TZ'] = prevTz;
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Descriptor } from '../oci/image.js';
import { pickPlatform } from './manifest.js';

const entry = (architecture: string, variant?: string, os = 'linux'): Descriptor => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${architecture}${variant ?? ''}`,
  size: 1,
  platform: variant ? { os, architecture, variant } : { os, architecture },
});

test('pickPlatform chooses the entry of the wanted platform', () => {
  const entries = [entry('arm', 'v7'), entry('amd64', undefined, 'windows'), entry('amd64'), entry('arm64', 'v8')];
  const cases: { want: Parameters<typeof pickPlatform>[1]; digest: string | undefined }[] = [
    { want: { os: 'linux', architecture: 'amd64' }, digest: 'sha256:amd64' },
    { want: { os: 'linux', architecture: 'arm64' }, digest: 'sha256:arm64v8' },
    { want: { os: 'linux', architecture: 'arm', variant: 'v7' }, digest: 'sha256:armv7' },
    { want: { os: 'linux', architecture: 'arm', variant: 'v6' }, digest: undefined },
    { want: { os: 'linux', architecture: 's390x' }, digest: undefined },
  ];
  for (const c of cases) assert.equal(pickPlatform(entries, c.want)?.digest, c.digest, JSON.stringify(c.want));
});

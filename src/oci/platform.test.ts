import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostArchitecture } from './image.js';
import { formatPlatform, parsePlatform, platformMatches } from './platform.js';

test('parsePlatform reads os[/arch[/variant]] or one part alone, normalized as containerd does', () => {
  const cases: [string, string][] = [
    ['linux/amd64', 'linux/amd64'],
    ['Linux/x86_64', 'linux/amd64'],
    ['linux/arm64/v8', 'linux/arm64'],
    ['linux/aarch64', 'linux/arm64'],
    ['linux/arm', 'linux/arm/v7'],
    ['linux/armhf', 'linux/arm/v7'],
    ['linux/arm/6', 'linux/arm/v6'],
    ['linux/i386', 'linux/386'],
    ['arm64', 'linux/arm64'],
    ['linux', `linux/${hostArchitecture()}`],
    ['windows/amd64', 'windows/amd64'],
  ];
  for (const [text, want] of cases) assert.equal(formatPlatform(parsePlatform(text)), want, text);
  for (const bad of ['', 'linux/', 'nosuch', 'linux/nosuch', 'a/b/c/d']) assert.throws(() => parsePlatform(bad), /unknown operating system or architecture/, bad);
});

test('platformMatches: OS and architecture alike, the variant only when asked for', () => {
  assert.equal(platformMatches(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'amd64' }), true);
  assert.equal(platformMatches(parsePlatform('linux/arm64'), { os: 'linux', architecture: 'amd64' }), false);
  assert.equal(platformMatches(parsePlatform('windows/amd64'), { os: 'linux', architecture: 'amd64' }), false);
  assert.equal(platformMatches(parsePlatform('linux/arm64'), { os: 'linux', architecture: 'aarch64', variant: 'v8' }), true);
  assert.equal(platformMatches(parsePlatform('linux/arm/v6'), { os: 'linux', architecture: 'arm', variant: 'v7' }), false);
});

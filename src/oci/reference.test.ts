import { test } from 'node:test';
import assert from 'node:assert/strict';
import { familiarString, normalizeReference, parseReference, withDefaultTag } from './reference.js';

test('normalizes references as Docker does', () => {
  const cases: [string, string][] = [
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['user/app', 'docker.io/user/app:latest'],
    ['docker.io/library/alpine', 'docker.io/library/alpine:latest'],
    ['index.docker.io/library/alpine:3', 'docker.io/library/alpine:3'],
    ['localhost:5000/app:1', 'localhost:5000/app:1'],
    ['localhost/app', 'localhost/app:latest'],
    ['registry.example.com/a/b/c:v1.2', 'registry.example.com/a/b/c:v1.2'],
    [`app@sha256:${'a'.repeat(64)}`, `docker.io/library/app@sha256:${'a'.repeat(64)}`],
    [`app:1@sha256:${'b'.repeat(64)}`, `docker.io/library/app:1@sha256:${'b'.repeat(64)}`],
    ['my_app.x-y', 'docker.io/library/my_app.x-y:latest'],
  ];
  for (const [input, want] of cases) assert.equal(normalizeReference(input), want, input);
});

test('familiar form drops docker.io and library/', () => {
  const cases: [string, string][] = [
    ['busybox', 'busybox:latest'],
    ['docker.io/user/app:2', 'user/app:2'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
  ];
  for (const [input, want] of cases) assert.equal(familiarString(withDefaultTag(parseReference(input))), want, input);
});

test('rejects bad references with Docker wording', () => {
  const cases: [string, RegExp][] = [
    ['', /^invalid reference format$/],
    ['Busybox', /^invalid reference format: repository name \(library\/Busybox\) must be lowercase$/],
    ['a:b:c', /^invalid reference format$/],
    ['app:', /^invalid reference format$/],
    ['-app', /^invalid reference format$/],
    ['app::1', /^invalid reference format$/],
    [`app:${'t'.repeat(129)}`, /^invalid reference format$/],
    ['app@sha256:123', /^invalid reference format$/],
    ['a//b', /^invalid reference format$/],
  ];
  for (const [input, want] of cases) assert.throws(() => parseReference(input), { message: want }, input);
});

test('a 128-character tag is allowed', () => {
  assert.equal(parseReference(`app:${'t'.repeat(128)}`).tag?.length, 128);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAuthChallenge } from './auth-challenge.js';

test('parseAuthChallenge reads Basic and Bearer challenges', () => {
  const cases: { header: string; want: ReturnType<typeof parseAuthChallenge> }[] = [
    { header: 'Basic realm="basic-realm"', want: { scheme: 'basic', params: { realm: 'basic-realm' } } },
    {
      header: 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
      want: { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } },
    },
    {
      header: 'bearer realm="http://127.0.0.1:1/t", scope="repository:a/b:pull,push", error="insufficient_scope"',
      want: { scheme: 'bearer', params: { realm: 'http://127.0.0.1:1/t', scope: 'repository:a/b:pull,push', error: 'insufficient_scope' } },
    },
    { header: 'Bearer realm=unquoted,service=svc', want: { scheme: 'bearer', params: { realm: 'unquoted', service: 'svc' } } },
    { header: 'Negotiate abc', want: null },
    { header: '', want: null },
  ];
  for (const c of cases) assert.deepEqual(parseAuthChallenge(c.header), c.want, c.header);
});

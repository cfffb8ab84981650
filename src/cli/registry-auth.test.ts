import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HUB_SERVER, eraseCredentials, lookupCredentials, registryAuthFor, serverKey, storeCredentials } from './registry-auth.js';

test('serverKey names Docker Hub by its historic URL and other registries by host', () => {
  const cases: [string, string][] = [
    ['docker.io', HUB_SERVER],
    ['index.docker.io', HUB_SERVER],
    ['https://index.docker.io/v1/', HUB_SERVER],
    ['127.0.0.1:5000', '127.0.0.1:5000'],
    ['https://registry.example.com/v2/', 'registry.example.com'],
  ];
  for (const [input, want] of cases) assert.equal(serverKey(input), want, input);
});

test('credentials round-trip through config.json, keeping other fields, and are erased', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-auth-'));
  try {
    const env = { DOCKER_CONFIG: dir };
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ psFormat: 'x', auths: { other: { auth: 'eDp5' } } }));
    assert.equal(await lookupCredentials(env, '127.0.0.1:5000'), undefined);
    await storeCredentials(env, { username: 'u', password: 'p:w', serveraddress: '127.0.0.1:5000' });
    const saved = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(saved, { psFormat: 'x', auths: { other: { auth: 'eDp5' }, '127.0.0.1:5000': { auth: Buffer.from('u:p:w').toString('base64') } } });
    assert.deepEqual(await lookupCredentials(env, '127.0.0.1:5000'), { username: 'u', password: 'p:w', serveraddress: '127.0.0.1:5000' });
    const header = await registryAuthFor(env, '127.0.0.1:5000/app:1');
    assert.deepEqual(JSON.parse(Buffer.from(header, 'base64url').toString('utf8')), { username: 'u', password: 'p:w', serveraddress: '127.0.0.1:5000' });
    assert.deepEqual(JSON.parse(Buffer.from(await registryAuthFor(env, 'busybox'), 'base64url').toString('utf8')), {});
    await eraseCredentials(env, '127.0.0.1:5000');
    assert.equal(await lookupCredentials(env, '127.0.0.1:5000'), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveDaemonSocket } from './context.js';

/** A docker config dir holding a context `name` whose endpoint is `host`, as `docker context create` writes it. */
function withContexts(contexts: Record<string, string>, currentContext: string | undefined, body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-ctx-'));
  for (const [name, host] of Object.entries(contexts)) {
    const meta = join(dir, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'));
    mkdirSync(meta, { recursive: true });
    writeFileSync(join(meta, 'meta.json'), JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }));
  }
  if (currentContext) writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: {}, currentContext }));
  return body(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('the endpoint as the docker CLI resolves it: --context, then -H / BERTH_HOST / DOCKER_HOST, then DOCKER_CONTEXT, then currentContext', async () => {
  await withContexts({ bx: 'unix:///run/bx.sock', cur: 'unix:///run/cur.sock' }, 'cur', async (dir) => {
    const env = { DOCKER_CONFIG: dir };
    assert.equal(await resolveDaemonSocket({ hosts: [], env }), '/run/cur.sock');
    assert.equal(await resolveDaemonSocket({ context: 'bx', hosts: [], env: { ...env, DOCKER_HOST: 'unix:///run/env.sock' } }), '/run/bx.sock');
    assert.equal(await resolveDaemonSocket({ hosts: [], env: { ...env, DOCKER_HOST: 'unix:///run/env.sock' } }), '/run/env.sock');
    assert.equal(await resolveDaemonSocket({ hosts: [], env: { ...env, BERTH_HOST: 'unix:///run/berth.sock' } }), '/run/berth.sock');
    assert.equal(await resolveDaemonSocket({ hosts: ['unix:///run/h.sock'], env }), '/run/h.sock');
    assert.equal(await resolveDaemonSocket({ hosts: [], env: { ...env, DOCKER_CONTEXT: 'bx' } }), '/run/bx.sock');
    assert.equal(await resolveDaemonSocket({ context: 'default', hosts: [], env }), '/run/berth/berth.sock');
    await assert.rejects(resolveDaemonSocket({ context: 'bx', hosts: ['unix:///run/h.sock'], env }), { message: 'conflicting options: cannot specify both --host and --context' });
    await assert.rejects(
      resolveDaemonSocket({ context: 'nosuch', hosts: [], env }),
      (e: Error) => /^unable to resolve docker endpoint: context "nosuch": context not found: open .*\/contexts\/meta\/[0-9a-f]{64}\/meta\.json: no such file or directory$/.test(e.message),
    );
  });
  await withContexts({ tcp: 'tcp://10.0.0.1:2375' }, undefined, async (dir) => {
    assert.equal(await resolveDaemonSocket({ hosts: [], env: { DOCKER_CONFIG: dir } }), '/run/berth/berth.sock');
    await assert.rejects(resolveDaemonSocket({ context: 'tcp', hosts: [], env: { DOCKER_CONFIG: dir } }), /berth only connects to unix sockets/);
  });
});

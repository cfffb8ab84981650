import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENTS, uniqueName } from './harness.js';

for (const { name: client, run } of CLIENTS) {
  test(`${client}: run --rm prints the container's output and exits with its code`, async () => {
    const r = await run(['run', '--rm', 'busybox', 'echo', 'hello']);
    assert.equal(r.stdout, 'hello\n');
    assert.equal(r.code, 0);
    const fail = await run(['run', '--rm', 'busybox', 'sh', '-c', 'exit 7']);
    assert.equal(fail.code, 7);
  });

  test(`${client}: stdin is piped and half-closed (-i)`, async () => {
    const r = await run(['run', '-i', '--rm', 'busybox', 'cat'], { input: 'hi\n' });
    assert.equal(r.stdout, 'hi\n');
    assert.equal(r.code, 0);
  });

  test(`${client}: detached container, ps, exec, inspect, logs, stop, rm`, async () => {
    const name = uniqueName('web');
    const d = await run(['run', '-d', '--name', name, 'busybox', 'sh', '-c', 'echo started; exec httpd -f -p 80']);
    assert.equal(d.code, 0, d.stderr);
    const id = d.stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    try {
      const ps = await run(['ps', '--filter', `name=${name}`, '--format', '{{.ID}} {{.Names}} {{.Status}}']);
      assert.match(ps.stdout, new RegExp(`^${id.slice(0, 12)} ${name} Up `));
      const ex = await run(['exec', name, 'sh', '-c', 'echo in-container; exit 3']);
      assert.equal(ex.stdout, 'in-container\n');
      assert.equal(ex.code, 3);
      const pid = await run(['inspect', '--format', '{{.State.Pid}}', name]);
      assert.match(pid.stdout.trim(), /^[1-9][0-9]*$/);
      const logs = await run(['logs', name]);
      assert.equal(logs.stdout, 'started\n');
      const stop = await run(['stop', '-t', '1', name]);
      assert.equal(stop.code, 0, stop.stderr);
      const st = await run(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', name]);
      assert.equal(st.stdout.trim(), 'exited 137');
    } finally {
      const rm = await run(['rm', '-f', name]);
      assert.equal(rm.code, 0, rm.stderr);
    }
    const gone = await run(['inspect', name]);
    assert.notEqual(gone.code, 0);
  });

  test(`${client}: a missing command exits 127 and leaves no container running`, async () => {
    const name = uniqueName('nocmd');
    const r = await run(['run', '--name', name, 'busybox', 'nosuchcmd']);
    assert.equal(r.code, 127);
    assert.match(r.stderr, /exec: "nosuchcmd": executable file not found in \$PATH/);
    await run(['rm', '-f', name]);
  });

  test(`${client}: No such container`, async () => {
    const r = await run(['stop', 'nosuch-container-xyz']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /No such container: nosuch-container-xyz/);
  });
}

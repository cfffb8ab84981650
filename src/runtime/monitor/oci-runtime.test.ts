import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isBerthError } from '../../lib/errors.js';
import { classifyRuntimeFailure, OciRuntime, probeRuntime, runtimeFailure, runtimeMessage, signalNumber } from './oci-runtime.js';
import { integrationSkipReason, RUNC } from './test-sandbox.js';

test('runtimeMessage keeps the messages of logrus lines and plain lines', () => {
  const cases: Array<[string, string]> = [
    ['time="2024-01-02T03:04:05Z" level=error msg="container does not exist"\n', 'container does not exist'],
    [
      'time="2024-01-02T03:04:05Z" level=error msg="runc create failed: unable to start container process: exec: \\"nope\\": executable file not found in $PATH"\n',
      'runc create failed: unable to start container process: exec: "nope": executable file not found in $PATH',
    ],
    ['time="x" level=warning msg="a"\ntime="x" level=error msg="b"\n', 'a; b'],
    ['time="x" level=info msg="noise"\nreal problem\n', 'real problem'],
    // crun's words for a missing command become runc's (Docker's).
    ["executable file `nope` not found in $PATH: No such file or directory\n", 'exec: "nope": executable file not found in $PATH'],
    ['executable file `/bin/nope` not found: No such file or directory\n', 'exec: "/bin/nope": stat /bin/nope: no such file or directory'],
    ['open executable: Permission denied\n', 'open executable: permission denied'],
    // crun's EPERM for a directory as the command.
    ['open executable: Operation not permitted\n', 'open executable: permission denied'],
    ['', ''],
  ];
  for (const [stderr, want] of cases) assert.equal(runtimeMessage(stderr), want, stderr);
});

test('classifyRuntimeFailure and runtimeFailure', () => {
  const cases: Array<[string, string, string]> = [
    ['exec: "nope": executable file not found in $PATH', 'oci_executable_not_found', 'InvalidArgument'],
    ['exec: "/bin/nope": stat /bin/nope: no such file or directory', 'oci_executable_not_found', 'InvalidArgument'],
    ['exec: "/etc/passwd": permission denied', 'oci_permission_denied', 'InvalidArgument'],
    ['cgroups in hybrid mode not supported', 'oci_runtime_error', 'Internal'],
  ];
  for (const [msg, code, kind] of cases) {
    assert.equal(classifyRuntimeFailure(msg), code, msg);
    const e = runtimeFailure('create', msg);
    assert.equal(e.code, code);
    assert.equal(e.kind, kind);
    assert.equal(e.message, `OCI runtime create failed: ${msg}`);
  }
});

test('signalNumber', () => {
  const ok: Array<[string | number, number]> = [
    ['SIGKILL', 9],
    ['KILL', 9],
    ['kill', 9],
    ['sigterm', 15],
    ['INT', 2],
    ['9', 9],
    [15, 15],
    ['WINCH', 28],
  ];
  for (const [input, want] of ok) assert.equal(signalNumber(input), want, String(input));
  for (const bad of ['SIGNOPE', '', '0', '65', -1, 1.5, 'KILL9']) {
    assert.throws(() => signalNumber(bad), (e) => isBerthError(e, 'InvalidArgument') && e.message === `Invalid signal: ${bad}`, String(bad));
  }
});

test('ids that could be options are refused', async () => {
  const rt = new OciRuntime({ name: 'runc', path: RUNC, root: '/nonexistent' });
  for (const id of ['--help', '-a', '../x', 'a/b', '']) {
    await assert.rejects(rt.state(id), (e) => isBerthError(e, 'InvalidArgument'), id);
  }
});

describe('against the real runtimes', { skip: integrationSkipReason() }, () => {
  test('probeRuntime: runc works here; a broken runtime is reported, not thrown', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-probe-'));
    try {
      const runc = new OciRuntime({ name: 'runc', path: RUNC, root: join(dir, 'runc') });
      assert.deepEqual(await probeRuntime(runc, dir), { ok: true });
      const bogus = new OciRuntime({ name: 'crun', path: join(dir, 'no-such-runtime'), root: join(dir, 'bogus') });
      const r = await probeRuntime(bogus, dir);
      assert.equal(r.ok, false);
      assert.ok(!r.ok && r.reason.length > 0);
      const crun = new OciRuntime({ name: 'crun', path: '/usr/bin/crun', root: join(dir, 'crun') });
      const c = await probeRuntime(crun, dir);
      // crun 1.8 refuses this host's hybrid cgroup layout; either way the answer is an honest one.
      assert.ok(c.ok || c.reason.length > 0);
      console.log(`# crun probe: ${JSON.stringify(c)}`);
      // the probe's scratch bundles are gone
      assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('berth-probe-')), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('version and unknown containers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-rt-'));
    try {
      const runc = new OciRuntime({ name: 'runc', path: RUNC, root: join(dir, 'runc') });
      const v = await runc.version();
      assert.match(v.version, /^\d+\.\d+/);
      assert.equal(await runc.state('unknown-id'), null);
      await runc.delete('unknown-id', { force: true });
      await assert.rejects(runc.kill('unknown-id', 'TERM'), (e) => isBerthError(e, 'NotFound'));
      await assert.rejects(runc.pause('unknown-id'), (e) => isBerthError(e, 'NotFound'));
      await assert.rejects(runc.ps('unknown-id'), (e) => isBerthError(e, 'NotFound'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyConfigChanges } from './config-changes.js';

test('applies metadata changes', () => {
  const cfg = applyConfigChanges({ Env: ['PATH=/bin', 'A=1'] }, [
    'CMD ["sh", "-c", "echo hi"]',
    'ENTRYPOINT /entry.sh',
    'ENV A=2 B="two words"',
    'ENV LEGACY some value',
    'LABEL version=1.0 "org"=x',
    'EXPOSE 80 53/udp 8000-8001',
    'WORKDIR /app',
    'WORKDIR sub',
    'USER nobody',
    'VOLUME ["/data"]',
    'STOPSIGNAL SIGINT',
  ]);
  assert.deepEqual(cfg.Cmd, ['sh', '-c', 'echo hi']);
  assert.deepEqual(cfg.Entrypoint, ['/bin/sh', '-c', '/entry.sh']);
  assert.deepEqual(cfg.Env, ['PATH=/bin', 'A=2', 'B=two words', 'LEGACY=some value']);
  assert.deepEqual(cfg.Labels, { version: '1.0', org: 'x' });
  assert.deepEqual(cfg.ExposedPorts, { '80/tcp': {}, '53/udp': {}, '8000/tcp': {}, '8001/tcp': {} });
  assert.equal(cfg.WorkingDir, '/app/sub');
  assert.equal(cfg.User, 'nobody');
  assert.deepEqual(cfg.Volumes, { '/data': {} });
  assert.equal(cfg.StopSignal, 'SIGINT');
});

test('rejects instructions that are not metadata', () => {
  assert.throws(() => applyConfigChanges({}, ['RUN echo']), /run is not a valid change command/);
  assert.throws(() => applyConfigChanges({}, ['EXPOSE eighty']), /invalid containerPort: eighty/);
});

test("Docker's argument checks: USER one, VOLUME at least one, STOPSIGNAL a signal", () => {
  assert.throws(() => applyConfigChanges({}, ['USER']), { message: 'USER requires exactly one argument' });
  assert.throws(() => applyConfigChanges({}, ['USER a b']), { message: 'USER requires exactly one argument' });
  assert.throws(() => applyConfigChanges({}, ['VOLUME']), { message: 'VOLUME requires at least one argument' });
  assert.throws(() => applyConfigChanges({}, ['STOPSIGNAL BOGUS']), { message: 'Invalid signal: BOGUS' });
  assert.equal(applyConfigChanges({}, ['STOPSIGNAL SIGUSR1']).StopSignal, 'SIGUSR1');
  assert.equal(applyConfigChanges({}, ['STOPSIGNAL 9']).StopSignal, '9');
});

test('HEALTHCHECK as a Dockerfile writes it: flags, then NONE or CMD in either form', () => {
  assert.deepEqual(applyConfigChanges({}, ['HEALTHCHECK --interval=5s --retries=2 CMD true']).Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 5e9, Retries: 2 });
  assert.deepEqual(applyConfigChanges({}, ['HEALTHCHECK CMD ["/bin/check", "-q"]']).Healthcheck, { Test: ['CMD', '/bin/check', '-q'] });
  assert.deepEqual(applyConfigChanges({ Healthcheck: { Test: ['CMD', 'x'] } }, ['HEALTHCHECK NONE']).Healthcheck, { Test: ['NONE'] });
  assert.throws(() => applyConfigChanges({}, ['HEALTHCHECK --bogus=1 CMD true']), { message: 'Unknown flag: bogus' });
  assert.throws(() => applyConfigChanges({}, ['HEALTHCHECK --interval=soon CMD true']), /time: invalid duration "soon" for --interval/);
  assert.throws(() => applyConfigChanges({}, ['HEALTHCHECK RUN true']), /Unknown type "RUN" in HEALTHCHECK/);
});

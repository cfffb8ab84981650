import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logSizeMax, normalizeLogConfig } from './log-config.js';

test("log config: recorded as dockerd records it, json-file when none is named", () => {
  assert.deepEqual(normalizeLogConfig(undefined), { Type: 'json-file', Config: {} });
  assert.deepEqual(normalizeLogConfig({ Type: '', Config: null }), { Type: 'json-file', Config: {} });
  assert.deepEqual(normalizeLogConfig({ Type: 'local', Config: { 'max-size': '10m', 'max-file': '3' } }), { Type: 'local', Config: { 'max-size': '10m', 'max-file': '3' } });
  assert.deepEqual(normalizeLogConfig({ Type: 'none' }), { Type: 'none', Config: {} });
});

test("log config: the daemon's driver when none is named, and its options under the container's own for that driver only", () => {
  const daemon = { Type: 'local', Config: { 'max-size': '5m', compress: 'false' } };
  assert.deepEqual(normalizeLogConfig(undefined, daemon), daemon);
  assert.deepEqual(normalizeLogConfig({ Config: { 'max-size': '1m' } }, daemon), { Type: 'local', Config: { 'max-size': '1m', compress: 'false' } });
  assert.deepEqual(normalizeLogConfig({ Type: 'json-file' }, daemon), { Type: 'json-file', Config: {} });
});

test("log config: Docker's errors for drivers and options", () => {
  assert.throws(() => normalizeLogConfig({ Type: 'syslog' }), { message: 'log driver syslog is not supported by berth: use json-file, local or none' });
  assert.throws(() => normalizeLogConfig({ Type: 'foo' }), { message: "logger: no log driver named 'foo' is registered" });
  assert.throws(() => normalizeLogConfig({ Type: 'none', Config: { 'max-size': '1m' } }), { message: "unknown log opt 'max-size' for none log driver" });
  assert.throws(() => normalizeLogConfig({ Config: { bogus: '1' } }), { message: "unknown log opt 'bogus' for json-file log driver" });
  assert.throws(() => normalizeLogConfig({ Config: { 'max-size': 'abc' } }), /^Error: invalid max-size 'abc'|invalid max-size 'abc'/);
  assert.throws(() => normalizeLogConfig({ Config: { 'max-size': '0' } }), /invalid max-size '0': must be more than 0/);
  assert.throws(() => normalizeLogConfig({ Config: { 'max-file': '3' } }), { message: 'max-file cannot be set when max-size is not set' });
  assert.throws(() => normalizeLogConfig({ Config: { 'max-size': '1m', 'max-file': '0' } }), { message: 'max-file cannot be less than 1' });
  assert.throws(() => normalizeLogConfig({ Config: { 'max-size': '1m', 'max-file': 'x' } }), /invalid syntax/);
});

test('log cap: max-size in decimal units as go-units reads it; the local driver caps at 20 MB by default', () => {
  assert.equal(logSizeMax({ Type: 'json-file', Config: { 'max-size': '10m' } }), 10_000_000);
  assert.equal(logSizeMax({ Type: 'json-file', Config: { 'max-size': '1k' } }), 1000);
  assert.equal(logSizeMax({ Type: 'json-file', Config: {} }), undefined);
  assert.equal(logSizeMax({ Type: 'local', Config: {} }), 20_000_000);
});

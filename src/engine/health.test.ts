import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HealthState } from './container-model.js';
import {
  applyProbeResult,
  healthSettings,
  mergeHealthcheck,
  probeDelay,
  startingHealth,
  truncateOutput,
  validateHealthcheck,
  type HealthSettings,
} from './health.js';

const S = 1e9;

test('healthSettings turns a HealthConfig into a probe with Docker defaults', () => {
  assert.equal(healthSettings(undefined), undefined);
  assert.equal(healthSettings({ Test: ['NONE'] }), undefined);
  assert.equal(healthSettings({ Test: [] }), undefined);
  assert.equal(healthSettings({ Test: ['CMD'] }), undefined);
  assert.deepEqual(healthSettings({ Test: ['CMD-SHELL', 'exit 0'] }), {
    argv: ['/bin/sh', '-c', 'exit 0'],
    intervalMs: 30_000,
    timeoutMs: 30_000,
    retries: 3,
    startPeriodMs: 0,
    startIntervalMs: 5_000,
  });
  const s = healthSettings({ Test: ['CMD', 'true', 'x'], Interval: 0.5 * S, Timeout: 2 * S, Retries: 1, StartPeriod: 10 * S, StartInterval: 0.1 * S });
  assert.deepEqual(s, { argv: ['true', 'x'], intervalMs: 500, timeoutMs: 2000, retries: 1, startPeriodMs: 10_000, startIntervalMs: 100 });
});

test('mergeHealthcheck: the container overrides the image field by field', () => {
  const image = { Test: ['CMD-SHELL', 'img'], Interval: 5 * S, Retries: 4 };
  assert.equal(mergeHealthcheck(undefined, undefined), null);
  assert.deepEqual(mergeHealthcheck(undefined, image), image);
  assert.deepEqual(mergeHealthcheck({ Test: ['NONE'] }, image), { Test: ['NONE'], Interval: 5 * S, Retries: 4 });
  assert.deepEqual(mergeHealthcheck({ Interval: S, Timeout: 0 }, image), { Test: ['CMD-SHELL', 'img'], Interval: S, Retries: 4 });
  assert.deepEqual(mergeHealthcheck({ Test: ['CMD', 'x'] }, undefined), { Test: ['CMD', 'x'] });
});

test('validateHealthcheck refuses what dockerd refuses', () => {
  validateHealthcheck({ Interval: 0, Timeout: 1e6 });
  // docker-py (compose) sends null for every field it leaves unset.
  validateHealthcheck({ Test: ['CMD', 'true'], Interval: 5e8, Timeout: null, Retries: null, StartPeriod: null });
  assert.throws(() => validateHealthcheck({ Interval: 1000 }), { message: 'Interval in Healthcheck cannot be less than 1ms' });
  assert.throws(() => validateHealthcheck({ StartInterval: 5 }), { message: 'StartInterval in Healthcheck cannot be less than 1ms' });
  assert.throws(() => validateHealthcheck({ Retries: -1 }), { message: 'Retries in Healthcheck cannot be negative' });
});

const settings: HealthSettings = { argv: ['x'], intervalMs: 1000, timeoutMs: 1000, retries: 2, startPeriodMs: 5000, startIntervalMs: 100 };
const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (ms: number, exitCode: number) => ({ start: new Date(T0 + ms).toISOString(), end: new Date(T0 + ms + 1).toISOString(), exitCode, output: '' });

test('probe results move the status as Docker does', () => {
  const h: HealthState = startingHealth(undefined);
  // Failures within the start period do not count while starting.
  assert.equal(applyProbeResult(h, at(100, 1), settings, T0), undefined);
  assert.equal(h.failingStreak, 0);
  assert.equal(applyProbeResult(h, at(200, 0), settings, T0), 'healthy');
  // Once healthy, failures count even within the start period; `retries` of them make it unhealthy.
  assert.equal(applyProbeResult(h, at(300, 1), settings, T0), undefined);
  assert.equal(h.failingStreak, 1);
  assert.equal(applyProbeResult(h, at(400, 2), settings, T0), 'unhealthy');
  assert.equal(h.failingStreak, 2);
  assert.equal(applyProbeResult(h, at(500, 0), settings, T0), 'healthy');
  assert.equal(h.failingStreak, 0);
  for (let i = 0; i < 5; i++) applyProbeResult(h, at(600 + i, 0), settings, T0);
  assert.equal(h.log.length, 5);
  assert.equal(h.log[0]?.start, at(600, 0).start);
});

test('failures after the start period count while starting', () => {
  const h = startingHealth({ status: 'healthy', failingStreak: 3, log: [at(0, 0)] });
  assert.equal(h.log.length, 1, 'the log of the previous run is kept');
  applyProbeResult(h, at(6000, 1), settings, T0);
  assert.equal(applyProbeResult(h, at(7000, 1), settings, T0), 'unhealthy');
});

test('probeDelay uses the start interval only while starting within the start period', () => {
  const h = startingHealth(undefined);
  assert.equal(probeDelay(h, settings, T0, T0 + 100), 100);
  assert.equal(probeDelay(h, settings, T0, T0 + 6000), 1000);
  assert.equal(probeDelay({ ...h, status: 'healthy' }, settings, T0, T0 + 100), 1000);
});

test('truncateOutput keeps at most 4096 bytes', () => {
  assert.equal(truncateOutput([Buffer.from('a'.repeat(4000)), Buffer.from('b'.repeat(200))]).length, 4096);
  assert.equal(truncateOutput([Buffer.from('ok\n')]), 'ok\n');
});

import { invalidArgument } from '../lib/errors.js';
import type { HealthcheckSpec, HealthProbeResult, HealthState, HealthStatus } from './container-model.js';

/** Docker's defaults for a healthcheck field left at 0. */
const DEFAULTS = { intervalMs: 30_000, timeoutMs: 30_000, retries: 3, startPeriodMs: 0, startIntervalMs: 5_000 };

/** Docker keeps this many probe results in State.Health.Log. */
export const MAX_LOG_ENTRIES = 5;

/** Probe output beyond this many bytes is dropped, as Docker does. */
export const MAX_OUTPUT_BYTES = 4096;

/** A healthcheck ready to run: the probe's argv and the timings in milliseconds. */
export interface HealthSettings {
  argv: string[];
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
  startIntervalMs: number;
}

const NS_PER_MS = 1e6;

/**
 * Docker's merge of the image's HEALTHCHECK into the container's: the container's wins field by
 * field, an empty test inherits the image's, an absent healthcheck inherits it whole.
 */
export function mergeHealthcheck(user: HealthcheckSpec | null | undefined, image: HealthcheckSpec | null | undefined): HealthcheckSpec | null {
  if (!image) return user ?? null;
  if (!user) return { ...image };
  const out: HealthcheckSpec = { Test: user.Test && user.Test.length > 0 ? user.Test : (image.Test ?? null) };
  // Zero means "the default" and is left out, as Docker's JSON omits it.
  for (const field of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'] as const) {
    const v = user[field] || image[field];
    if (v) out[field] = v;
  }
  return out;
}

/** Rejects what dockerd rejects at create, with its wording. */
export function validateHealthcheck(hc: HealthcheckSpec | null | undefined): void {
  if (!hc) return;
  for (const field of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval'] as const) {
    const v = hc[field];
    if (v && v < NS_PER_MS) {
      throw invalidArgument('invalid_healthcheck', `${field} in Healthcheck cannot be less than 1ms`);
    }
  }
  if ((hc.Retries ?? 0) < 0) throw invalidArgument('invalid_healthcheck', 'Retries in Healthcheck cannot be negative');
}

/** The probe to run, or undefined when the container has no healthcheck (none, `NONE`, or no test). */
export function healthSettings(hc: HealthcheckSpec | null | undefined): HealthSettings | undefined {
  const test = hc?.Test ?? [];
  const [kind, ...rest] = test;
  let argv: string[];
  if (kind === 'CMD' && rest.length > 0) argv = rest;
  else if (kind === 'CMD-SHELL' && rest.length > 0) argv = ['/bin/sh', '-c', rest.join(' ')];
  else return undefined;
  const ms = (ns: number | null | undefined, dflt: number) => (ns && ns > 0 ? ns / NS_PER_MS : dflt);
  return {
    argv,
    intervalMs: ms(hc?.Interval, DEFAULTS.intervalMs),
    timeoutMs: ms(hc?.Timeout, DEFAULTS.timeoutMs),
    retries: hc?.Retries && hc.Retries > 0 ? hc.Retries : DEFAULTS.retries,
    startPeriodMs: ms(hc?.StartPeriod, DEFAULTS.startPeriodMs),
    startIntervalMs: ms(hc?.StartInterval, DEFAULTS.startIntervalMs),
  };
}

/** The health of a container that just started: `starting`, keeping the log of earlier runs. */
export function startingHealth(previous: HealthState | undefined): HealthState {
  return { status: 'starting', failingStreak: 0, log: previous?.log ?? [] };
}

/**
 * Applies one probe result (Docker's rules): exit 0 is healthy and clears the streak; a failure
 * counts unless the container is still starting within its start period; `retries` failures in a
 * row make it unhealthy. Returns the new status when it changed (Docker then records an event).
 */
export function applyProbeResult(
  health: HealthState,
  result: HealthProbeResult,
  settings: HealthSettings,
  startedAtMs: number,
): HealthStatus | undefined {
  const before = health.status;
  health.log = [...health.log, result].slice(-MAX_LOG_ENTRIES);
  if (result.exitCode === 0) {
    health.failingStreak = 0;
    health.status = 'healthy';
  } else {
    const withinStartPeriod = health.status === 'starting' && Date.parse(result.start) - startedAtMs < settings.startPeriodMs;
    if (!withinStartPeriod) {
      health.failingStreak++;
      if (health.failingStreak >= settings.retries) health.status = 'unhealthy';
    }
  }
  return health.status === before ? undefined : health.status;
}

/** Time to the next probe: the start interval while starting within the start period, else the interval. */
export function probeDelay(health: HealthState, settings: HealthSettings, startedAtMs: number, nowMs: number): number {
  const inStartPeriod = nowMs - startedAtMs < settings.startPeriodMs;
  return inStartPeriod && health.status === 'starting' ? settings.startIntervalMs : settings.intervalMs;
}

/** Probe output as Docker stores it: at most MAX_OUTPUT_BYTES bytes of stdout and stderr together. */
export function truncateOutput(chunks: Buffer[]): string {
  return Buffer.concat(chunks).subarray(0, MAX_OUTPUT_BYTES).toString('utf8');
}

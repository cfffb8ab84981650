import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { formatGoDuration } from '../lib/time-spec.js';
import type { ContainerRecord } from './container-model.js';
import { applyProbeResult, healthSettings, probeDelay, startingHealth, type HealthSettings } from './health.js';

/** Runs one probe in a running container; `exitCode` null when it outlived `timeoutMs` (it is then killed). */
export type ProbeRunner = (containerId: string, argv: string[], timeoutMs: number) => Promise<{ exitCode: number | null; output: string }>;

/**
 * Runs a container's healthcheck while it runs: probes as execs in the container at the configured
 * interval, State.Health kept current and persisted, `health_status: <status>` events on each change.
 * The container service calls `start` when a container starts (or is re-adopted after a daemon
 * restart, or unpaused) and `stop` when it stops or pauses.
 */
export class HealthMonitor {
  /** The live loop per container; a result from an older loop is dropped. */
  private readonly runs = new Map<string, { timer?: NodeJS.Timeout }>();

  constructor(
    private readonly deps: {
      probe: ProbeRunner;
      save: (c: ContainerRecord) => void;
      /** Records a container event with Docker's attributes. */
      recordEvent: (c: ContainerRecord, action: string) => void;
      log: Logger;
    },
  ) {}

  /** Starts probing. `fresh`: the container just started, so its health starts over at `starting`. */
  start(c: ContainerRecord, fresh: boolean): void {
    this.stop(c.id);
    const settings = healthSettings(c.config.Healthcheck);
    if (!settings) return;
    if (fresh || !c.state.health) {
      c.state.health = startingHealth(c.state.health);
      this.deps.save(c);
    }
    const run = {};
    this.runs.set(c.id, run);
    this.next(c, settings, run);
  }

  stop(id: string): void {
    const run = this.runs.get(id);
    if (run?.timer) clearTimeout(run.timer);
    this.runs.delete(id);
  }

  private next(c: ContainerRecord, settings: HealthSettings, run: { timer?: NodeJS.Timeout }): void {
    const startedAtMs = Date.parse(c.state.startedAt);
    const health = c.state.health;
    if (!health) return;
    run.timer = setTimeout(() => {
      void this.probeOnce(c, settings, startedAtMs).then(
        () => {
          if (this.runs.get(c.id) === run) this.next(c, settings, run);
        },
        (e: unknown) => this.deps.log.warn(`healthcheck of ${c.id}: ${errorMessage(e)}`),
      );
    }, probeDelay(health, settings, startedAtMs, Date.now()));
  }

  private async probeOnce(c: ContainerRecord, settings: HealthSettings, startedAtMs: number): Promise<void> {
    const run = this.runs.get(c.id);
    const start = new Date().toISOString();
    let exitCode: number;
    let output: string;
    try {
      const r = await this.deps.probe(c.id, settings.argv, settings.timeoutMs);
      exitCode = r.exitCode ?? -1;
      output = r.exitCode === null ? `Health check exceeded timeout (${formatGoDuration(settings.timeoutMs)})` : r.output;
    } catch (e) {
      exitCode = -1;
      output = errorMessage(e);
    }
    // Stopped or restarted meanwhile: this result belongs to a run that is over.
    if (this.runs.get(c.id) !== run || !c.state.health) return;
    const changed = applyProbeResult(c.state.health, { start, end: new Date().toISOString(), exitCode, output }, settings, startedAtMs);
    this.deps.save(c);
    if (changed) this.deps.recordEvent(c, `health_status: ${changed}`);
  }
}

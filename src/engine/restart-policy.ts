import { invalidArgument } from '../lib/errors.js';

export interface RestartPolicySpec {
  Name?: string;
  MaximumRetryCount?: number;
}

const POLICIES = ['no', 'always', 'on-failure', 'unless-stopped'];

/** Rejects what dockerd rejects at create and update, with its wording. */
export function validateRestartPolicy(policy: RestartPolicySpec | undefined, autoRemove: boolean): void {
  const name = policy?.Name ?? '';
  const max = policy?.MaximumRetryCount ?? 0;
  // Docker before 25 sent an empty name for "no"; it is still accepted with any count.
  if (name !== '' && !POLICIES.includes(name)) {
    throw invalidArgument(
      'invalid_restart_policy',
      `invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`,
    );
  }
  if (name === 'on-failure' && max < 0) {
    throw invalidArgument('invalid_restart_policy', 'invalid restart policy: maximum retry count cannot be negative');
  }
  if (name !== '' && name !== 'on-failure' && max !== 0) {
    const tail = max < 0 ? ' and cannot be negative' : '';
    throw invalidArgument('invalid_restart_policy', `invalid restart policy: maximum retry count can only be used with 'on-failure'${tail}`);
  }
  if (autoRemove && name !== '' && name !== 'no') {
    throw invalidArgument('invalid_restart_policy', "can't create 'AutoRemove' container with restart policy");
  }
}

export interface ExitFacts {
  exitCode: number;
  /** Restarts done by the policy since the user last started the container. */
  restartCount: number;
  /** The user stopped or killed it. */
  stoppedByUser: boolean;
  /** The user sent it a signal other than its stop signal: `unless-stopped` counts that as a stop. */
  manuallyStopped?: boolean;
}

/** Whether the policy restarts a container that just exited. A user's stop always wins. */
export function restartAfterExit(policy: RestartPolicySpec | undefined, facts: ExitFacts): boolean {
  if (facts.stoppedByUser) return false;
  return policyWants(policy, facts);
}

/**
 * Whether a starting daemon starts a container that is not running: `always` even after a user's
 * stop (Docker's rule), `unless-stopped` unless the user stopped it, `on-failure` as after an exit.
 */
export function startOnDaemonStart(policy: RestartPolicySpec | undefined, facts: ExitFacts): boolean {
  if (policy?.Name === 'always') return true;
  return restartAfterExit(policy, facts);
}

function policyWants(policy: RestartPolicySpec | undefined, facts: ExitFacts): boolean {
  switch (policy?.Name) {
    case 'always':
      return true;
    case 'unless-stopped':
      return facts.manuallyStopped !== true;
    case 'on-failure': {
      const max = policy.MaximumRetryCount ?? 0;
      return facts.exitCode !== 0 && (max === 0 || facts.restartCount < max);
    }
    default:
      return false;
  }
}

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 60_000;
/** A run at least this long resets the back-off. */
const RESET_AFTER_MS = 10_000;

/**
 * Docker's back-off between automatic restarts: 100 ms, doubling each time, at most one minute,
 * back to 100 ms once the container ran for 10 seconds. One per container, in memory.
 */
export class RestartBackoff {
  private delayMs = 0;

  /** The delay before the next restart, given how long the last run lasted. */
  next(ranMs: number): number {
    if (ranMs >= RESET_AFTER_MS) this.delayMs = 0;
    this.delayMs = this.delayMs === 0 ? FIRST_DELAY_MS : Math.min(this.delayMs * 2, MAX_DELAY_MS);
    return this.delayMs;
  }
}

/**
 * Pending automatic restarts, one timer per container, and each container's back-off. The
 * callback runs once, unless `cancel` (a user's stop, kill or remove) came first.
 */
export class RestartScheduler {
  private readonly backoffs = new Map<string, RestartBackoff>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  /** Schedules `run` after the container's next back-off delay; returns the delay. */
  schedule(id: string, ranMs: number, run: () => void): number {
    this.cancel(id);
    let b = this.backoffs.get(id);
    if (!b) this.backoffs.set(id, (b = new RestartBackoff()));
    const delay = b.next(ranMs);
    const t = setTimeout(() => {
      this.timers.delete(id);
      run();
    }, delay);
    this.timers.set(id, t);
    return delay;
  }

  /** Drops a pending restart; true when there was one. */
  cancel(id: string): boolean {
    const t = this.timers.get(id);
    if (t === undefined) return false;
    clearTimeout(t);
    this.timers.delete(id);
    return true;
  }

  /** A user's start or a removal: no pending restart, and the back-off starts over. */
  reset(id: string): void {
    this.cancel(id);
    this.backoffs.delete(id);
  }
}

import type { EngineClient } from '../api/client/engine-client.js';
import { BerthError } from '../lib/errors.js';
import type { FlagSpec, ParsedFlags } from './flags.js';
import type { CliIo } from './io.js';

/** How many positional arguments a command takes (docker/cli's cli/required.go rules). */
export type ArgsRule =
  | { kind: 'none' }
  | { kind: 'min'; n: number }
  | { kind: 'exact'; n: number }
  | { kind: 'max'; n: number }
  | { kind: 'range'; min: number; max: number }
  | { kind: 'any' };

export interface CommandContext {
  io: CliIo;
  /** `berth run`, `berth container run`: how the user invoked the command. */
  commandPath: string;
  /** The client, created on first use (commands that need no daemon never connect). */
  client(): EngineClient;
}

/** A command (its one-line description lives in the registry): usage, flags, argument rule and behaviour. `run` returns the exit code. */
export interface CommandDef {
  /** Usage after the command path: `[OPTIONS] CONTAINER [CONTAINER...]`. */
  usage: string;
  /** Full names without `berth ` for the `Aliases:` help section, e.g. `['container rm', 'rm']`. */
  aliases?: string[];
  flags: FlagSpec[];
  /** false for `run`/`create`/`exec`: flags end at the first positional. */
  interspersed?: boolean;
  args: ArgsRule;
  /** false for commands that must not start berthd (`version`). */
  autoStart?: boolean;
  run(ctx: CommandContext, flags: ParsedFlags): Promise<number>;
}

/** A mistake in positional arguments: exit 1, printed with the usage line. */
export class ArgsError extends Error {
  constructor(
    message: string,
    /** docker says "See" for minimums and "Run" otherwise. */
    readonly hintVerb: 'See' | 'Run',
  ) {
    super(message);
    this.name = 'ArgsError';
  }
}

/** A usage error found by a command itself (bad `-p` value…): `berth: <msg>` + hint, exit 125. */
export class CommandUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandUsageError';
  }
}

const plural = (n: number): string => (n === 1 ? 'argument' : 'arguments');

/** Throws ArgsError when `args` break `rule`. */
export function checkArgs(commandPath: string, rule: ArgsRule, args: readonly string[]): void {
  const n = args.length;
  const q = `'${commandPath}'`;
  switch (rule.kind) {
    case 'none':
      if (n > 0) throw new ArgsError(`${q} accepts no arguments`, 'Run');
      return;
    case 'min':
      if (n < rule.n) throw new ArgsError(`${q} requires at least ${rule.n} ${plural(rule.n)}`, 'See');
      return;
    case 'exact':
      if (n !== rule.n) throw new ArgsError(`${q} requires ${rule.n} ${plural(rule.n)}`, 'Run');
      return;
    case 'max':
      if (n > rule.n) throw new ArgsError(`${q} requires at most ${rule.n} ${plural(rule.n)}`, 'Run');
      return;
    case 'range':
      if (n < rule.min || n > rule.max) {
        throw new ArgsError(`${q} requires at least ${rule.min} and at most ${rule.max} ${plural(rule.max)}`, 'Run');
      }
      return;
    case 'any':
      return;
  }
}

/** True for errors that came back from the daemon as an HTTP error response. */
export function isDaemonResponseError(e: unknown): e is BerthError {
  return e instanceof BerthError && e.code.startsWith('http_');
}

/** The text docker prints for an error: daemon answers get `Error response from daemon: `. */
export function describeError(e: unknown): string {
  if (isDaemonResponseError(e)) return `Error response from daemon: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

export function writeLine(stream: NodeJS.WritableStream, text: string): void {
  stream.write(`${text}\n`);
}

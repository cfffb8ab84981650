import { DEFAULT_SOCKET_PATH, EngineClient } from '../api/client/engine-client.js';
import { isBerthError } from '../lib/errors.js';
import { ArgsError, checkArgs, CommandUsageError, describeError, type CommandContext, type CommandDef } from './command.js';
import { FlagError, parseFlags, renderFlagUsages, type FlagSpec } from './flags.js';
import { renderCommandHelp, renderGroupHelp, renderUsageError } from './help.js';
import { resolveDaemonSocket } from './context.js';
import type { CliIo } from './io.js';
import { commonCommands, findEntry, managementCommands, otherCommands, topLevelCommands, type CommandEntry } from './registry.js';
import { BERTH_VERSION, BERTH_GIT_COMMIT } from './version-info.js';

const globalFlags: FlagSpec[] = [
  { name: 'config', type: 'string', description: 'Location of client config files', defaultText: '"/root/.docker"' },
  {
    name: 'context',
    short: 'c',
    type: 'string',
    description: 'Name of the context to use to connect to the daemon (overrides DOCKER_HOST env var and default context set with "docker context use")',
  },
  { name: 'debug', short: 'D', type: 'bool', description: 'Enable debug mode' },
  { name: 'host', short: 'H', type: 'list', description: 'Daemon socket to connect to' },
  {
    name: 'log-level',
    short: 'l',
    type: 'string',
    description: 'Set the logging level ("debug", "info", "warn", "error", "fatal")',
    defaultText: '"info"',
  },
  { name: 'tls', type: 'bool', description: 'Use TLS', hidden: true },
  { name: 'tlsverify', type: 'bool', description: 'Use TLS and verify the remote', hidden: true },
  { name: 'version', short: 'v', type: 'bool', description: 'Print version information and quit' },
];

const TOP_USAGE = 'berth [OPTIONS] COMMAND';

function topHelp(): string {
  return renderGroupHelp(
    TOP_USAGE,
    'A Docker-compatible container engine',
    [
      { title: 'Common Commands', entries: commonCommands },
      { title: 'Management Commands', entries: managementCommands },
      { title: 'Commands', entries: otherCommands },
    ],
    `Global Options:\n${renderFlagUsages(globalFlags)}\nRun 'berth COMMAND --help' for more information on a command.`,
  );
}

function groupHelp(entry: CommandEntry): string {
  return renderGroupHelp(
    `berth ${entry.name} COMMAND`,
    entry.description,
    [{ title: 'Commands', entries: entry.subcommands ?? [] }],
    `Run 'berth ${entry.name} COMMAND --help' for more information on a command.`,
  );
}

interface Invocation {
  path: string;
  description: string;
  def: CommandDef;
  args: string[];
}

/** What the CLI's host learns while a command runs. */
export interface CliHooks {
  /** The command about to run, e.g. `berth run` or `berth container ls`. */
  commandResolved?(path: string): void;
}

/**
 * Runs the CLI. `argv` is process.argv (node, script, args...). Returns the exit code; never exits the
 * process itself.
 */
export async function main(argv: readonly string[], io: CliIo, hooks: CliHooks = {}): Promise<number> {
  const out = (s: string): void => void io.stdout.write(s);
  const err = (s: string): void => void io.stderr.write(s);
  const scriptPath = argv[1] ?? '';

  let global;
  try {
    global = parseFlags(argv.slice(2), globalFlags, { interspersed: false });
  } catch (e) {
    if (e instanceof FlagError) {
      err(renderUsageError(e.message, 'berth', '[OPTIONS] COMMAND [ARG...]', 'Run'));
      return 125;
    }
    throw e;
  }
  if (global.bool('version')) {
    out(`berth version ${BERTH_VERSION}, build ${BERTH_GIT_COMMIT}\n`);
    return 0;
  }
  const [name, ...rest] = global.args;
  if (name === undefined || global.bool('help')) {
    out(topHelp());
    return 0;
  }
  if (name === 'help') {
    return main([argv[0] ?? '', scriptPath, ...rest, '--help'], io, hooks);
  }

  let invocation: Invocation;
  const top = findEntry(topLevelCommands, name);
  if (top === undefined) {
    err(`berth: unknown command: berth ${name}\n\nRun 'berth --help' for more information\n`);
    return 1;
  }
  if (top.subcommands !== undefined) {
    const [subName, ...subArgs] = rest;
    if (subName === undefined || subName === '--help' || subName === '-h') {
      out(groupHelp(top));
      return 0;
    }
    const sub = findEntry(top.subcommands, subName);
    if (sub?.load === undefined) {
      err(`berth: unknown command: berth ${top.name} ${subName}\n\nUsage:  berth ${top.name}\n\nRun 'berth ${top.name} --help' for more information\n`);
      return 1;
    }
    invocation = { path: `berth ${top.name} ${subName}`, description: sub.description, def: await sub.load(), args: subArgs };
  } else if (top.load === undefined) {
    // `berth daemon` is dispatched by the executable before the CLI loads.
    err(`berth: '${name}' must be run as the first argument of the berth executable\n`);
    return 1;
  } else {
    invocation = { path: `berth ${name}`, description: top.description, def: await top.load(), args: rest };
  }
  hooks.commandResolved?.(invocation.path);
  // --config is the docker CLI's DOCKER_CONFIG: where credentials and contexts are. The descriptors
  // are copied so io's lazy getters (stdin) stay lazy.
  const configDir = global.string('config');
  const cmdIo: CliIo = configDir
    ? Object.defineProperties({} as CliIo, { ...Object.getOwnPropertyDescriptors(io), env: { value: { ...io.env, DOCKER_CONFIG: configDir }, enumerable: true } })
    : io;
  const endpoint = { context: global.string('context'), hosts: global.list('host') };
  return runCommand(invocation, cmdIo, endpoint, argv[0] ?? process.execPath, scriptPath, global.bool('debug'));
}

async function runCommand(
  inv: Invocation,
  io: CliIo,
  endpoint: { context: string | undefined; hosts: readonly string[] },
  execPath: string,
  scriptPath: string,
  debug: boolean,
): Promise<number> {
  const { def, path } = inv;
  const err = (s: string): void => void io.stderr.write(s);
  let flags;
  try {
    flags = parseFlags(inv.args, def.flags, { interspersed: def.interspersed !== false });
  } catch (e) {
    if (e instanceof FlagError) {
      err(renderUsageError(e.message, path, def.usage, 'Run'));
      return 125;
    }
    throw e;
  }
  if (flags.bool('help')) {
    const width = io.stdout.isTTY === true && io.stdout.columns !== undefined ? io.stdout.columns : 80;
    io.stdout.write(renderCommandHelp(path, inv.description, def, width));
    return 0;
  }
  try {
    checkArgs(path, def.args, flags.args);
  } catch (e) {
    if (e instanceof ArgsError) {
      err(renderUsageError(`berth: ${e.message}`, path, def.usage, e.hintVerb));
      return 1;
    }
    throw e;
  }

  let socketPath: string;
  try {
    socketPath = await resolveDaemonSocket({ ...endpoint, env: io.env });
  } catch (e) {
    if (e instanceof CommandUsageError) {
      err(`berth: ${e.message}\n\nRun '${path} --help' for more information\n`);
      return 125;
    }
    err(`Failed to initialize: ${describeError(e)}\n`);
    return 1;
  }
  let client: EngineClient | undefined;
  const ctx: CommandContext = {
    io,
    commandPath: path,
    client: () => {
      if (client !== undefined) return client;
      // autostart is imported when the daemon does not answer: it needs node:child_process, start-up
      // time every command would pay.
      const canStart = def.autoStart !== false && socketPath === DEFAULT_SOCKET_PATH && scriptPath !== '';
      const created: EngineClient = new EngineClient({
        socketPath,
        userAgent: `berth-cli/${BERTH_VERSION}`,
        ...(canStart
          ? { onUnavailable: async () => (await import('./autostart.js')).startDaemon({ client: created, execPath, scriptPath, stderr: io.stderr }) }
          : {}),
      });
      client = created;
      return created;
    },
  };
  try {
    return await def.run(ctx, flags);
  } catch (e) {
    if (e instanceof CommandUsageError) {
      err(`berth: ${e.message}\n\nRun '${path} --help' for more information\n`);
      return 125;
    }
    err(`${describeError(e)}\n`);
    if (debug && e instanceof Error && !isBerthError(e)) err(`${e.stack ?? ''}\n`);
    return 1;
  } finally {
    client?.close();
  }
}

import { DEFAULT_SOCKET_PATH } from '../api/client/engine-client.js';
import { CommandUsageError } from './command.js';
import { currentContextName, DEFAULT_CONTEXT, readContext } from './context-store.js';

type Env = Record<string, string | undefined>;

/**
 * The daemon a command talks to, resolved as the docker CLI resolves its endpoint: `--context`
 * (refused beside `-H`), else `-H`, BERTH_HOST or DOCKER_HOST (the default context), else
 * DOCKER_CONTEXT, else config.json's currentContext. A context other than `default` is read from
 * the docker CLI's context store, so `docker context create/use` serve berth too.
 */
export async function resolveDaemonSocket(opts: { context?: string; hosts: readonly string[]; env: Env }): Promise<string> {
  const name = await contextName(opts);
  if (name === DEFAULT_CONTEXT) return resolveSocketPath(opts.hosts, opts.env);
  return socketOfHost(await contextHost(name, opts.env));
}

async function contextName({ context, hosts, env }: { context?: string; hosts: readonly string[]; env: Env }): Promise<string> {
  if (context) {
    if (hosts.length > 0) throw new CommandUsageError('conflicting options: cannot specify both --host and --context');
    return context;
  }
  return hosts.length > 0 ? DEFAULT_CONTEXT : currentContextName(env);
}

/** The docker endpoint's host of a stored context. */
async function contextHost(name: string, env: Env): Promise<string> {
  try {
    return (await readContext(env, name)).Endpoints.docker?.Host ?? '';
  } catch (e) {
    throw new Error(`unable to resolve docker endpoint: ${(e as Error).message}`);
  }
}

/** The daemon's socket: `-H`, then BERTH_HOST, then DOCKER_HOST, then the default. Only unix sockets. */
export function resolveSocketPath(hosts: readonly string[], env: Env): string {
  return socketOfHost(hosts[hosts.length - 1] ?? env['BERTH_HOST'] ?? env['DOCKER_HOST']);
}

function socketOfHost(host: string | undefined): string {
  if (host === undefined || host === '') return DEFAULT_SOCKET_PATH;
  if (host.startsWith('unix://')) return host.slice('unix://'.length);
  if (host.startsWith('/')) return host;
  throw new CommandUsageError(`unsupported daemon host "${host}": berth only connects to unix sockets (unix:///path)`);
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SOCKET_PATH } from '../api/client/engine-client.js';
import { clientConfigDir, readClientConfig } from './client-config.js';
import { CommandUsageError } from './command.js';

type Env = Record<string, string | undefined>;

/**
 * The daemon a command talks to, resolved as the docker CLI resolves its endpoint: `--context`
 * (refused beside `-H`), else `-H`, BERTH_HOST or DOCKER_HOST (the default context), else
 * DOCKER_CONTEXT, else config.json's currentContext. A context other than `default` is read from
 * the docker CLI's context store, so `docker context create/use` serve berth too.
 */
export async function resolveDaemonSocket(opts: { context?: string; hosts: readonly string[]; env: Env }): Promise<string> {
  const name = await contextName(opts);
  if (name === 'default') return resolveSocketPath(opts.hosts, opts.env);
  return socketOfHost(await contextHost(name, opts.env));
}

async function contextName({ context, hosts, env }: { context?: string; hosts: readonly string[]; env: Env }): Promise<string> {
  if (context) {
    if (hosts.length > 0) throw new CommandUsageError('conflicting options: cannot specify both --host and --context');
    return context;
  }
  if (hosts.length > 0 || env['BERTH_HOST'] || env['DOCKER_HOST']) return 'default';
  return env['DOCKER_CONTEXT'] || (await readClientConfig(env)).currentContext || 'default';
}

/** The docker endpoint's host of a stored context: `contexts/meta/<sha256 of the name>/meta.json`. */
async function contextHost(name: string, env: Env): Promise<string> {
  const { createHash } = await import('node:crypto');
  const file = join(await clientConfigDir(env), 'contexts', 'meta', createHash('sha256').update(name).digest('hex'), 'meta.json');
  let meta: { Endpoints?: { docker?: { Host?: string } } };
  try {
    meta = JSON.parse(readFileSync(file, 'utf8')) as typeof meta;
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? `context not found: open ${file}: no such file or directory` : (e as Error).message;
    throw new Error(`unable to resolve docker endpoint: context "${name}": ${why}`);
  }
  return meta.Endpoints?.docker?.Host ?? '';
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

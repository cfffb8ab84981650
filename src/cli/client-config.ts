import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The docker CLI's client configuration, shared with it: `$DOCKER_CONFIG` (or `--config`), else `~/.docker`. */

type Env = Record<string, string | undefined>;

interface AuthEntry {
  auth?: string;
  identitytoken?: string;
}

/** The parts of config.json berth reads; everything else is kept as found. */
export interface DockerConfigFile {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  currentContext?: string;
  [key: string]: unknown;
}

/**
 * The configuration directory. Without HOME, the user's home from the user database, as the docker
 * CLI finds it (node:os loads only then: most commands never need it).
 */
export async function clientConfigDir(env: Env): Promise<string> {
  return env['DOCKER_CONFIG'] || join(env['HOME'] || (await import('node:os')).userInfo().homedir, '.docker');
}

export async function clientConfigPath(env: Env): Promise<string> {
  return join(await clientConfigDir(env), 'config.json');
}

/** Read synchronously: node:fs/promises would be start-up time (~1 ms) for one small file. Missing: empty. */
export async function readClientConfig(env: Env): Promise<DockerConfigFile> {
  const file = await clientConfigPath(env);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DockerConfigFile;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`loading config file ${file}: ${(e as Error).message}`);
  }
}

/** Writes config.json as docker/cli does (tab-indented, 0600). The atomic write loads only for the commands that write. */
export async function writeClientConfig(env: Env, config: DockerConfigFile): Promise<string> {
  const file = await clientConfigPath(env);
  const { writeFileAtomic } = await import('../lib/atomic-file.js');
  await writeFileAtomic(file, JSON.stringify(config, null, '\t'), 0o600);
  return file;
}

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SOCKET_PATH } from '../api/client/engine-client.js';
import { clientConfigDir, readClientConfig } from './client-config.js';

type Env = Record<string, string | undefined>;

/**
 * The docker CLI's context store, shared with it: `<config dir>/contexts/meta/<sha256 of the
 * name>/meta.json`, the current context in config.json's `currentContext`.
 */
export interface ContextMeta {
  Name: string;
  Metadata: { Description?: string };
  Endpoints: { docker?: { Host?: string; SkipTLSVerify?: boolean } };
}

export const DEFAULT_CONTEXT = 'default';

/** The daemon the environment names (BERTH_HOST, else DOCKER_HOST), which overrides any context; empty counts as unset. */
export function environmentHost(env: Env): string | undefined {
  return env['BERTH_HOST'] || env['DOCKER_HOST'] || undefined;
}

/** The default context, made from the environment as docker/cli makes it. */
export function defaultContext(env: Env): ContextMeta & { Metadata: { Description: string } } {
  const host = environmentHost(env) ?? `unix://${DEFAULT_SOCKET_PATH}`;
  return { Name: DEFAULT_CONTEXT, Metadata: { Description: 'Current DOCKER_HOST based configuration' }, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } };
}

/** The context's metadata and TLS directories. */
export async function contextPaths(env: Env, name: string): Promise<{ meta: string; tls: string }> {
  const { createHash } = await import('node:crypto');
  const id = createHash('sha256').update(name).digest('hex');
  const dir = join(await clientConfigDir(env), 'contexts');
  return { meta: join(dir, 'meta', id), tls: join(dir, 'tls', id) };
}

/** A stored context; an error in docker's words when there is none. */
export async function readContext(env: Env, name: string): Promise<ContextMeta> {
  const file = join((await contextPaths(env, name)).meta, 'meta.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ContextMeta;
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? `context not found: open ${file}: no such file or directory` : (e as Error).message;
    throw new Error(`context "${name}": ${why}`);
  }
}

export async function contextExists(env: Env, name: string): Promise<boolean> {
  if (name === DEFAULT_CONTEXT) return true;
  try {
    await readContext(env, name);
    return true;
  } catch {
    return false;
  }
}

/** Every stored context (the default one not among them). */
export async function listContexts(env: Env): Promise<ContextMeta[]> {
  const dir = join(await clientConfigDir(env), 'contexts', 'meta');
  const out: ContextMeta[] = [];
  for (const id of readdirSafe(dir)) {
    try {
      out.push(JSON.parse(readFileSync(join(dir, id, 'meta.json'), 'utf8')) as ContextMeta);
    } catch {
      // Not a context's directory.
    }
  }
  return out;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export async function writeContext(env: Env, meta: ContextMeta): Promise<void> {
  const { mkdir } = await import('node:fs/promises');
  const { writeFileAtomic } = await import('../lib/atomic-file.js');
  const { meta: dir } = await contextPaths(env, meta.Name);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await writeFileAtomic(join(dir, 'meta.json'), JSON.stringify(meta), 0o644);
}

export async function removeContext(env: Env, name: string): Promise<void> {
  const { rm } = await import('node:fs/promises');
  const { meta, tls } = await contextPaths(env, name);
  await Promise.all([rm(meta, { recursive: true, force: true }), rm(tls, { recursive: true, force: true })]);
}

/** The context in use when no `--context` or `-H` is given: the environment's, else config.json's. */
export async function currentContextName(env: Env): Promise<string> {
  if (environmentHost(env)) return DEFAULT_CONTEXT;
  return env['DOCKER_CONTEXT'] || (await readClientConfig(env)).currentContext || DEFAULT_CONTEXT;
}

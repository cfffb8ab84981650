import { DEFAULT_DOMAIN, parseReference } from '../oci/reference.js';
import { readClientConfig, writeClientConfig, type DockerConfigFile } from './client-config.js';

/** Docker Hub's key in config.json, as docker/cli writes it. */
export const HUB_SERVER = 'https://index.docker.io/v1/';

export interface Credentials {
  username: string;
  password: string;
  serveraddress: string;
}

type Env = Record<string, string | undefined>;

/** The key a registry has in `auths`: Hub's historic URL, else the host as given. */
export function serverKey(server: string): string {
  const host = server.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return host === '' || host === DEFAULT_DOMAIN || host === 'index.docker.io' || host === 'registry-1.docker.io' ? HUB_SERVER : host;
}

function helperFor(config: DockerConfigFile, key: string): string | undefined {
  const host = key === HUB_SERVER ? HUB_SERVER : key;
  return config.credHelpers?.[host] ?? config.credsStore;
}

/** node:child_process loads only when a credential helper is configured. */
async function helper(name: string, action: 'get' | 'store' | 'erase', input: string): Promise<string> {
  const { runProgram } = await import('../lib/exec-file.js');
  const r = await runProgram(`docker-credential-${name}`, [action], { input });
  if (r.code !== 0) throw new Error(`error ${action === 'get' ? 'getting' : action === 'store' ? 'storing' : 'erasing'} credentials - err: exit status ${r.code}, out: \`${(r.stdout || r.stderr).trim()}\``);
  return r.stdout;
}

/** Stored credentials for `server`, from a credential helper when one is configured, else `auths`. */
export async function lookupCredentials(env: Env, server: string): Promise<Credentials | undefined> {
  const config = await readClientConfig(env);
  const key = serverKey(server);
  const h = helperFor(config, key);
  if (h) {
    try {
      const out = JSON.parse(await helper(h, 'get', key)) as { Username?: string; Secret?: string };
      if (out.Username !== undefined) return { username: out.Username, password: out.Secret ?? '', serveraddress: key };
    } catch {
      return undefined;
    }
  }
  const entry = config.auths?.[key] ?? config.auths?.[`https://${key}`] ?? config.auths?.[`http://${key}`];
  if (!entry?.auth) return undefined;
  const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), serveraddress: key };
}

/** Saves credentials as docker/cli does (helper, else base64 `user:password` in `auths`). Returns where they went. */
export async function storeCredentials(env: Env, creds: Credentials): Promise<{ file?: string }> {
  const config = await readClientConfig(env);
  const key = serverKey(creds.serveraddress);
  const h = helperFor(config, key);
  if (h) {
    await helper(h, 'store', JSON.stringify({ ServerURL: key, Username: creds.username, Secret: creds.password }));
    config.auths = { ...config.auths, [key]: {} };
    await writeClientConfig(env, config);
    return {};
  }
  config.auths = { ...config.auths, [key]: { auth: Buffer.from(`${creds.username}:${creds.password}`).toString('base64') } };
  return { file: await writeClientConfig(env, config) };
}

/** Forgets `server`'s credentials. */
export async function eraseCredentials(env: Env, server: string): Promise<void> {
  const config = await readClientConfig(env);
  const key = serverKey(server);
  const had = config.auths?.[key] !== undefined;
  const h = helperFor(config, key);
  if (h) await helper(h, 'erase', key).catch(() => undefined);
  if (!had) return;
  if (config.auths) delete config.auths[key];
  await writeClientConfig(env, config);
}

/** X-Registry-Auth for a reference's registry: base64url JSON, `{}` when anonymous (as docker/cli sends). */
export async function registryAuthFor(env: Env, image: string): Promise<string> {
  let host = DEFAULT_DOMAIN;
  try {
    host = parseReference(image).domain;
  } catch {
    // An invalid reference is the daemon's to refuse.
  }
  return encodeRegistryAuth((await lookupCredentials(env, host)) ?? {});
}

/**
 * X-Registry-Config for a build: every stored credential by registry, as docker/cli sends, for the
 * base images the daemon pulls.
 */
export async function registryConfigFor(env: Env): Promise<string> {
  const config = await readClientConfig(env);
  const servers = new Set([...Object.keys(config.auths ?? {}), ...Object.keys(config.credHelpers ?? {})]);
  const all: Record<string, Credentials> = {};
  for (const server of servers) {
    const creds = await lookupCredentials(env, server);
    if (creds) all[creds.serveraddress] = creds;
  }
  return encodeRegistryAuth(all);
}

export function encodeRegistryAuth(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

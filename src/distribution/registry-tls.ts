import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError } from '../lib/errors.js';

/** TLS material for one registry: extra CAs and a client certificate. */
export interface RegistryTls {
  ca: string[];
  cert?: string;
  key?: string;
}

/**
 * Reads `<certsDir>/<host>/` as Docker does: every `*.crt` is a CA to trust besides the system's,
 * `name.cert` + `name.key` a client certificate. A missing directory means no extra material.
 */
export function readRegistryTls(certsDir: string, host: string): RegistryTls | undefined {
  const dir = join(certsDir, host);
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return undefined;
  }
  const tls: RegistryTls = { ca: [] };
  for (const name of names) {
    if (name.endsWith('.crt')) tls.ca.push(readFileSync(join(dir, name), 'utf8'));
    else if (name.endsWith('.cert')) {
      const key = `${name.slice(0, -'.cert'.length)}.key`;
      if (!names.includes(key)) throw new BerthError('InvalidArgument', 'registry_tls', `missing key ${key} for client certificate ${name} in ${dir}`);
      tls.cert = readFileSync(join(dir, name), 'utf8');
      tls.key = readFileSync(join(dir, key), 'utf8');
    } else if (name.endsWith('.key') && !names.includes(`${name.slice(0, -'.key'.length)}.cert`)) {
      throw new BerthError('InvalidArgument', 'registry_tls', `missing client certificate ${name.slice(0, -'.key'.length)}.cert for key ${name} in ${dir}`);
    }
  }
  return tls.ca.length > 0 || tls.cert !== undefined ? tls : undefined;
}

import { invalidArgument } from '../lib/errors.js';
import type { ImageRunConfig } from '../oci/image.js';
import type { ContainerConfigSpec } from './container-model.js';
import { mergeHealthcheck } from './health.js';

const envKey = (e: string): string => {
  const i = e.indexOf('=');
  return i < 0 ? e : e.slice(0, i);
};

/**
 * Image env first, the user's entries replacing same-named ones, as Docker merges them. A bare
 * `NAME` (docker/cli sends `-e NAME` so when NAME is unset in the client) unsets it, as dockerd does:
 * the runtime refuses an entry without `=`.
 */
export function mergeEnv(image: readonly string[], user: readonly string[]): string[] {
  const out = [...image];
  for (const e of user) {
    const i = out.findIndex((x) => envKey(x) === envKey(e));
    if (!e.includes('=')) {
      if (i >= 0) out.splice(i, 1);
    } else if (i >= 0) out[i] = e;
    else out.push(e);
  }
  return out;
}

const nonEmpty = (a: readonly string[] | null | undefined): a is string[] => Array.isArray(a) && a.length > 0;

/**
 * The container's effective configuration: the user's request with the image's defaults filled in
 * (Docker's merge: an entrypoint given by the user drops the image's Cmd; `--entrypoint ""` clears it).
 */
export function mergeImageConfig(user: ContainerConfigSpec, image: ImageRunConfig, defaultHostname: string): ContainerConfigSpec {
  const out: ContainerConfigSpec = { ...user };
  // As dockerd's merge: what the user left empty is the image's as it is (null when the image has
  // none), so inspect shows null, and ExposedPorts (omitempty) not at all, where dockerd does.
  out.Env = nonEmpty(user.Env) ? mergeEnv(image.Env ?? [], user.Env) : (image.Env ?? null);
  if (user.Entrypoint !== undefined && user.Entrypoint !== null) {
    out.Entrypoint = user.Entrypoint.length === 1 && user.Entrypoint[0] === '' ? null : user.Entrypoint;
    out.Cmd = nonEmpty(user.Cmd) ? user.Cmd : null;
  } else {
    out.Entrypoint = nonEmpty(image.Entrypoint) ? image.Entrypoint : null;
    out.Cmd = nonEmpty(user.Cmd) ? user.Cmd : nonEmpty(image.Cmd) ? image.Cmd : null;
  }
  out.WorkingDir = user.WorkingDir || image.WorkingDir || '';
  out.User = user.User || image.User || '';
  const ports = { ...(image.ExposedPorts ?? {}), ...(user.ExposedPorts ?? {}) };
  if (Object.keys(ports).length > 0) out.ExposedPorts = ports;
  else delete out.ExposedPorts;
  const volumes = { ...(image.Volumes ?? {}), ...(user.Volumes ?? {}) };
  out.Volumes = Object.keys(volumes).length > 0 ? volumes : null;
  out.Labels = { ...(image.Labels ?? {}), ...(user.Labels ?? {}) };
  if (!user.StopSignal && image.StopSignal) out.StopSignal = image.StopSignal;
  // The image's ONBUILD triggers are a build's business, not the container's.
  out.OnBuild = nonEmpty(user.OnBuild) ? user.OnBuild : null;
  out.Hostname = user.Hostname || defaultHostname;
  out.Domainname = user.Domainname ?? '';
  const health = mergeHealthcheck(user.Healthcheck, image.Healthcheck);
  if (health) out.Healthcheck = health;
  return out;
}

/** Path and Args of the container's first process. */
export function commandOf(config: ContainerConfigSpec): { path: string; args: string[] } {
  const argv = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  const [path, ...args] = argv;
  if (path === undefined || path === '') throw invalidArgument('no_command', 'no command specified');
  return { path, args };
}

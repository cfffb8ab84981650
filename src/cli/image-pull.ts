import type { EngineClient } from '../api/client/engine-client.js';
import { familiarString, parseReference, repositoryName, withDefaultTag } from '../oci/reference.js';
import { displayJsonMessages } from './progress.js';
import { registryAuthFor } from './registry-auth.js';

/** `busybox` → `busybox:latest`, as docker names an image in "Unable to find image" messages. */
export function familiarTagged(image: string): string {
  try {
    return familiarString(withDefaultTag(parseReference(image)));
  } catch {
    return image;
  }
}

/**
 * Pulls `image` through `POST /images/create?fromImage=&tag=`, rendering progress to `out`
 * (docker's `run`/`create` write it to stderr), with the credentials stored for its registry
 * when `env` locates the config. Throws the daemon's or the stream's error.
 */
export async function pullImage(
  client: EngineClient,
  image: string,
  out: NodeJS.WritableStream & { isTTY?: boolean },
  opts: { quiet?: boolean; platform?: string; allTags?: boolean; env?: Record<string, string | undefined> } = {},
): Promise<void> {
  const parsed = parseReference(image);
  const ref = opts.allTags === true ? parsed : withDefaultTag(parsed);
  const registryAuth = opts.env !== undefined ? await registryAuthFor(opts.env, image) : undefined;
  // Over the small HTTP/1.1 exchange, as push: node:http is not loaded (~5 ms of the CLI's start).
  const res = await client.stream('POST', '/images/create', {
    query: { fromImage: repositoryName(ref), tag: ref.digest ?? ref.tag, platform: opts.platform },
    headers: registryAuth !== undefined ? { 'X-Registry-Auth': registryAuth } : {},
  });
  await displayJsonMessages(res, out, { quiet: opts.quiet ?? false });
}

import type { EngineClient } from '../api/client/engine-client.js';
import { familiarString, parseReference, repositoryName, withDefaultTag } from '../oci/reference.js';
import { displayJsonMessages } from './progress.js';

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
 * (docker's `run`/`create` write it to stderr). Throws the daemon's or the stream's error.
 */
export async function pullImage(
  client: EngineClient,
  image: string,
  out: NodeJS.WritableStream & { isTTY?: boolean },
  opts: { quiet?: boolean; platform?: string } = {},
): Promise<void> {
  const ref = withDefaultTag(parseReference(image));
  const res = await client.imageCreate({
    fromImage: repositoryName(ref),
    tag: ref.digest ?? ref.tag,
    platform: opts.platform,
  });
  await displayJsonMessages(res, out, { quiet: opts.quiet ?? false });
}

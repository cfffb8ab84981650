import { invalidArgument } from '../lib/errors.js';
import { parseTimeSpec } from '../lib/time-spec.js';
import type { Image } from '../image/image-service.js';
import { familiarRepository, familiarString, parseReference } from '../oci/reference.js';

const KEYS = ['dangling', 'label', 'before', 'since', 'reference', 'until'];

/** Glob as Docker's `reference` filter uses (path.Match): `*` stays within a path segment. */
function globToRegExp(glob: string): RegExp {
  const src = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${src}$`);
}

/**
 * `docker images --filter`; `until` durations count back from `nowMs`. With `reference`, an image
 * keeps only its tags that match (as dockerd answers: `images busybox` lists no other tag of it).
 */
export function filterImages(images: Image[], filters: Map<string, string[]>, resolve: (ref: string) => Image, nowMs = Date.now()): Image[] {
  for (const key of filters.keys()) if (!KEYS.includes(key)) throw invalidArgument('invalid_filter', `invalid filter '${key}'`);
  const dangling = filters.get('dangling')?.[0];
  if (dangling !== undefined && !['true', 'false', '1', '0'].includes(dangling)) {
    throw invalidArgument('invalid_filter', `invalid filter 'dangling=${dangling}'`);
  }
  const before = filters.get('before')?.map((r) => resolve(r).row.created);
  const since = filters.get('since')?.map((r) => resolve(r).row.created);
  // As dockerd: images created before the time (a timestamp, or a duration before now).
  const until = filters.get('until')?.map((v) => {
    try {
      return Number(parseTimeSpec(v, nowMs, 'until')) * 1000;
    } catch (e) {
      throw invalidArgument('invalid_filter', `failed to parse value as time or duration: "${v}"`, e);
    }
  });
  const refs = filters.get('reference');
  const matching = (img: Image): string[] =>
    img.tags.filter((t) => {
      const parsed = parseReference(t);
      return refs!.some((r) => {
        const re = globToRegExp(r);
        return re.test(familiarString(parsed)) || re.test(familiarRepository(parsed));
      });
    });
  const kept = images.filter((img) => {
    if (dangling !== undefined && (img.tags.length === 0) !== (dangling === 'true' || dangling === '1')) return false;
    const labels = img.config.config?.Labels ?? {};
    for (const l of filters.get('label') ?? []) {
      const eq = l.indexOf('=');
      if (eq < 0 ? !(l in labels) : labels[l.slice(0, eq)] !== l.slice(eq + 1)) return false;
    }
    if (refs && refs.length > 0 && matching(img).length === 0) return false;
    if (before && !before.every((t) => img.row.created < t)) return false;
    if (since && !since.every((t) => img.row.created > t)) return false;
    if (until && !until.every((t) => Date.parse(img.row.created) < t)) return false;
    return true;
  });
  return refs && refs.length > 0 ? kept.map((img) => ({ ...img, tags: matching(img) })) : kept;
}

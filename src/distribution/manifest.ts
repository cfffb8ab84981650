import { BerthError, invalidArgument, notFound } from '../lib/errors.js';
import { parseDigest, sha256Digest, type Digest } from '../oci/digest.js';
import { MEDIA_TYPES, type Descriptor, type ImageManifest } from '../oci/image.js';
import { formatPlatform, type Platform } from '../oci/platform.js';
import { kindOfStatus, registryErrorText, type RegistryClient } from './registry-client.js';

export const INDEX_MEDIA_TYPES = {
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

const ACCEPT = [MEDIA_TYPES.dockerManifest, MEDIA_TYPES.ociManifest, INDEX_MEDIA_TYPES.dockerList, INDEX_MEDIA_TYPES.ociIndex].join(', ');

/** Manifests larger than this are refused, as containerd and Docker do (4 MiB). */
const MANIFEST_LIMIT = 4 * 1024 * 1024;


export interface ResolvedManifest {
  /** The image manifest's bytes, as received (so a push of them reproduces its digest). */
  bytes: Buffer;
  digest: Digest;
  manifest: ImageManifest;
  /** What the reference resolved to: the index's digest when it named an index, else `digest`. */
  repoDigest: Digest;
}

interface IndexDoc {
  mediaType?: string;
  manifests?: Descriptor[];
}

/**
 * Resolves `reference` (a tag or a digest) in `repo` to one image manifest: fetches it, checks its
 * digest when the reference is one, and descends from a manifest list / OCI index to the entry for
 * `platform`.
 */
export async function resolveManifest(
  client: RegistryClient,
  repo: string,
  reference: string,
  platform: Platform,
  display: string,
): Promise<ResolvedManifest> {
  const top = await fetchManifest(client, repo, reference, display);
  const mediaType = top.mediaType;
  if (mediaType === INDEX_MEDIA_TYPES.dockerList || mediaType === INDEX_MEDIA_TYPES.ociIndex) {
    const index = JSON.parse(top.bytes.toString('utf8')) as IndexDoc;
    const entry = pickPlatform(index.manifests ?? [], platform);
    if (!entry) {
      throw notFound('no_matching_manifest', `no matching manifest for ${formatPlatform(platform)} in the manifest list entries`);
    }
    const inner = await fetchManifest(client, repo, entry.digest, display);
    return { ...asImage(inner), repoDigest: top.digest };
  }
  return { ...asImage(top), repoDigest: top.digest };
}

function asImage(m: { bytes: Buffer; digest: Digest; mediaType: string }): Omit<ResolvedManifest, 'repoDigest'> {
  if (m.mediaType !== MEDIA_TYPES.dockerManifest && m.mediaType !== MEDIA_TYPES.ociManifest) {
    throw new BerthError('NotImplemented', 'unsupported_manifest', `unsupported manifest media type: ${m.mediaType || 'unknown'}`);
  }
  const manifest = JSON.parse(m.bytes.toString('utf8')) as ImageManifest;
  if (manifest.schemaVersion !== 2 || !manifest.config || !Array.isArray(manifest.layers)) {
    throw invalidArgument('invalid_manifest', `invalid manifest ${m.digest}`);
  }
  return { bytes: m.bytes, digest: m.digest, manifest };
}

/** The entry for `platform`; a missing variant in the request matches any (amd64 has none). */
export function pickPlatform(entries: readonly Descriptor[], platform: Platform): Descriptor | undefined {
  const candidates = entries.filter(
    (e) => e.platform?.os === platform.os && e.platform.architecture === platform.architecture,
  );
  if (platform.variant) return candidates.find((e) => e.platform?.variant === platform.variant);
  return candidates.find((e) => !e.platform?.variant) ?? candidates[0];
}

async function fetchManifest(client: RegistryClient, repo: string, reference: string, display: string): Promise<{ bytes: Buffer; digest: Digest; mediaType: string }> {
  const res = await client.request(`${repo}/manifests/${reference}`, { headers: { Accept: ACCEPT }, scope: `repository:${repo}:pull` });
  if (!res.ok) {
    const { code, text } = await registryErrorText(res);
    if (res.status === 404 || code === 'MANIFEST_UNKNOWN' || code === 'NAME_UNKNOWN') {
      throw notFound('manifest_unknown', `manifest for ${display} not found: ${text}`);
    }
    if (res.status === 403 || code === 'DENIED') throw notFound('pull_denied', denied(display, text));
    // dockerd answers 500 here, not 401: on a 401 the docker CLI would prompt for a login.
    throw new BerthError(res.status === 401 ? 'Internal' : kindOfStatus(res.status), 'manifest_fetch_failed', text);
  }
  const bytes = await res.bytes();
  if (bytes.length > MANIFEST_LIMIT) throw invalidArgument('manifest_too_big', `manifest for ${display} is larger than ${MANIFEST_LIMIT} bytes`);
  const digest = sha256Digest(bytes);
  if (reference.startsWith('sha256:') && parseDigest(reference) !== digest) {
    throw invalidArgument('digest_mismatch', `manifest verification failed for digest ${reference}`);
  }
  let mediaType = (res.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
  const declared = (JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType;
  if (declared) mediaType = declared;
  return { bytes, digest, mediaType };
}

/** Docker's wording for a pull the registry refused. */
function denied(display: string, text: string): string {
  const repo = display.replace(/[:@][^/]*$/, '');
  return `pull access denied for ${repo}, repository does not exist or may require 'docker login': ${text}`;
}

/** `PUT /v2/<repo>/manifests/<tag>`; returns the digest the registry stored it under. */
export async function putManifest(client: RegistryClient, repo: string, tag: string, mediaType: string, bytes: Buffer): Promise<Digest> {
  const res = await client.request(`${repo}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'Content-Type': mediaType },
    body: bytes,
    scope: `repository:${repo}:pull,push`,
  });
  if (!res.ok) {
    const { text } = await registryErrorText(res);
    throw new BerthError(kindOfStatus(res.status), 'manifest_put_failed', text);
  }
  await res.drain();
  return sha256Digest(bytes);
}

/** `GET /v2/<repo>/tags/list`: every tag of a repository (one page: registries answer all by default). */
export async function listTags(client: RegistryClient, repo: string, display: string): Promise<string[]> {
  const res = await client.request(`${repo}/tags/list`, { scope: `repository:${repo}:pull` });
  if (!res.ok) {
    const { text } = await registryErrorText(res);
    if (res.status === 404) throw notFound('name_unknown', `repository ${display} not found: ${text}`);
    throw new BerthError(res.status === 401 ? 'Internal' : kindOfStatus(res.status), 'tags_list_failed', text);
  }
  const body = (await res.json()) as { tags?: string[] | null };
  return body.tags ?? [];
}

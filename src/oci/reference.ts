import { invalidArgument } from '../lib/errors.js';

/**
 * An image reference normalised as Docker does: `busybox` is `docker.io/library/busybox:latest`.
 * `domain/path` is the repository; at least one of tag and digest is set after `normalize`.
 */
export interface ImageReference {
  domain: string;
  path: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const COMPONENT_RE = new RegExp(`^${COMPONENT}$`);
const DOMAIN_RE = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?$|^\[[0-9a-fA-F:]+\](?::[0-9]+)?$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;
const NAME_MAX = 255;

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DOMAIN = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';

function bad(detail?: string): never {
  throw invalidArgument('invalid_reference', detail ? `invalid reference format: ${detail}` : 'invalid reference format');
}

/** Parses what a user typed (`busybox`, `localhost:5000/app:1`, `x@sha256:…`) into a normalised reference. */
export function parseReference(input: string): ImageReference {
  if (input.length === 0) bad();
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(digest)) bad();
    if (digest.startsWith('sha256:') && !/^sha256:[0-9a-f]{64}$/.test(digest)) bad();
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG_RE.test(tag)) bad();
  }
  if (rest.length === 0) bad();
  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      domain = first;
      path = rest.slice(slash + 1);
      if (!DOMAIN_RE.test(domain)) bad();
    }
  }
  if (domain === LEGACY_DOMAIN) domain = DEFAULT_DOMAIN;
  if (path !== path.toLowerCase() && path.split('/').every((c) => COMPONENT_RE.test(c.toLowerCase()))) {
    bad(`repository name (${domain === DEFAULT_DOMAIN && !path.includes('/') ? OFFICIAL_PREFIX : ''}${path}) must be lowercase`);
  }
  if (!path.split('/').every((c) => COMPONENT_RE.test(c))) bad();
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = OFFICIAL_PREFIX + path;
  if (`${domain}/${path}`.length > NAME_MAX) bad('repository name must not be more than 255 characters');
  const ref: ImageReference = { domain, path };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** Adds the `latest` tag when neither tag nor digest is given, as Docker does. */
export function withDefaultTag(ref: ImageReference): ImageReference {
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: 'latest' } : ref;
}

export function repositoryName(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** Fully qualified string form: `docker.io/library/busybox:latest`. */
export function formatReference(ref: ImageReference): string {
  return repositoryName(ref) + (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}

/** The repository as users see it: `busybox`, `user/app`, `localhost:5000/app`. */
export function familiarRepository(ref: ImageReference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return repositoryName(ref);
  return ref.path.startsWith(OFFICIAL_PREFIX) ? ref.path.slice(OFFICIAL_PREFIX.length) : ref.path;
}

/** `busybox:latest`, `localhost:5000/app:1`, `app@sha256:…`. */
export function familiarString(ref: ImageReference): string {
  return familiarRepository(ref) + (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}

/** Parses and normalises a user's reference to its canonical tagged string (`docker.io/library/busybox:latest`). */
export function normalizeReference(input: string): string {
  return formatReference(withDefaultTag(parseReference(input)));
}

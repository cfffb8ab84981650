import { createHash } from 'node:crypto';
import { invalidArgument } from '../lib/errors.js';

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** `sha256:<64 hex>`: the address of a blob in the content store. */
export type Digest = Brand<string, 'Digest'>;
/** Digest of an uncompressed layer tar. */
export type DiffId = Brand<string, 'DiffId'>;
/** Identity of a stack of layers (OCI image-spec ChainID). */
export type ChainId = Brand<string, 'ChainId'>;
/** `sha256:<64 hex>` of an image config: the image's identity, as Docker. */
export type ImageId = Brand<string, 'ImageId'>;

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

function checked(kind: string, s: string): string {
  if (!DIGEST_RE.test(s)) throw invalidArgument('invalid_digest', `invalid ${kind} "${s}": expected sha256:<64 hex digits>`);
  return s;
}

export const parseDigest = (s: string): Digest => checked('digest', s) as Digest;
export const parseDiffId = (s: string): DiffId => checked('diff ID', s) as DiffId;
export const parseChainId = (s: string): ChainId => checked('chain ID', s) as ChainId;
export const parseImageId = (s: string): ImageId => checked('image ID', s) as ImageId;

export function sha256Digest(data: string | Buffer): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}` as Digest;
}

/** The 64 hex digits of a digest: safe as a path component. */
export const digestHex = (d: string): string => d.slice('sha256:'.length);

/**
 * ChainID per the OCI image spec: ChainID(L0) = DiffID(L0), ChainID(L0..n) = sha256(ChainID(L0..n-1) + " " + DiffID(Ln)).
 */
export function chainIds(diffIds: readonly DiffId[]): ChainId[] {
  const out: ChainId[] = [];
  for (const d of diffIds) out.push(nextChainId(out[out.length - 1] ?? null, d));
  return out;
}

export function nextChainId(parent: ChainId | null, diffId: DiffId): ChainId {
  return (parent === null ? diffId : sha256Digest(`${parent} ${diffId}`)) as string as ChainId;
}

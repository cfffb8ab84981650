import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { BerthError, invalidArgument, notFound } from '../lib/errors.js';
import { chainIds, parseDiffId, parseDigest, parseImageId, type ChainId, type DiffId, type Digest } from '../oci/digest.js';
import type { Descriptor, ImageConfig } from '../oci/image.js';
import { convertManifest, type ManifestFormat } from '../oci/manifest-format.js';
import {
  DEFAULT_DOMAIN,
  familiarRepository,
  familiarString,
  formatReference,
  parseReference,
  repositoryName,
  withDefaultTag,
  type ImageReference,
} from '../oci/reference.js';
import type { ContentStore } from '../store/content/content-store.js';
import { uploadBlob, uploadStream, type BlobSource } from '../distribution/blob-upload.js';
import { blobExists, DownloadBuffers, fetchBlob, fetchBlobBytes, mountBlob, type OnBytes } from '../distribution/blobs.js';
import { listTags, putManifest, resolveManifest } from '../distribution/manifest.js';
import { parsePlatform, type Platform } from '../oci/platform.js';
import { limited, shortLayerId, throttled, type ProgressSink } from '../distribution/progress.js';
import { RegistryClient, type RegistryCredentials } from '../distribution/registry-client.js';
import { readRegistryTls } from '../distribution/registry-tls.js';
import type { Image, ImageService } from '../image/image-service.js';
import { compressLayerBlob, gzipLayersByDiffId, gzipMediaType } from '../image/layer-compress.js';

export type { ProgressEvent } from '../distribution/progress.js';
export type { ImageArchive } from '../image/image-archive.js';
export type { RegistryCredentials } from '../distribution/registry-client.js';

export interface ImageTransferOptions {
  /** Layers downloaded at once (dockerd's max-concurrent-downloads is 3). */
  maxConcurrentDownloads: number;
  maxConcurrentUploads: number;
  /** Registries (`host[:port]`) reached over plain http besides loopback ones. */
  insecureRegistries: readonly string[];
  /** Per-registry CA and client certificates: `<certsDir>/<host[:port]>/`. */
  certsDir: string;
  /** Blobs bigger than this are pushed in chunks of this size. */
  uploadChunkSize: number;
}

export interface PushOptions {
  /** The manifest format to push; the stored manifest's own when unset (as Docker). */
  format?: ManifestFormat;
}

const LOOPBACK = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(:\d+)?$/;

/** `https://index.docker.io/v1/`, `http://127.0.0.1:5000` → the registry host as references name it. */
export function registryHost(serverAddress: string): string {
  const host = serverAddress.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  if (host === '' || host === 'index.docker.io' || host === 'registry-1.docker.io') return DEFAULT_DOMAIN;
  return host;
}

/** Pull, push and login: copies images between registries and the local store. */
export class ImageTransfer {
  constructor(
    private readonly images: ImageService,
    private readonly content: ContentStore,
    private readonly opts: ImageTransferOptions,
  ) {}

  private client(host: string, credentials: RegistryCredentials | undefined): RegistryClient {
    const insecure = LOOPBACK.test(host) || this.opts.insecureRegistries.includes(host);
    const tls = readRegistryTls(this.opts.certsDir, host);
    return new RegistryClient({ host, credentials, insecure, certsDir: this.opts.certsDir, ...(tls ? { tls } : {}) });
  }

  /** `POST /auth`: checks the credentials with the registry. */
  async login(credentials: RegistryCredentials & { serveraddress?: string }): Promise<void> {
    await this.client(registryHost(credentials.serveraddress ?? ''), credentials).checkLogin();
  }

  /** `pull -a`: every tag of the repository `name`, one after the other. */
  async pullAllTags(name: string, credentials: RegistryCredentials | undefined, platformText: string | undefined, emit: ProgressSink): Promise<void> {
    const repo = parseReference(name);
    const client = this.client(repo.domain, credentials);
    const tags = await listTags(client, repo.path, familiarRepository(repo));
    for (const tag of tags) await this.pull(formatReference({ domain: repo.domain, path: repo.path, tag }), credentials, platformText, emit);
  }

  /** Pulls `refText` (`name[:tag]` or `name@digest`), reporting progress; returns the image. */
  async pull(refText: string, credentials: RegistryCredentials | undefined, platformText: string | undefined, emit: ProgressSink): Promise<Image> {
    const ref = withDefaultTag(parseReference(refText));
    const platform: Platform = platformText ? parsePlatform(platformText) : { os: 'linux', architecture: 'amd64' };
    const client = this.client(ref.domain, credentials);
    const display = familiarString(ref);
    const reference = ref.digest ?? ref.tag ?? 'latest';
    // Resolved before any progress, so a missing manifest is a plain error response (as dockerd's).
    const resolved = await resolveManifest(client, ref.path, reference, platform, display);
    emit({ id: ref.digest ?? ref.tag, status: `Pulling from ${ref.path}` });

    const manifest = resolved.manifest;
    // Kept in memory until the layers are in: a failed pull leaves no config behind.
    const configBytes = await fetchBlobBytes(client, ref.path, manifest.config);
    const config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
    const diffIds = config.rootfs.diff_ids.map(parseDiffId);
    if (diffIds.length !== manifest.layers.length) {
      throw invalidArgument('layer_count_mismatch', `image config lists ${diffIds.length} layers but the manifest ${manifest.layers.length}`);
    }
    const chains = chainIds(diffIds);
    const needed = manifest.layers.map((_, i) => !this.images.hasLayer(chains[i]!));
    // An image already here shows no layers, as dockerd's "Image is up to date".
    const known = !needed.includes(true) && this.images.exists(parseImageId(manifest.config.digest));
    if (!known) manifest.layers.forEach((l, i) => emit({ id: shortLayerId(l.digest), status: needed[i] ? 'Pulling fs layer' : 'Already exists' }));
    let queued = 0;
    manifest.layers.forEach((l, i) => {
      if (needed[i] && queued++ >= this.opts.maxConcurrentDownloads) emit({ id: shortLayerId(l.digest), status: 'Waiting' });
    });

    // The layers, those here already included, stay out of garbage collection until the image
    // records them: an image removal meanwhile would otherwise take them.
    const holds = [...manifest.layers.map((l) => this.images.holdBlob(l.digest)), ...chains.map((c) => this.images.holdSnapshot(c))];
    let recorded;
    try {
      // Each layer is stored and unpacked in one pass as it downloads, several at once in any order.
      // After a failure no new download starts, and the pull fails once those running have settled.
      let firstError: unknown;
      const buffers = new DownloadBuffers();
      await limited(
        this.opts.maxConcurrentDownloads,
        manifest.layers.map((layer, i) => async () => {
          if (!needed[i] || firstError !== undefined) return;
          try {
            await this.fetchLayer(client, ref.path, layer, i === 0 ? null : chains[i - 1]!, diffIds[i]!, buffers, emit);
          } catch (e) {
            firstError ??= e ?? new Error('download failed');
          }
        }),
      );
      if (firstError !== undefined) throw firstError;

      recorded = await this.images.recordImage({
        manifestBytes: resolved.bytes,
        configBytes,
        ...(ref.digest ? {} : { ref: formatReference(ref) }),
        repoDigest: `${repositoryName(ref)}@${resolved.repoDigest}`,
      });
    } finally {
      for (const release of holds) release();
    }
    const { image, changed } = recorded;
    this.images.recordEvent('pull', display, familiarRepository(ref));
    emit({ status: `Digest: ${resolved.repoDigest}` });
    emit({ status: changed ? `Status: Downloaded newer image for ${display}` : `Status: Image is up to date for ${display}` });
    return image;
  }

  private async fetchLayer(client: RegistryClient, repo: string, layer: Descriptor, parent: ChainId | null, diffId: DiffId, buffers: DownloadBuffers, emit: ProgressSink): Promise<void> {
    const id = shortLayerId(layer.digest);
    const digest = parseDigest(layer.digest);
    // A blob stored earlier (a load, an interrupted pull) is unpacked from the store.
    if (await this.content.has(digest)) {
      emit({ id, status: 'Extracting', current: 0, total: layer.size });
      await this.images.unpackLayer(digest, parent, diffId);
    } else {
      await fetchBlob(client, repo, layer, buffers, throttled(emit, id, 'Downloading'), (body, pool) => this.images.ingestLayerBlob(body, pool, digest, parent, diffId));
      emit({ id, status: 'Verifying Checksum' });
      emit({ id, status: 'Download complete' });
    }
    emit({ id, status: 'Pull complete' });
  }

  /** Pushes `name` with `tag` (every local tag of the repository when empty). */
  async push(name: string, tag: string, credentials: RegistryCredentials | undefined, emit: ProgressSink, opts: PushOptions = {}): Promise<void> {
    const repoRef = parseReference(name);
    const targets: ImageReference[] = tag
      ? [{ domain: repoRef.domain, path: repoRef.path, tag }]
      : this.images
          .list()
          .flatMap((img) => img.tags)
          .map((t) => parseReference(t))
          .filter((r) => r.domain === repoRef.domain && r.path === repoRef.path);
    if (targets.length === 0) throw notFound('image_not_found', `An image does not exist locally with the tag: ${familiarRepository(repoRef)}`);
    const images = targets.map((t) => {
      try {
        return this.images.resolve(formatReference(t));
      } catch {
        throw notFound('image_not_found', `An image does not exist locally with the tag: ${familiarString(t)}`);
      }
    });
    const client = this.client(repoRef.domain, credentials);
    emit({ status: `The push refers to repository [${repositoryName(repoRef)}]` });
    for (let n = 0; n < targets.length; n++) await this.pushOne(client, repoRef.path, targets[n]!.tag ?? 'latest', images[n]!, emit, opts);
  }

  private async pushOne(client: RegistryClient, repo: string, tag: string, local: Image, emit: ProgressSink, opts: PushOptions): Promise<void> {
    const diffIds = local.config.rootfs.diff_ids;
    // Layers kept uncompressed here (a commit's, a loaded archive's) go up gzipped, as Docker pushes
    // them: compressed while they upload, unless a gzip blob of the same DiffID is known already.
    const known = gzipLayersByDiffId(this.images.list());
    const layers = local.manifest.layers.map((l, i): Descriptor & { compress?: string } => {
      const gzipType = gzipMediaType(l.mediaType);
      if (gzipType === undefined) return l;
      const reuse = known.get(diffIds[i] ?? '');
      return reuse ? { ...l, mediaType: gzipType, digest: reuse.digest, size: reuse.size } : { ...l, compress: gzipType };
    });
    // Other repositories of this registry known to hold the image: its blobs can be mounted from them.
    const mountSources = [...new Set([...local.digests, ...local.tags].map((r) => parseReference(r)).filter((r) => r.domain === client.host && r.path !== repo).map((r) => r.path))];
    // Docker lists layers top first, named by their DiffID.
    const order = layers.map((_, i) => layers.length - 1 - i);
    for (const i of order) emit({ id: shortLayerId(diffIds[i] ?? layers[i]!.digest), status: 'Preparing' });
    order.forEach((i, n) => {
      if (n >= this.opts.maxConcurrentUploads) emit({ id: shortLayerId(diffIds[i] ?? layers[i]!.digest), status: 'Waiting' });
    });
    // The gzip blobs this push stores become the image's when it ends, failed or not (a retry sends
    // them as they are): none is left unreferenced. Until then garbage collection keeps them.
    const stores: Promise<unknown>[] = [];
    const holds: (() => void)[] = [];
    let failed = false;
    // The config's bytes depend neither on how the layers go up nor on the manifest format: it goes up beside them.
    const configPushed = this.pushBlobIfMissing(client, repo, local.manifest.config);
    const layersPushed = limited(
      this.opts.maxConcurrentUploads,
      order.map((i) => async () => {
        // After a failure no new layer starts: the push fails once those under way have settled.
        if (failed) return;
        const layer = layers[i]!;
        const id = shortLayerId(diffIds[i] ?? layer.digest);
        try {
          if (layer.compress !== undefined) {
            const { stored, pushed } = this.compressAndUpload(client, repo, layer, layer.compress, throttled(emit, id, 'Pushing'), (d) => holds.push(this.images.holdBlob(d)));
            const recorded = stored.then((blob) => void (layers[i] = blob));
            // Awaited only after a failure (a failed store fails `pushed` too).
            recorded.catch(() => undefined);
            stores.push(recorded);
            await pushed;
            emit({ id, status: 'Pushed' });
            return;
          }
          if (await blobExists(client, repo, layer.digest)) {
            emit({ id, status: 'Layer already exists' });
            return;
          }
          for (const from of mountSources) {
            if (await mountBlob(client, repo, layer.digest, from)) {
              emit({ id, status: `Mounted from ${from}` });
              return;
            }
          }
          if (!(await this.content.has(layer.digest as Digest))) {
            throw new BerthError('NotFound', 'blob_missing', `layer ${layer.digest} is not stored locally and the registry does not have it`);
          }
          await uploadBlob(client, repo, this.storedBlob(layer), throttled(emit, id, 'Pushing'), { chunkSize: this.opts.uploadChunkSize });
          emit({ id, status: 'Pushed' });
        } catch (e) {
          failed = true;
          throw e;
        }
      }),
    );
    let image: Image;
    try {
      try {
        await Promise.all([layersPushed, configPushed]);
      } catch (e) {
        // The config's failure stops the layers not yet started too.
        failed = true;
        await Promise.allSettled(stores);
        await this.recordLayers(local, layers).catch(() => undefined);
        throw e;
      }
      image = await this.recordLayers(local, layers);
    } finally {
      for (const release of holds) release();
    }
    const storedBytes = await readFile(this.content.path(parseDigest(image.row.manifestDigest)));
    const { manifest, bytes: manifestBytes } = opts.format ? convertManifest(image.manifest, storedBytes, opts.format) : { manifest: image.manifest, bytes: storedBytes };
    const digest = await putManifest(client, repo, tag, manifest.mediaType, manifestBytes);
    this.images.addRepoDigest(image.id, `${client.host}/${repo}@${digest}`);
    const pushed = { domain: client.host, path: repo, tag };
    this.images.recordEvent('push', familiarString(pushed), familiarRepository(pushed));
    emit({ status: `${tag}: digest: ${digest} size: ${manifestBytes.length}` });
    emit({ status: '', aux: { Tag: tag, Digest: digest, Size: manifestBytes.length } });
  }

  /** Gives `local` the gzip blobs stored for its uncompressed layers, if any. */
  private async recordLayers(local: Image, layers: readonly Descriptor[]): Promise<Image> {
    const changed = layers.some((l, i) => l.digest !== local.manifest.layers[i]!.digest);
    return changed ? this.images.replaceLayers(local, layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size }))) : local;
  }

  private async pushBlobIfMissing(client: RegistryClient, repo: string, blob: Descriptor): Promise<void> {
    if (await blobExists(client, repo, blob.digest)) return;
    await uploadBlob(client, repo, this.storedBlob(blob), () => undefined, { chunkSize: this.opts.uploadChunkSize });
  }

  /**
   * Gzips an uncompressed layer into the content store and, in the same pass, streams the gzip
   * bytes to the registry. `stored` gives the gzip blob's descriptor once it is stored, whatever
   * becomes of the upload; `pushed` settles once both are done. `onHashed` hears the blob's digest
   * before the blob appears in the store.
   */
  private compressAndUpload(
    client: RegistryClient,
    repo: string,
    layer: Descriptor,
    mediaType: string,
    onBytes: OnBytes,
    onHashed: (digest: Digest) => void,
  ): { stored: Promise<Descriptor>; pushed: Promise<void> } {
    const { gzip, hashed, stored } = compressLayerBlob(parseDigest(layer.digest), this.content, onHashed);
    // The store hashes the bytes; the upload closes with their digest (the registry checks it) while the store syncs.
    const uploaded = uploadStream(client, repo, gzip, (n) => onBytes(Math.min(n, layer.size), layer.size), () => hashed);
    // A failed upload stops reading the gzip; the store still finishes (the image gets its blob all the same).
    uploaded.catch(() => gzip.return());
    const blob = stored.then((b) => ({ mediaType, digest: b.digest, size: b.size }));
    return { stored: blob, pushed: Promise.all([blob, uploaded]).then(() => undefined) };
  }

  /** A blob of the content store, readable from any offset (a chunk resumes there). */
  private storedBlob(desc: Descriptor): BlobSource {
    const path = this.content.path(parseDigest(desc.digest));
    return {
      digest: desc.digest,
      size: desc.size,
      open: (start, end) => (end > start ? createReadStream(path, { start, end: end - 1, highWaterMark: 1024 * 1024 }) : Readable.from([])),
    };
  }
}

import type { Readable } from 'node:stream';
import { BerthError, conflict, internal, invalidArgument, notFound } from '../lib/errors.js';
import type { BufferPool } from '../lib/buffer-pool.js';
import type { EventRecorder } from '../lib/event-bus.js';
import { Holds } from '../lib/holds.js';
import { KeyedMutex } from '../lib/keyed-mutex.js';
import { chainIds, nextChainId, parseDiffId, parseDigest, parseImageId, sha256Digest, type ChainId, type DiffId, type Digest, type ImageId } from '../oci/digest.js';
import { shortId } from '../oci/ids.js';
import {
  hostArchitecture,
  MEDIA_TYPES,
  type Descriptor,
  type HistoryEntry,
  type ImageConfig,
  type ImageManifest,
  type ImageRunConfig,
} from '../oci/image.js';
import { familiarString, formatReference, normalizeReference, parseReference, repositoryName, withDefaultTag } from '../oci/reference.js';
import type { ContentStore } from '../store/content/content-store.js';
import type { ImageRow, MetaStore } from '../store/meta/meta-store.js';
import type { SnapshotManager } from '../store/snapshot/snapshot-manager.js';
import { applyConfigChanges } from './config-changes.js';
import { ingestLayer, ingestLayerBlob, unpackCompressedLayer } from './layer-ingest.js';
import { decompressedStream } from './layer/compression.js';

export interface Image {
  id: ImageId;
  row: ImageRow;
  config: ImageConfig;
  manifest: ImageManifest;
  /** Canonical tagged references (`docker.io/library/busybox:latest`). */
  tags: string[];
  /** Canonical digested references it was pulled or pushed as (`localhost:5000/app@sha256:…`): Docker's RepoDigests. */
  digests: string[];
}

export type RemovalItem = { Untagged: string } | { Deleted: string };

/** Who uses an image: the engine tells the image service, which must not know about containers. */
export interface ImageUsage {
  containersUsing(imageId: ImageId): { id: string; running: boolean }[];
  /** Snapshot keys that containers' writable layers sit on. */
  snapshotsInUse(): Set<string>;
  /** Resolves once removed containers whose writable layers are still being deleted are gone. */
  removalsSettled(): Promise<void>;
}

export interface NewLayerImage {
  parent: Image | null;
  /**
   * The new layer: its uncompressed tar as a stream, stored gzipped and unpacked at once; or,
   * commit's fast path, the tar's chunks (the bigger ones lent from `pool`), stored as the plain
   * tar (its digest is then its DiffID), as Docker stores a commit, and unpacked only when
   * something first needs it (`ensureUnpacked`), so the user waits for one write of it, not two.
   * Push compresses such layers; `size` is the layer's as Docker counts it (ApplyResult.contentBytes),
   * which nothing here reads from the tar. `of` reuses another image's layer (its blob and snapshot)
   * whose parents are this image's parent's layers. null adds no layer (a builder's metadata-only step).
   */
  layer: { tar: Readable } | { plainTar: AsyncIterable<Buffer>; size: number; pool: BufferPool } | { of: Image; index: number } | null;
  runConfig: ImageRunConfig;
  /** The builder's record of the step (Docker's `container_config`), which its cache compares. */
  containerConfig?: ImageRunConfig;
  history: HistoryEntry;
  author?: string;
  comment?: string;
  created: string;
  /** Tag given to the image in the same transaction that records it, so a crash leaves both or neither. */
  ref?: string;
}

/** A layer added by `createImage`. */
interface NewLayer {
  diffId: DiffId;
  blob: { digest: Digest; size: number };
  /** The layer's size as Docker counts it (ApplyResult.contentBytes). */
  size: number;
  /** The blob is the plain tar. */
  plain: boolean;
  /** The blob's media type when it is another image's (see NewLayerImage.layer). */
  mediaType?: string;
}

/**
 * Images: a config blob (whose digest is the image ID), a manifest blob, a row, tags, and one
 * committed snapshot per layer (keyed by ChainID), made by the time anything uses it.
 */
export class ImageService {
  private readonly unpacking = new KeyedMutex();
  /** Blobs and snapshots stored for an image but not yet recorded in it (a push's gzip layers, a pull's layers). */
  private readonly heldBlobs = new Holds();
  private readonly heldSnapshots = new Holds();

  constructor(
    private readonly content: ContentStore,
    private readonly meta: MetaStore,
    private readonly snapshots: SnapshotManager,
    private readonly usage: ImageUsage,
    private readonly events: EventRecorder,
  ) {}

  /**
   * Records an image event as Docker does: the actor is an image id or a reference, `name` the
   * reference the action was about, the image's labels (while it still exists) beside it.
   */
  recordEvent(action: string, actorId: string, name: string, image?: Image): void {
    let labels: Record<string, string> = {};
    try {
      labels = (image ?? this.resolve(actorId)).config.config?.Labels ?? {};
    } catch (e) {
      if (!(e instanceof BerthError)) throw e;
    }
    this.events.record({ type: 'image', action, actorId, attributes: { ...labels, name } });
  }

  /** `import`: a rootfs tar (any compression) becomes a one-layer image. */
  async importRootfs(input: Readable, opts: { ref?: string; changes: readonly string[]; message: string; created: string }): Promise<Image> {
    const ref = opts.ref ? formatReference(withDefaultTag(parseReference(opts.ref))) : undefined;
    const tar = await decompressedStream(input);
    // As dockerd: without -m, the image's comment and its history both say where it came from.
    const comment = opts.message || 'Imported from -';
    const image = await this.createImage({
      ref,
      parent: null,
      layer: { tar },
      runConfig: applyConfigChanges({}, opts.changes),
      history: { created: opts.created, created_by: '', comment },
      comment,
      created: opts.created,
    });
    this.recordEvent('import', image.id, image.id);
    return image;
  }

  /** Adds one layer on `parent` (commit, import): stores blobs, snapshot, config, manifest and the image row. */
  async createImage(req: NewLayerImage): Promise<Image> {
    const parentChain = req.parent && req.parent.config.rootfs.diff_ids.length > 0 ? this.topChainId(req.parent) : null;
    const layer =
      req.layer === null
        ? null
        : 'plainTar' in req.layer
          ? await this.storeTar(req.layer.plainTar, req.layer.size, req.layer.pool)
          : 'of' in req.layer
            ? this.layerOf(req.layer.of, req.layer.index)
            : await this.ingest(req.layer.tar, parentChain);
    const base = req.parent?.config;
    const config: ImageConfig = {
      architecture: base?.architecture ?? hostArchitecture(),
      os: base?.os ?? 'linux',
      config: req.runConfig,
      created: req.created,
      rootfs: { type: 'layers', diff_ids: [...(base?.rootfs.diff_ids ?? []), ...(layer ? [layer.diffId] : [])] },
      history: [...(base?.history ?? []), req.history],
    };
    if (req.containerConfig) config.container_config = req.containerConfig;
    if (req.author) config.author = req.author;
    if (req.comment) config.comment = req.comment;
    const configBytes = Buffer.from(JSON.stringify(config));
    const configDigest = sha256Digest(configBytes);
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.dockerManifest,
      config: { mediaType: MEDIA_TYPES.dockerConfig, digest: configDigest, size: configBytes.length },
      layers: [
        ...(req.parent?.manifest.layers ?? []),
        ...(layer ? [{ mediaType: layer.mediaType ?? (layer.plain ? MEDIA_TYPES.dockerLayer : MEDIA_TYPES.dockerLayerGzip), digest: layer.blob.digest, size: layer.blob.size }] : []),
      ],
    };
    // Both stored at once: their fsyncs then share a journal commit. The row comes after both.
    const [, manifestBlob] = await Promise.all([this.content.putBytes(configBytes), this.content.putBytes(JSON.stringify(manifest))]);
    const id = parseImageId(configDigest);
    const ref = req.ref ? formatReference(withDefaultTag(parseReference(req.ref))) : undefined;
    this.meta.transaction(() => {
      this.meta.putImage({
        id,
        manifestDigest: manifestBlob.digest,
        size: (req.parent?.row.size ?? 0) + (layer?.size ?? 0),
        created: req.created,
        parent: req.parent?.id ?? '',
        lastTagTime: '',
      });
      if (ref) {
        this.meta.setTag(ref, id);
        this.meta.setImageTagTime(id, new Date().toISOString());
      }
    });
    if (ref) this.recordEvent('tag', id, familiarString(parseReference(ref)));
    return this.get(id);
  }

  private layerOf(image: Image, index: number): NewLayer {
    const descriptor = image.manifest.layers[index];
    const diffId = image.config.rootfs.diff_ids[index];
    if (!descriptor || !diffId) throw internal('no_such_layer', `image ${shortId(image.id)} has no layer ${index}`);
    const size = this.layerSizes(image)[index] ?? 0;
    return { diffId: parseDiffId(diffId), blob: { digest: parseDigest(descriptor.digest), size: descriptor.size }, size, plain: false, mediaType: descriptor.mediaType };
  }

  private async ingest(tar: Readable, parentChain: ChainId | null): Promise<NewLayer> {
    const layer = await ingestLayer(tar, parentChain ? { chainId: parentChain, snapshotKey: parentChain } : null, this.content, this.snapshots);
    return { diffId: layer.diffId, blob: layer.blob, size: layer.snapshot.size, plain: false };
  }

  /** The tar as its own blob, not unpacked: the content store's digest of it is the DiffID. */
  private async storeTar(chunks: AsyncIterable<Buffer>, size: number, pool: BufferPool): Promise<NewLayer> {
    const blob = await this.content.putLent(chunks, pool);
    return { diffId: parseDiffId(blob.digest), blob, size, plain: true };
  }

  /**
   * Unpacks the layers of `image` that are not yet (a commit's are not: see `NewLayerImage.layer`), bottom
   * first, from their blobs. Whatever needs an image's layer directories calls this first.
   */
  async ensureUnpacked(image: Image): Promise<void> {
    const diffIds = image.config.rootfs.diff_ids.map(parseDiffId);
    const chains = chainIds(diffIds);
    for (let i = 0; i < chains.length; i++) {
      const chain = chains[i]!;
      if (this.hasLayer(chain)) continue;
      const blob = image.manifest.layers[i];
      if (blob === undefined) throw internal('layer_blob_missing', `image ${shortId(image.id)} has no blob for its layer ${diffIds[i]}`);
      // Two users of a new image at once unpack it once.
      await this.unpacking.run(chain, () => this.unpackLayer(parseDigest(blob.digest), i === 0 ? null : chains[i - 1]!, diffIds[i]!));
    }
  }

  exists(id: ImageId): boolean {
    return this.meta.getImage(id) !== undefined;
  }

  /** Whether the layer stack `chainId` is unpacked already (a pull skips its blob). */
  hasLayer(chainId: ChainId): boolean {
    return this.snapshots.get(chainId)?.kind === 'committed';
  }

  /**
   * Unpacks a layer blob already in the content store on top of `parent`, in one read that also
   * checks the uncompressed bytes against `diffId` (from the image config): a mismatch commits nothing.
   */
  async unpackLayer(blob: Digest, parent: ChainId | null, diffId: DiffId): Promise<void> {
    const key = nextChainId(parent, diffId);
    if (this.hasLayer(key)) return;
    await this.snapshots.commit(parent, async (dir) => ({ key, size: await unpackCompressedLayer(this.content.read(blob), dir, blob, diffId) }));
  }

  /** A pulled layer's blob stored and unpacked in one read (see ingestLayerBlob). */
  async ingestLayerBlob(blob: Readable, pool: BufferPool, digest: Digest, parent: ChainId | null, diffId: DiffId): Promise<void> {
    if (this.hasLayer(nextChainId(parent, diffId))) {
      blob.destroy();
      return;
    }
    await ingestLayerBlob(blob, pool, digest, parent, diffId, this.content, this.snapshots);
  }

  /**
   * Records a pulled or loaded image whose layers are unpacked: stores its config and manifest
   * bytes as received (so the manifest keeps its digest) and tags it. Returns whether the tag moved.
   */
  async recordImage(req: { manifestBytes: Buffer; configBytes: Buffer; ref?: string; repoDigest?: string }): Promise<{ image: Image; changed: boolean }> {
    const manifest = JSON.parse(req.manifestBytes.toString('utf8')) as ImageManifest;
    const configBlob = await this.content.putBytes(req.configBytes);
    if (configBlob.digest !== manifest.config.digest) {
      throw invalidArgument('digest_mismatch', `image config digest mismatch: expected ${manifest.config.digest}, got ${configBlob.digest}`);
    }
    const config = JSON.parse(req.configBytes.toString('utf8')) as ImageConfig;
    const chains = chainIds(config.rootfs.diff_ids.map(parseDiffId));
    const missing = chains.find((c) => !this.hasLayer(c));
    if (missing) throw invalidArgument('layer_missing', `layer ${missing} of image ${configBlob.digest} is not unpacked`);
    const manifestBlob = await this.content.putBytes(req.manifestBytes);
    const id = parseImageId(configBlob.digest);
    const ref = req.ref ? normalizeReference(req.ref) : undefined;
    const previous = this.meta.getTag(ref ?? (req.repoDigest ? normalizeReference(req.repoDigest) : ''));
    const existing = this.meta.getImage(id);
    this.meta.transaction(() => {
      if (!existing) {
        this.meta.putImage({
          id,
          manifestDigest: manifestBlob.digest,
          size: chains.reduce((n, c) => n + (this.snapshots.get(c)?.size ?? 0), 0),
          created: config.created ?? '',
          parent: '',
          lastTagTime: '',
        });
      }
      if (ref && previous !== id) {
        this.meta.setTag(ref, id);
        this.meta.setImageTagTime(id, new Date().toISOString());
      }
      if (req.repoDigest) this.meta.setTag(normalizeReference(req.repoDigest), id);
    });
    return { image: this.get(id), changed: previous !== id };
  }

  /**
   * Gives an image other blobs for its layers, of the same DiffIDs: the gzip ones a push made of
   * its uncompressed layers (a commit's, a loaded archive's). The image keeps the new manifest (its
   * ID, the config's digest, stays), so later pushes reuse the blobs, and the uncompressed ones go
   * at the next garbage collection.
   */
  async replaceLayers(image: Image, layers: Descriptor[]): Promise<Image> {
    // Unpacked from the plain tars while they are still referenced: once gone, nothing else knows the layers' sizes.
    await this.ensureUnpacked(image);
    const blob = await this.content.putBytes(JSON.stringify({ ...image.manifest, layers }));
    const row = this.meta.getImage(image.id);
    // Removed meanwhile: the push fails on its missing blobs rather than recreating the image.
    if (row) this.meta.putImage({ ...row, manifestDigest: blob.digest });
    return this.get(image.id);
  }

  /**
   * Keeps `digest` from garbage collection, referenced or not, until the returned release is
   * called: a blob stored for an image before the image records it would otherwise go at any
   * image removal in between.
   */
  holdBlob(digest: string): () => void {
    return this.heldBlobs.hold(digest);
  }

  /** As holdBlob, for a layer's committed snapshot (keyed by its ChainID). */
  holdSnapshot(key: string): () => void {
    return this.heldSnapshots.hold(key);
  }

  /** Adds a digested reference (`repo@sha256:…`) to an image, as a push records it. */
  addRepoDigest(id: ImageId, refWithDigest: string): void {
    this.meta.setTag(normalizeReference(refWithDigest), id);
  }

  get(id: ImageId): Image {
    const row = this.meta.getImage(id);
    if (!row) throw notFound('image_not_found', `No such image: ${id}`);
    return this.load(row, this.tagsByImage().get(id) ?? []);
  }

  /** Resolves a name, `name:tag`, full or short ID (with or without `sha256:`). */
  resolve(input: string): Image {
    let parsed;
    try {
      parsed = withDefaultTag(parseReference(input));
    } catch (e) {
      if (!/^(sha256:)?[0-9a-f]+$/.test(input)) throw e;
    }
    if (parsed) {
      // `name:tag@digest` is the digest's: Docker ignores the tag then.
      const id = this.meta.getTag(formatReference(parsed.digest ? { domain: parsed.domain, path: parsed.path, digest: parsed.digest } : parsed));
      if (id) return this.get(id as ImageId);
    }
    const hex = input.replace(/^sha256:/, '');
    if (/^[0-9a-f]+$/.test(hex) && hex.length > 0 && (hex.length === 64 || input.length >= 1)) {
      const matches = this.meta.listImages().filter((r) => r.id.slice(7).startsWith(hex));
      // A prefix of several IDs names none, as dockerd's GetImage says (so a run or FROM pulls).
      if (matches.length === 1 && matches[0]) return this.get(matches[0].id as ImageId);
    }
    throw notFound('image_not_found', `No such image: ${parsed ? familiarString(parsed) : input}`);
  }

  list(): Image[] {
    const tags = this.tagsByImage();
    return this.meta.listImages().map((row) => this.load(row, tags.get(row.id) ?? []));
  }

  /** Images made on `parentId` ('' for images without a parent): the builder's cache candidates. */
  childrenOf(parentId: string): Image[] {
    const rows = this.meta.listImages().filter((r) => r.parent === parentId);
    if (rows.length === 0) return [];
    const tags = this.tagsByImage();
    return rows.map((row) => this.load(row, tags.get(row.id) ?? []));
  }

  /** Points a tag at the image; a `tag` event unless the caller reports the change itself (load). */
  tag(id: ImageId, refInput: string, opts: { event: boolean } = { event: true }): void {
    // As dockerd: a name spelled like a digest algorithm would read as an image ID.
    if (/^sha256:/i.test(refInput)) throw invalidArgument('ambiguous_tag', 'refusing to create an ambiguous tag using digest algorithm as name');
    const ref = formatReference(withDefaultTag(parseReference(refInput)));
    this.meta.transaction(() => {
      this.meta.setTag(ref, id);
      this.meta.setImageTagTime(id, new Date().toISOString());
    });
    if (opts.event) this.recordEvent('tag', id, familiarString(parseReference(ref)));
  }

  /** The layers' ChainIDs, bottom first. */
  chainIds(image: Image): ChainId[] {
    return chainIds(image.config.rootfs.diff_ids.map(parseDiffId));
  }

  /**
   * Each layer's size, bottom first (what `history` reports per layer): its snapshot's record. Only
   * a commit's top layer can be not unpacked yet; its size is what the image's adds to the others.
   */
  layerSizes(image: Image): number[] {
    const sizes = this.chainIds(image).map((c) => this.snapshots.get(c)?.size);
    const known = sizes.reduce<number>((n, s) => n + (s ?? 0), 0);
    return sizes.map((s, i) => s ?? (i === sizes.length - 1 ? Math.max(0, image.row.size - known) : 0));
  }

  topChainId(image: Image): ChainId {
    const ids = this.chainIds(image);
    const top = ids[ids.length - 1];
    if (top === undefined) throw new BerthError('InvalidArgument', 'image_has_no_layers', `image ${shortId(image.id)} has no layers`);
    return top;
  }

  /** `rmi` semantics of Docker: untag when other tags remain, else delete (and its unused layers); an event per item. */
  async remove(input: string, opts: { force: boolean }): Promise<RemovalItem[]> {
    const image = this.resolve(input);
    const items = await this.removeResolved(image, input, opts);
    for (const item of items) {
      // Docker names the image by its id in both events, the removed reference not at all.
      if ('Untagged' in item) this.recordEvent('untag', image.id, image.id, image);
      else this.recordEvent('delete', item.Deleted, item.Deleted, item.Deleted === image.id ? image : undefined);
    }
    return items;
  }

  private async removeResolved(image: Image, input: string, opts: { force: boolean }): Promise<RemovalItem[]> {
    const byTag = this.tagMatching(input, image);
    const users = this.usage.containersUsing(image.id);
    const out: RemovalItem[] = [];

    if (byTag && (image.tags.length > 1 || (users.length > 0 && opts.force))) {
      this.meta.deleteTag(byTag);
      out.push({ Untagged: familiarString(parseReference(byTag)) });
      return out;
    }
    const user = users[0];
    // Docker checks the reference before the containers' states: any user blocks an untag.
    if (byTag && user && !opts.force) {
      throw conflict(
        'image_in_use',
        `conflict: unable to remove repository reference "${input}" (must force) - container ${shortId(user.id)} is using its referenced image ${shortId(image.id)}`,
      );
    }
    const running = users.find((u) => u.running);
    if (running) {
      throw conflict(
        'image_in_use',
        `conflict: unable to delete ${shortId(image.id)} (cannot be forced) - image is being used by running container ${shortId(running.id)}`,
      );
    }
    if (user && !opts.force) {
      throw conflict(
        'image_in_use',
        `conflict: unable to delete ${shortId(image.id)} (must be forced) - image is being used by stopped container ${shortId(user.id)}`,
      );
    }
    if (!byTag && image.tags.length > 1 && !opts.force) {
      throw conflict('image_in_use', `conflict: unable to delete ${shortId(image.id)} (must be forced) - image is referenced in multiple repositories`);
    }
    if (this.meta.listImages().some((r) => r.parent === image.id)) {
      // By its last name, dockerd removes the name, with the digests of that repository, and keeps
      // the image for its children; by ID it refuses.
      if (byTag) {
        const repo = repositoryName(parseReference(byTag));
        const names = [byTag, ...image.digests.filter((d) => repositoryName(parseReference(d)) === repo)];
        this.meta.transaction(() => names.forEach((n) => this.meta.deleteTag(n)));
        return names.map((n) => ({ Untagged: familiarString(parseReference(n)) }));
      }
      throw conflict('image_has_children', `conflict: unable to delete ${shortId(image.id)} (cannot be forced) - image has dependent child images`);
    }
    for (const t of [...image.tags, ...image.digests]) out.push({ Untagged: familiarString(parseReference(t)) });
    if (user) {
      // Forced removal of an image a stopped container uses: Docker untags it and keeps the image.
      this.meta.transaction(() => image.tags.forEach((t) => this.meta.deleteTag(t)));
      return out;
    }
    this.meta.transaction(() => {
      [...image.tags, ...image.digests].forEach((t) => this.meta.deleteTag(t));
      this.meta.deleteImage(image.id);
    });
    out.push({ Deleted: image.id });
    this.pruneParents(image.row.parent, out);
    await this.collectGarbage();
    return out;
  }

  /**
   * Docker's rmi also deletes the untagged parents (a build's intermediate images) that nothing
   * else needs: no other child, no container.
   */
  private pruneParents(parentId: string, out: RemovalItem[]): void {
    for (let id = parentId; id !== ''; ) {
      const row = this.meta.getImage(id as ImageId);
      if (!row || (this.tagsByImage().get(id) ?? []).length > 0) return;
      if (this.usage.containersUsing(row.id as ImageId).length > 0) return;
      if (this.meta.listImages().some((r) => r.parent === id)) return;
      this.meta.deleteImage(row.id as ImageId);
      out.push({ Deleted: row.id });
      id = row.parent;
    }
  }

  /** Removes snapshots and blobs no image or container references any more. */
  async collectGarbage(): Promise<void> {
    // A removed container's writable layer still holds its image's layers until it is deleted.
    await this.usage.removalsSettled();
    const images = this.list();
    const keepSnapshots = this.usage.snapshotsInUse();
    for (const key of this.heldSnapshots.keys()) keepSnapshots.add(key);
    const keepBlobs = new Set<string>(this.heldBlobs.keys());
    for (const img of images) {
      for (const c of this.chainIds(img)) keepSnapshots.add(c);
      keepBlobs.add(img.row.manifestDigest);
      keepBlobs.add(img.manifest.config.digest);
      for (const l of img.manifest.layers) keepBlobs.add(l.digest);
    }
    // Children before parents: repeat until nothing more can go.
    for (;;) {
      const removable = this.unusedCommittedSnapshots(keepSnapshots);
      if (removable.length === 0) break;
      for (const key of removable) await this.snapshots.remove(key);
    }
    for (const d of await this.content.list()) if (!keepBlobs.has(d)) await this.content.delete(d);
  }

  private unusedCommittedSnapshots(keep: Set<string>): string[] {
    const rows = this.meta.listSnapshots();
    const parents = new Set(rows.map((r) => r.parent).filter((p): p is string => p !== null));
    return rows.filter((r) => r.kind === 'committed' && !keep.has(r.key) && !parents.has(r.key)).map((r) => r.key);
  }

  private tagMatching(input: string, image: Image): string | undefined {
    try {
      const ref = formatReference(withDefaultTag(parseReference(input)));
      return image.tags.includes(ref) ? ref : undefined;
    } catch {
      return undefined;
    }
  }

  private tagsByImage(): Map<string, string[]> {
    const m = new Map<string, string[]>();
    for (const { ref, imageId } of this.meta.listTags()) {
      const list = m.get(imageId) ?? [];
      list.push(ref);
      m.set(imageId, list);
    }
    return m;
  }

  /** `refs` holds tags and digested references alike (as Docker's reference store does). */
  private load(row: ImageRow, refs: string[]): Image {
    const manifest = this.readBlobJson<ImageManifest>(row.manifestDigest);
    const config = this.readBlobJson<ImageConfig>(row.id);
    const tags = refs.filter((r) => !r.includes('@'));
    const digests = refs.filter((r) => r.includes('@'));
    return { id: row.id as ImageId, row, config, manifest, tags, digests };
  }

  private readBlobJson<T>(digest: string): T {
    return this.content.readJsonSync<T>(digest);
  }
}

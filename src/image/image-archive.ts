import { posix } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { BerthError, errorMessage, invalidArgument, notFound } from '../lib/errors.js';
import { chainIds, digestHex, parseDiffId, parseDigest, sha256Digest, type Digest } from '../oci/digest.js';
import { MEDIA_TYPES, type Descriptor, type ImageConfig, type ImageManifest } from '../oci/image.js';
import { familiarRepository, familiarString, normalizeReference, parseReference } from '../oci/reference.js';
import type { ContentStore } from '../store/content/content-store.js';
import type { Image, ImageService } from './image-service.js';
import { decompressedStream, detectCompression } from './layer/compression.js';

/** One entry of a docker-archive's manifest.json. */
interface ArchiveManifestEntry {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}

interface OciIndex {
  manifests?: (Descriptor & { annotations?: Record<string, string> })[];
}

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
/** JSON members of an archive are read into memory; anything larger is refused. */
const JSON_LIMIT = 8 * 1024 * 1024;

/**
 * `save` and `load`: images to and from a tar that is both a docker-archive (manifest.json,
 * repositories) and an OCI image layout (oci-layout, index.json, blobs/sha256/…), as Docker 25+
 * writes it. Blobs go out as stored, so manifests keep their digests.
 */
export class ImageArchive {
  constructor(
    private readonly images: ImageService,
    private readonly content: ContentStore,
  ) {}

  /** Writes `names` (tags or IDs) as one archive. Resolves every name before writing anything. */
  save(names: readonly string[]): Readable {
    const chosen = names.map((name) => {
      const image = this.images.resolve(name);
      return { image, tag: image.tags.find((t) => t === canonicalOrUndefined(name)) };
    });
    for (const id of new Set(chosen.map((c) => c.image.id))) this.images.recordEvent('save', id, id);
    const pack = tar.pack();
    void this.writeArchive(pack, chosen).catch((e: unknown) => pack.destroy(e instanceof Error ? e : new Error(String(e))));
    return Readable.from(pack);
  }

  private async writeArchive(pack: tar.Pack, chosen: { image: Image; tag: string | undefined }[]): Promise<void> {
    const byId = new Map<string, { image: Image; tags: string[] }>();
    for (const { image, tag } of chosen) {
      const e = byId.get(image.id) ?? { image, tags: [] };
      if (tag && !e.tags.includes(tag)) e.tags.push(tag);
      byId.set(image.id, e);
    }
    const written = new Set<string>();
    const manifestJson: ArchiveManifestEntry[] = [];
    const repositories: Record<string, Record<string, string>> = {};
    const index: OciIndex & { schemaVersion: 2; mediaType: string } = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] };
    const mtime = new Date(0);
    const blob = async (digest: string): Promise<string> => {
      const name = `blobs/sha256/${digestHex(digest)}`;
      if (written.has(digest)) return name;
      written.add(digest);
      const d = parseDigest(digest);
      if (!(await this.content.has(d))) throw notFound('blob_not_found', `content ${digest} is not stored locally (its layer came from another image)`);
      const size = await this.content.size(d);
      await pipeline(this.content.read(d), pack.entry({ name, size, mode: 0o644, mtime }));
      return name;
    };
    const entry = (name: string, value: unknown): void => {
      pack.entry({ name, mode: 0o644, mtime }, JSON.stringify(value));
    };
    pack.entry({ name: 'blobs/', type: 'directory', mode: 0o755, mtime });
    pack.entry({ name: 'blobs/sha256/', type: 'directory', mode: 0o755, mtime });
    for (const { image, tags } of byId.values()) {
      const layers: string[] = [];
      for (const l of image.manifest.layers) layers.push(await blob(l.digest));
      const config = await blob(image.manifest.config.digest);
      await blob(image.row.manifestDigest);
      manifestJson.push({ Config: config, RepoTags: tags.map((t) => familiarString(parseReference(t))), Layers: layers });
      const manifestSize = await this.content.size(parseDigest(image.row.manifestDigest));
      const desc = { mediaType: image.manifest.mediaType, digest: image.row.manifestDigest, size: manifestSize };
      if (tags.length === 0) index.manifests?.push(desc);
      for (const t of tags) {
        const ref = parseReference(t);
        (repositories[familiarRepository(ref)] ??= {})[ref.tag ?? 'latest'] = digestHex(image.id);
        index.manifests?.push({ ...desc, annotations: { 'io.containerd.image.name': t, 'org.opencontainers.image.ref.name': ref.tag ?? 'latest' } });
      }
    }
    entry('oci-layout', { imageLayoutVersion: '1.0.0' });
    entry('index.json', index);
    entry('manifest.json', manifestJson);
    if (Object.keys(repositories).length > 0) entry('repositories', repositories);
    pack.finalize();
  }

  /**
   * Reads a docker-archive or OCI-layout tar: stores its blobs (verified), unpacks layers checking
   * each DiffID, records the images and their tags. Returns what was loaded, for `Loaded image: …`.
   */
  async load(input: Readable): Promise<{ tags: string[]; ids: string[] }> {
    const files = new Map<string, Digest>();
    const links = new Map<string, string>();
    const json = new Map<string, Buffer>();
    const fresh = new Set<Digest>();
    const extract = tar.extract();
    const reading = (async () => {
      for await (const e of extract) {
        const name = posix.normalize(e.header.name).replace(/^\.\//, '').replace(/\/$/, '');
        if (e.header.type === 'symlink' || e.header.type === 'link') {
          const target = e.header.linkname ?? '';
          links.set(name, e.header.type === 'symlink' ? posix.normalize(posix.join(posix.dirname(name), target)) : posix.normalize(target));
          e.resume();
          continue;
        }
        if (e.header.type !== 'file') {
          e.resume();
          continue;
        }
        if (name.endsWith('.json') || name === 'repositories' || name === 'oci-layout' || (e.header.size ?? 0) <= 4096) {
          const chunks: Buffer[] = [];
          let size = 0;
          for await (const c of e) {
            size += (c as Buffer).length;
            if (size > JSON_LIMIT) throw invalidArgument('archive_member_too_big', `${name} is too big for a JSON member`);
            chunks.push(c as Buffer);
          }
          const data = Buffer.concat(chunks);
          json.set(name, data);
          const digest = sha256Digest(data);
          if (!(await this.content.has(digest))) fresh.add(digest);
          files.set(name, (await this.content.putBytes(data)).digest);
          continue;
        }
        const pass = new PassThrough();
        const stored = this.content.putStream(pass);
        await pipeline(e, pass);
        const { digest } = await stored;
        fresh.add(digest);
        files.set(name, digest);
      }
    })();
    try {
      // As dockerd, a compressed archive (`docker save | gzip`) loads too.
      await Promise.all([pipeline(await decompressedStream(input), extract), reading]);
    } catch (e) {
      throw isTarError(e) ? invalidArgument('invalid_archive', `invalid tar header: ${errorMessage(e)}`, e) : e;
    }
    const digestOf = (path: string): Digest => {
      let p = posix.normalize(path);
      for (let hops = 0; links.has(p) && hops < 10; hops++) p = links.get(p) ?? p;
      const d = files.get(p);
      if (d === undefined) throw invalidArgument('archive_member_missing', `archive has no ${path}`);
      return d;
    };
    const tags: string[] = [];
    const ids: string[] = [];
    const manifestJson = json.get('manifest.json');
    const indexJson = json.get('index.json');
    const index = indexJson ? (JSON.parse(indexJson.toString('utf8')) as OciIndex) : undefined;
    if (manifestJson) {
      // Docker 25+ archives carry the image manifests too: reusing them keeps their digests.
      const manifests = new Map<string, Buffer>();
      for (const desc of index?.manifests ?? []) {
        const m = await this.ociManifest(desc).catch(() => undefined);
        if (m) manifests.set(m.manifest.config.digest, m.bytes);
      }
      for (const entry of JSON.parse(manifestJson.toString('utf8')) as ArchiveManifestEntry[]) {
        const configDigest = digestOf(entry.Config);
        const layerDigests = entry.Layers.map(digestOf);
        const known = manifests.get(configDigest);
        const reuse = known && sameLayers(known, layerDigests) ? known : undefined;
        const image = await this.loadImage(configDigest, layerDigests, reuse);
        ids.push(image.id);
        for (const t of entry.RepoTags ?? []) {
          this.images.tag(image.id, t, { event: false });
          tags.push(familiarString(parseReference(t)));
        }
      }
    } else if (index) {
      for (const desc of index.manifests ?? []) {
        const manifest = await this.ociManifest(desc);
        const image = await this.loadImage(
          parseDigest(manifest.manifest.config.digest),
          manifest.manifest.layers.map((l) => parseDigest(l.digest)),
          manifest.bytes,
        );
        ids.push(image.id);
        // A bare `org.opencontainers.image.ref.name` (`1.0`) names no repository: the image stays untagged.
        const refName = desc.annotations?.['org.opencontainers.image.ref.name'];
        const name = desc.annotations?.['io.containerd.image.name'] ?? (refName && /[:/]/.test(refName) ? refName : undefined);
        if (name && canonicalOrUndefined(name) !== undefined) {
          this.images.tag(image.id, name, { event: false });
          tags.push(familiarString(parseReference(name)));
        }
      }
    } else {
      throw invalidArgument('invalid_archive', 'open manifest.json: no such file or directory');
    }
    // Blobs of the archive no image kept (a manifest.json-only config copy, say) would linger.
    const kept = new Set<string>();
    for (const img of this.images.list()) {
      kept.add(img.row.manifestDigest).add(img.manifest.config.digest);
      for (const l of img.manifest.layers) kept.add(l.digest);
    }
    for (const d of fresh) if (!kept.has(d)) await this.content.delete(d);
    for (const id of new Set(ids)) this.images.recordEvent('load', id, id);
    return { tags, ids: [...new Set(ids)] };
  }

  private async ociManifest(desc: Descriptor): Promise<{ manifest: ImageManifest; bytes: Buffer }> {
    const bytes = await this.readBlob(desc.digest);
    const doc = JSON.parse(bytes.toString('utf8')) as ImageManifest & OciIndex & { mediaType?: string };
    if (doc.manifests) {
      const inner = doc.manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === 'amd64') ?? doc.manifests[0];
      if (!inner) throw invalidArgument('invalid_archive', `index ${desc.digest} lists no manifests`);
      return this.ociManifest(inner);
    }
    return { manifest: doc, bytes };
  }

  private async readBlob(digest: string): Promise<Buffer> {
    const d = parseDigest(digest);
    if (!(await this.content.has(d))) throw invalidArgument('archive_member_missing', `archive has no blob ${digest}`);
    const chunks: Buffer[] = [];
    for await (const c of this.content.read(d)) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  /** Unpacks the layers (blobs in the content store) and records the image; a docker-archive gets a manifest made here. */
  private async loadImage(configDigest: Digest, layerDigests: Digest[], manifestBytes: Buffer | undefined): Promise<Image> {
    const configBytes = await this.readBlob(configDigest);
    const config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
    const diffIds = (config.rootfs?.diff_ids ?? []).map(parseDiffId);
    if (diffIds.length !== layerDigests.length) {
      throw invalidArgument('invalid_archive', `image config lists ${diffIds.length} layers but the archive ${layerDigests.length}`);
    }
    const chains = chainIds(diffIds);
    const layers: Descriptor[] = [];
    for (let i = 0; i < layerDigests.length; i++) {
      const blob = layerDigests[i]!;
      await this.images.unpackLayer(blob, i === 0 ? null : chains[i - 1]!, diffIds[i]!);
      const head = await this.head(blob);
      const compression = detectCompression(head);
      layers.push({ mediaType: compression === 'gzip' ? MEDIA_TYPES.dockerLayerGzip : MEDIA_TYPES.dockerLayer, digest: blob, size: await this.content.size(blob) });
    }
    const bytes =
      manifestBytes ??
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MEDIA_TYPES.dockerManifest,
          config: { mediaType: MEDIA_TYPES.dockerConfig, digest: configDigest, size: configBytes.length },
          layers,
        }),
      );
    return (await this.images.recordImage({ manifestBytes: bytes, configBytes })).image;
  }

  private async head(d: Digest): Promise<Buffer> {
    for await (const c of this.content.read(d)) return (c as Buffer).subarray(0, 8);
    return Buffer.alloc(0);
  }
}

function canonicalOrUndefined(name: string): string | undefined {
  try {
    return normalizeReference(name);
  } catch {
    return undefined;
  }
}

function sameLayers(manifestBytes: Buffer, layers: readonly string[]): boolean {
  const m = JSON.parse(manifestBytes.toString('utf8')) as ImageManifest;
  return m.layers.length === layers.length && m.layers.every((l, i) => l.digest === layers[i]);
}

function isTarError(e: unknown): boolean {
  return e instanceof Error && !(e instanceof BerthError) && /header|tar|Unexpected end/i.test(e.message);
}

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, lstat, mkdir, rename, rm, rmdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { isDeepStrictEqual } from 'node:util';
import type { BuildBackend, BuildImage, CommitSpec, RunMount, RunSpec } from '../build/backend.js';
import type { CacheCandidate } from '../build/cache-explain.js';
import { ContextIndex } from '../build/context-index.js';
import { resolveInScope } from '../build/copy-sources.js';
import { runBuild, tagBuilt, type BuildOptions } from '../build/executor.js';

export { BuildStepError } from '../build/executor.js';
import { DockerignoreMatcher, parseDockerignore } from '../lib/dockerignore.js';
import { writeFileAtomic } from '../lib/atomic-file.js';
import { BerthError, errorMessage, invalidArgument, isBerthError } from '../lib/errors.js';
import type { ImageId } from '../oci/digest.js';
import type { ImageRunConfig } from '../oci/image.js';
import type { Image } from '../image/image-service.js';
import type { ProgressSink } from '../distribution/progress.js';
import { decompressedStream } from '../image/layer/compression.js';
import { TarParser } from '../image/layer/tar-reader.js';
import { applyLayer } from '../image/layer/apply.js';
import { cacheMountDir, cacheMountsInUse, copyFilesPath, readCopyFiles, scratchRoot } from './build-scratch.js';
import { containerLayer } from './commit.js';
import type { Engine } from './engine.js';

/** What a client asks for; the executor's options that come straight from the request. */
export type BuildRequest = Pick<BuildOptions, 'tags' | 'buildArgs' | 'target' | 'noCache' | 'explainCache' | 'labels' | 'rm' | 'forceRm' | 'network' | 'extraHosts' | 'resources'> & {
  /** Path of the Dockerfile inside the context (BuildOptions.dockerfile is its text). */
  dockerfile: string;
  /** `--cache-from`: images whose history steps may serve as the cache; names not here are skipped, as dockerd. */
  cacheFrom: string[];
  /**
   * How to pull a reference the build starts or copies from, with the client's credentials for its
   * registry: with `pull` (`--pull`) every time, else when the image is not here, as dockerd's builder.
   */
  pullImage?: (ref: string, emit: ProgressSink) => Promise<unknown>;
  pull: boolean;
};

/** How long RUN output may trail the process's exit before the builder stops waiting for it. */
const OUTPUT_GRACE_MS = 2000;

/** The engine side of the builder's port: images through ImageService, RUN steps as real containers. */
class EngineBuildBackend implements BuildBackend {
  /** References pulled in this build: each once, however many stages name it. */
  private readonly pulled = new Set<string>();

  constructor(
    private readonly engine: Engine,
    /** The `--cache-from` images (see `cached`); narrowed to one once a step took from it, as dockerd. */
    private cacheSources: Image[],
    private readonly puller?: { pull: NonNullable<BuildRequest['pullImage']>; out: (text: string) => void },
  ) {}

  private view(img: Image): BuildImage {
    return { id: img.id, config: img.config, layerDirs: this.engine.imageLayerDirs(img) };
  }

  async image(ref: string, pull = false): Promise<BuildImage> {
    let img = pull ? undefined : findImage(this.engine, ref);
    // An image ID is local only, as with dockerd.
    if (!img && this.puller && !/^(sha256:)?[0-9a-f]{64}$/.test(ref) && !this.pulled.has(ref)) {
      this.pulled.add(ref);
      const { out } = this.puller;
      // The pull's state lines as the docker CLI prints them in a build; its byte counts left out.
      await this.puller.pull(ref, (e) => {
        if (e.current === undefined && e.status !== '') out(e.id ? `${e.id}: ${e.status}\n` : `${e.status}\n`);
      });
    }
    img ??= this.engine.images.resolve(ref);
    await this.engine.images.ensureUnpacked(img);
    return this.view(img);
  }

  async cached(parent: BuildImage | null, containerConfig: ImageRunConfig, runConfig: ImageRunConfig): Promise<BuildImage | undefined> {
    const want = JSON.parse(JSON.stringify(containerConfig)) as unknown;
    const hit = this.engine.images
      .childrenOf(parent?.id ?? '')
      .find((i) => (parent !== null || (i.config.history ?? []).length === 1) && isDeepStrictEqual(i.config.container_config, want));
    if (this.cacheSources.length === 0) return hit ? this.view(hit) : undefined;
    // With --cache-from, a step image of this host counts only below one of those images, as dockerd's.
    if (hit && this.cacheSources.some((s) => this.isAncestor(hit.id, s))) return this.view(hit);
    const base = parent ? this.engine.images.get(parent.id as ImageId) : null;
    const done = base?.config.history?.length ?? 0;
    const step = (containerConfig.Cmd ?? []).join(' ');
    for (const source of this.cacheSources) {
      const history = source.config.history ?? [];
      if (!continues(source, base) || history[done]?.created_by !== step) continue;
      this.cacheSources = [source];
      if (history.length - 1 === done) return this.view(source);
      const restored = await this.restoreStep(base, source, done, runConfig);
      return this.view(restored);
    }
    return undefined;
  }

  /** Whether `ancestor` is below `image` in its parent chain (as far as the chain's images are here). */
  private isAncestor(ancestor: string, image: Image): boolean {
    for (let id = image.row.parent; id !== '' && this.engine.images.exists(id as ImageId); id = this.engine.images.get(id as ImageId).row.parent) {
      if (id === ancestor) return true;
    }
    return false;
  }

  /** The image of `source`'s step `index` on `base` (dockerd's restoreCachedImage), with the step's run config. */
  private async restoreStep(base: Image | null, source: Image, index: number, runConfig: ImageRunConfig): Promise<Image> {
    const entry = source.config.history![index]!;
    const layerIndex = (source.config.history ?? []).slice(0, index).filter((h) => !h.empty_layer).length;
    const img = await this.engine.images.createImage({
      parent: base,
      layer: entry.empty_layer ? null : { of: source, index: layerIndex },
      runConfig,
      history: entry,
      ...(source.config.author ? { author: source.config.author } : {}),
      created: entry.created ?? source.config.created ?? new Date().toISOString(),
    });
    await this.engine.images.ensureUnpacked(img);
    return img;
  }

  cacheCandidates(parent: BuildImage | null): CacheCandidate[] {
    return this.engine.images
      .childrenOf(parent?.id ?? '')
      .filter((i) => i.config.container_config !== undefined)
      .map((i) => ({ containerConfig: i.config.container_config!, files: readCopyFiles(this.engine, i.id) }));
  }

  async commit(spec: CommitSpec, layer: Readable | null): Promise<BuildImage> {
    const img = await this.engine.images.createImage({
      parent: spec.parent ? this.engine.images.get(spec.parent.id as ImageId) : null,
      layer: layer ? { tar: layer } : null,
      runConfig: spec.runConfig,
      containerConfig: spec.containerConfig,
      history: spec.history,
      ...(spec.author ? { author: spec.author } : {}),
      created: spec.history.created ?? new Date().toISOString(),
    });
    if (spec.copyFiles) await writeFileAtomic(copyFilesPath(this.engine, img.id), JSON.stringify(spec.copyFiles));
    return this.view(img);
  }

  async run(spec: RunSpec): Promise<{ containerId: string; exitCode: number }> {
    const release = this.holdCacheMounts(spec.mounts);
    const scratch: string[] = [];
    try {
      return await this.runHeld(spec, scratch);
    } finally {
      release();
      for (const dir of scratch) await rm(dir, { recursive: true, force: true });
    }
  }

  private async runHeld(spec: RunSpec, scratch: string[]): Promise<{ containerId: string; exitCode: number }> {
    const { containers } = this.engine;
    const { id } = await containers.create({
      config: {
        Image: spec.image.id,
        Entrypoint: [],
        Cmd: spec.argv,
        Env: spec.env,
        User: spec.user,
        WorkingDir: spec.workingDir,
      },
      hostConfig: {
        ...spec.resources,
        NetworkMode: spec.network === 'default' ? '' : spec.network,
        ExtraHosts: [...spec.extraHosts],
        Mounts: await Promise.all(spec.mounts.map((m) => this.runMount(m, scratch))),
      },
    });
    spec.onCreated(id);
    const session = await containers.attach(id, { stdin: false, stdout: true, stderr: true });
    session.onOutput((_stream, chunk) => spec.onOutput(chunk));
    const outputDone = new Promise<void>((resolve) => session.onEnd(resolve));
    const exited = containers.wait(id, 'next-exit');
    const abort = (): void => {
      void containers.kill(id, 'SIGKILL').catch(() => undefined);
    };
    spec.signal.addEventListener('abort', abort, { once: true });
    try {
      await containers.start(id);
      if (spec.signal.aborted) abort();
      const exitCode = await exited;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([outputDone, new Promise<void>((r) => (timer = setTimeout(r, OUTPUT_GRACE_MS)))]);
      clearTimeout(timer);
      return { containerId: id, exitCode };
    } catch (e) {
      session.finish();
      throw e;
    } finally {
      spec.signal.removeEventListener('abort', abort);
    }
  }

  /**
   * A RUN's mount as the container's: a cache its directory under the data root, made at its first
   * use; a bind its files unpacked into a scratch directory, which `scratch` collects for removal.
   */
  private async runMount(m: RunMount, scratch: string[]): Promise<Record<string, unknown>> {
    if (m.type === 'tmpfs') return { Type: 'tmpfs', Target: m.target, ...(m.size !== undefined ? { TmpfsOptions: { SizeBytes: m.size } } : {}) };
    if (m.type === 'bind') {
      const dir = join(scratchRoot(this.engine), `${randomBytes(8).toString('hex')}.mount`);
      scratch.push(dir);
      await mkdir(dir, { recursive: true });
      await applyLayer(m.tar(), dir, { whiteouts: false });
      return { Type: 'bind', Source: m.file ? join(dir, m.file) : dir, Target: m.target, ReadOnly: !m.readwrite };
    }
    const dir = cacheMountDir(this.engine, m.id);
    if (!existsSync(dir)) {
      // Made under a temporary name, then renamed: a build running beside this one sees it whole.
      const tmp = `${dir}.${randomBytes(4).toString('hex')}`;
      await mkdir(tmp, { recursive: true });
      await chmod(tmp, m.mode);
      await chown(tmp, m.uid, m.gid);
      await rename(tmp, dir).catch(async () => rm(tmp, { recursive: true, force: true }));
    }
    return { Type: 'bind', Source: dir, Target: m.target, ReadOnly: m.readonly };
  }

  /** Holds the step's cache directories against build prune until `release`. */
  private holdCacheMounts(mounts: readonly RunMount[]): () => void {
    const dirs = mounts.flatMap((m) => (m.type === 'cache' ? [cacheMountDir(this.engine, m.id)] : []));
    for (const d of dirs) cacheMountsInUse.set(d, (cacheMountsInUse.get(d) ?? 0) + 1);
    return () => {
      for (const d of dirs) {
        const n = (cacheMountsInUse.get(d) ?? 1) - 1;
        if (n > 0) cacheMountsInUse.set(d, n);
        else cacheMountsInUse.delete(d);
      }
    };
  }

  async removeMountStubs(containerId: string, paths: readonly string[]): Promise<void> {
    const c = this.engine.containers.get(containerId);
    const upper = this.engine.snapshots.upperPath(c.snapshotKey);
    // Empty ones only: a directory something wrote into stays. A file's mount point is an empty file.
    for (const p of paths) {
      const at = join(upper, p);
      const st = await lstat(at).catch(() => undefined);
      if (st?.isDirectory()) await rmdir(at).catch(() => undefined);
      else if (st?.isFile() && st.size === 0) await rm(at, { force: true });
    }
  }

  async commitContainer(containerId: string, spec: CommitSpec): Promise<BuildImage> {
    const c = this.engine.containers.get(containerId);
    const layer = await containerLayer(this.engine, c, spec.sourceDateEpoch !== undefined ? { sourceDateEpoch: spec.sourceDateEpoch } : {});
    if (!layer) return this.commit({ ...spec, history: { ...spec.history, empty_layer: true } }, null);
    return this.commit(spec, Readable.from(layer.chunks, { objectMode: false }));
  }

  async removeContainer(containerId: string): Promise<void> {
    await this.engine.removeContainer(containerId, { force: true, volumes: true });
  }

  async openArchive(content: Readable): Promise<Readable | null> {
    return decompressedStream(content);
  }

  tag(imageId: string, ref: string): void {
    this.engine.images.tag(imageId as ImageId, ref);
  }
}

/** Drops what .dockerignore excludes from the context (Docker's daemon does the same). */
function applyDockerignore(context: ContextIndex, matcher: DockerignoreMatcher): void {
  const walk = (rel: string): void => {
    for (const name of context.readdir(rel)) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const isDir = context.stat(childRel)?.type === 'directory';
      if (matcher.excludes(childRel)) {
        if (isDir && matcher.mayReinclude(childRel)) walk(childRel);
        else context.remove(childRel);
      } else if (isDir) walk(childRel);
    }
  };
  walk('');
}

/** Contexts are held in memory up to this size; larger contents go to a spill file. */
const CONTEXT_MEMORY_BUDGET = 64 << 20;

/** A file of the context by its path, symlinks followed inside the context; null when it is none. */
function contextFile(context: ContextIndex, path: string): string | null {
  const rel = resolveInScope(context, path);
  return context.stat(rel)?.type === 'file' ? context.read(rel).toString('utf8') : null;
}

/** Indexes the uploaded context tar (any compression) without unpacking it. */
async function loadContext(engine: Engine, index: ContextIndex, body: Readable): Promise<void> {
  try {
    await mkdir(scratchRoot(engine), { recursive: true, mode: 0o700 });
    await index.load(await decompressedStream(body), (sink) => new TarParser(sink));
  } catch (e) {
    if (e instanceof BerthError) throw e;
    throw invalidArgument('build_context', `reading the build context: ${errorMessage(e)}`, e);
  }
}

/** The Dockerfile's text, as soon as it has arrived (a symlinked one once the whole context has). */
async function readDockerfile(index: ContextIndex, loaded: Promise<void>, name: string, asGiven: string): Promise<string> {
  await index.waitFor(name);
  const text = contextFile(index, name) ?? (await loaded.then(() => contextFile(index, name)));
  if (text === null) throw invalidArgument('build_no_dockerfile', `Cannot locate specified Dockerfile: ${asGiven}`);
  return text;
}

/** Cleans the Dockerfile's path in the context; it must stay inside it. */
function dockerfilePath(name: string): string {
  const clean = posix.normalize(name.replace(/^\/+/, ''));
  if (clean === '..' || clean.startsWith('../')) throw invalidArgument('build_dockerfile_outside', `forbidden path outside the build context: ${name}`);
  return clean;
}

/** The `--cache-from` images here; the others are skipped, as dockerd skips them. */
function cacheSources(engine: Engine, refs: readonly string[]): Image[] {
  return refs.map((ref) => findImage(engine, ref)).filter((img): img is Image => img !== undefined);
}

/** The local image `ref` names, undefined when there is none. */
function findImage(engine: Engine, ref: string): Image | undefined {
  try {
    return engine.images.resolve(ref);
  } catch (e) {
    if (isBerthError(e, 'NotFound')) return undefined;
    throw e;
  }
}

/**
 * Whether `base`'s history and layers begin `image`'s, so that `image`'s next step can follow
 * `base` (dockerd's isValidParent).
 */
function continues(image: Image, base: Image | null): boolean {
  const history = image.config.history ?? [];
  if (history.length === 0) return false;
  if (!base) return true;
  const baseHistory = base.config.history ?? [];
  const baseLayers = base.config.rootfs.diff_ids;
  if (baseHistory.length === 0 && baseLayers.length === 0) return true;
  if (baseHistory.length >= history.length || baseLayers.length > image.config.rootfs.diff_ids.length) return false;
  return baseHistory.every((h, i) => isDeepStrictEqual(h, history[i])) && baseLayers.every((d, i) => d === image.config.rootfs.diff_ids[i]);
}

/**
 * `POST /build`: indexes the context tar (any compression), reads the Dockerfile, drops
 * .dockerignore'd files, runs the classic builder and tags the result. `out` gets the progress
 * text, `aux` the image ID once built. Steps before the first COPY/ADD from the context run while
 * the context still uploads, but their output waits for its end, so clients see the same order
 * as from a builder that reads the context first; a failed upload fails the build with its own
 * error. The context's spill file and every RUN container are gone when it settles.
 */
export async function buildImage(
  engine: Engine,
  req: BuildRequest,
  context: Readable,
  io: { out: (text: string) => void; aux: (id: string) => void; signal: AbortSignal },
): Promise<string> {
  const dfName = dockerfilePath(req.dockerfile || 'Dockerfile');
  const index = new ContextIndex({
    memoryBudget: CONTEXT_MEMORY_BUDGET,
    spillPath: join(scratchRoot(engine), `${randomBytes(8).toString('hex')}.context`),
  });
  const loaded = loadContext(engine, index, context);
  // A failed upload stops whatever step is running.
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  io.signal.addEventListener('abort', stop, { once: true });
  if (io.signal.aborted) stop();
  let held: string[] | null = [];
  const out = (text: string): void => void (held ? held.push(text) : io.out(text));
  const ready = loaded.then(
    () => {
      const ignoreText = contextFile(index, `${dfName}.dockerignore`) ?? contextFile(index, '.dockerignore') ?? '';
      const matcher = new DockerignoreMatcher(parseDockerignore(ignoreText));
      if (!matcher.empty) applyDockerignore(index, matcher);
      for (const text of held ?? []) io.out(text);
      held = null;
    },
    (e: unknown) => {
      stop();
      throw e;
    },
  );
  ready.catch(() => undefined);
  try {
    const dockerfile = await readDockerfile(index, loaded, dfName, req.dockerfile || 'Dockerfile');
    const backend = new EngineBuildBackend(engine, cacheSources(engine, req.cacheFrom), req.pullImage ? { pull: req.pullImage, out } : undefined);
    const epochArg = req.buildArgs.get('SOURCE_DATE_EPOCH');
    if (epochArg !== undefined && epochArg !== null && !/^\d+$/.test(epochArg)) {
      throw invalidArgument('build_source_date_epoch', `invalid SOURCE_DATE_EPOCH: ${epochArg}`);
    }
    // As BuildKit: the SOURCE_DATE_EPOCH build arg fixes `created` and clamps layer mtimes.
    const epoch = epochArg ? Number(epochArg) : undefined;
    const { dockerfile: dockerfilePathInContext, pullImage: _, cacheFrom: __, ...fromRequest } = req;
    const opts: BuildOptions = {
      ...fromRequest,
      dockerfile,
      dockerfileName: posix.basename(dockerfilePathInContext || 'Dockerfile'),
      context: index,
      contextReady: ready,
      sourceDateEpoch: epoch,
      now: () => (epoch !== undefined ? new Date(epoch * 1000).toISOString().replace('.000Z', 'Z') : new Date().toISOString()),
      out,
      signal: abort.signal,
    };
    const image = await runBuild(backend, opts);
    await ready;
    io.aux(image.id);
    tagBuilt(backend, image, req.tags, io.out);
    return image.id;
  } catch (e) {
    // The upload's own failure is the cause, whatever the build was doing then; other errors
    // are reported after the output that came before them.
    await ready;
    throw e;
  } finally {
    io.signal.removeEventListener('abort', stop);
    await loaded.catch(() => undefined);
    await index.close();
  }
}

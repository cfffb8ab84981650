import { lstat, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BufferPool } from '../lib/buffer-pool.js';
import { conflict, errorMessage } from '../lib/errors.js';
import type { ImageRunConfig } from '../oci/image.js';
import { familiarString, formatReference, parseReference, withDefaultTag } from '../oci/reference.js';
import { applyConfigChanges } from '../image/config-changes.js';
import type { Image } from '../image/image-service.js';
import { diffChanges, layerDiffChunks, upperDirUsage, type Change, type DiffOptions } from '../image/layer/diff.js';
import type { ContainerConfigSpec, ContainerRecord } from './container-model.js';
import type { Engine } from './engine.js';

export interface CommitRequest {
  /** Container name or ID. */
  container: string;
  /** `repo[:tag]` to tag the new image with; none leaves it untagged. */
  ref?: string;
  author?: string;
  comment?: string;
  /** Dockerfile instructions (`-c`), applied on top of `config`. */
  changes: readonly string[];
  /** Config from the request body; its unset fields come from the container's. */
  config?: ContainerConfigSpec;
  /** Freeze a running container while its writable layer is read (Docker's default). */
  pause: boolean;
}

/**
 * Files the engine bind-mounts over the rootfs (the runtime creates empty mount points for them in
 * the writable layer), and the empty /.dockerenv it makes: Docker keeps these in a separate init
 * layer. They are no change of the user's.
 */
const MOUNT_POINTS = ['etc/hostname', 'etc/hosts', 'etc/resolv.conf', '.dockerenv'];

/**
 * Relative paths of the upper dir that only exist as mount points of the engine's files: the empty
 * placeholders and a parent directory that holds nothing else.
 */
async function mountPlaceholders(upperDir: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const rel of MOUNT_POINTS) {
    const st = await lstat(join(upperDir, rel)).catch(() => null);
    if (st?.isFile() && st.size === 0) out.add(rel);
  }
  for (const dir of new Set([...out].map((rel) => dirname(rel)))) {
    const names = await readdir(join(upperDir, dir));
    if (names.every((n) => out.has(`${dir}/${n}`))) out.add(dir);
  }
  return out;
}

/**
 * A container's writable layer as the chunks of an uncompressed layer tar, read from its upper
 * dir, without the engine's mount points (file contents in `opts.pool`'s buffers when given), and
 * its size as Docker counts it. null when nothing changed: as dockerd, the image then gets no
 * layer, and an `empty_layer` history entry.
 */
export async function containerLayer(
  engine: Engine,
  c: ContainerRecord,
  opts: Pick<DiffOptions, 'sourceDateEpoch' | 'pool'> = {},
): Promise<{ chunks: AsyncGenerator<Buffer>; size: number } | null> {
  const upperDir = engine.snapshots.upperPath(c.snapshotKey);
  const exclude = await mountPlaceholders(upperDir);
  const usage = await upperDirUsage(upperDir, exclude);
  return usage.empty ? null : { chunks: layerDiffChunks(upperDir, { exclude, ...opts }), size: usage.size };
}

/** Buffers a commit reads its layer's files into: enough to keep reads, hashing and writes going at once. */
const COMMIT_BUFFERS = 8;
const COMMIT_BUFFER_SIZE = 1024 * 1024;

/** Docker's commit merge: fields the user's config leaves unset are taken from the container's. */
export function mergeCommitConfig(user: ImageRunConfig, container: ImageRunConfig): ImageRunConfig {
  const out: ImageRunConfig = structuredClone(user);
  if (!out.User && container.User) out.User = container.User;
  if (container.ExposedPorts && Object.keys(container.ExposedPorts).length > 0) {
    out.ExposedPorts = { ...container.ExposedPorts, ...(out.ExposedPorts ?? {}) };
  }
  const env = out.Env ?? [];
  const keys = new Set(env.map((e) => e.split('=', 1)[0]));
  out.Env = [...env, ...(container.Env ?? []).filter((e) => !keys.has(e.split('=', 1)[0]))];
  out.Labels = { ...(container.Labels ?? {}), ...(out.Labels ?? {}) };
  if (!out.Entrypoint || out.Entrypoint.length === 0) {
    if (!out.Cmd || out.Cmd.length === 0) out.Cmd = container.Cmd ?? null;
    if (!out.Entrypoint) out.Entrypoint = container.Entrypoint ?? null;
  }
  if (!out.Healthcheck && container.Healthcheck) out.Healthcheck = container.Healthcheck;
  if (!out.WorkingDir && container.WorkingDir) out.WorkingDir = container.WorkingDir;
  if (container.Volumes && Object.keys(container.Volumes).length > 0) out.Volumes = { ...container.Volumes, ...(out.Volumes ?? {}) };
  if (!out.StopSignal && container.StopSignal) out.StopSignal = container.StopSignal;
  return out;
}

/** The image-config part of a container's configuration. */
function runConfigOf(c: ContainerConfigSpec): ImageRunConfig {
  const out: ImageRunConfig = {};
  if (c.User) out.User = c.User;
  if (c.ExposedPorts) out.ExposedPorts = c.ExposedPorts;
  if (c.Env) out.Env = c.Env;
  if (c.Entrypoint) out.Entrypoint = c.Entrypoint;
  if (c.Cmd) out.Cmd = c.Cmd;
  if (c.Volumes) out.Volumes = c.Volumes;
  if (c.WorkingDir) out.WorkingDir = c.WorkingDir;
  if (c.Labels) out.Labels = c.Labels;
  if (c.StopSignal) out.StopSignal = c.StopSignal;
  const health = c['Healthcheck'];
  if (health && typeof health === 'object') out.Healthcheck = health as ImageRunConfig['Healthcheck'];
  return out;
}

/**
 * `docker commit`: the container's writable layer becomes a new layer on its image, with the
 * container's run config (changed by the request's config and `changes`) and a history entry.
 * A running container is paused meanwhile unless `pause` is false or it is paused already.
 */
export async function commitContainer(engine: Engine, req: CommitRequest): Promise<Image> {
  const c = engine.containers.get(req.container);
  if (c.state.status === 'dead') throw conflict('container_dead', `You cannot commit container ${c.id} which is Dead`);
  if (c.state.status === 'removing') throw conflict('container_removing', `You cannot commit container ${c.id} which is being removed`);
  // Bad input fails before anything is paused or written.
  const ref = req.ref ? formatReference(withDefaultTag(parseReference(req.ref))) : undefined;
  const runConfig = mergeCommitConfig(applyConfigChanges(runConfigOf(req.config ?? {}), req.changes), runConfigOf(c.config));
  const parent = engine.containers.image(c);

  const pause = req.pause && c.state.status === 'running';
  if (pause) await engine.containers.pause(c.id);
  try {
    const created = new Date().toISOString();
    const pool = new BufferPool(COMMIT_BUFFERS, COMMIT_BUFFER_SIZE);
    const layer = await containerLayer(engine, c, { pool });
    const image = await engine.images.createImage({
      ref,
      parent,
      layer: layer ? { plainTar: layer.chunks, size: layer.size, pool } : null,
      runConfig,
      history: {
        created,
        created_by: (c.config.Cmd ?? []).join(' '),
        ...(req.author ? { author: req.author } : {}),
        ...(req.comment ? { comment: req.comment } : {}),
        ...(layer ? {} : { empty_layer: true }),
      },
      author: req.author,
      comment: req.comment,
      created,
    });
    engine.containers.recordEvent(c, 'commit', { comment: req.comment ?? '', imageID: image.id, imageRef: ref ? familiarString(parseReference(ref)) : '' });
    return image;
  } finally {
    if (pause) {
      await engine.containers.unpause(c.id).catch((e: unknown) => engine.log.warn(`unpause ${c.id} after commit: ${errorMessage(e)}`));
    }
  }
}

/** `docker diff`: what the container changed in its root filesystem, without the engine's mount points. */
export async function containerChanges(engine: Engine, ref: string): Promise<Change[]> {
  const c = engine.containers.get(ref);
  const upperDir = engine.snapshots.upperPath(c.snapshotKey);
  const skip = await mountPlaceholders(upperDir);
  const changes = await diffChanges(upperDir, engine.snapshots.lowerPaths(c.snapshotKey));
  return changes.filter((ch) => !skip.has(ch.path.slice(1)));
}

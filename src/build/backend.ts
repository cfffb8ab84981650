import type { Readable } from 'node:stream';
import type { HistoryEntry, ImageConfig, ImageRunConfig } from '../oci/image.js';
import type { CacheCandidate, CopyManifest } from './cache-explain.js';

/** An image as the builder sees it. */
export interface BuildImage {
  id: string;
  config: ImageConfig;
  /** Layer directories, topmost first (overlay form: whiteouts are 0:0 character devices). */
  layerDirs: string[];
}

export interface CommitSpec {
  /** null: the first layer of a `FROM scratch` stage. */
  parent: BuildImage | null;
  runConfig: ImageRunConfig;
  /** What the cache compares (Docker's `container_config`): the run config with the step as Cmd. */
  containerConfig: ImageRunConfig;
  history: HistoryEntry;
  /** MAINTAINER's text, the image's `author`. */
  author?: string;
  /** Clamps the layer's mtimes to this (seconds), for reproducible layers. */
  sourceDateEpoch?: number;
  /** COPY/ADD: what each copied path hashed to, kept so a later cache miss can name the files. */
  copyFiles?: CopyManifest;
}

/**
 * BuildKit's `RUN --mount` kinds this builder serves: a cache directory that outlives the build
 * (by `id`, the target by default), or a tmpfs. Targets are absolute.
 */
export type RunMount =
  | { type: 'cache'; target: string; id: string; readonly: boolean; mode: number; uid: number; gid: number }
  | { type: 'tmpfs'; target: string; size?: number }
  | BindRunMount;

/**
 * A bind of the build context's (or a stage's) files: their tar, which the backend unpacks into a
 * directory of the step's own; `file` names the one file when the source is a file. Writes with
 * `readwrite` go to that copy and are discarded, as BuildKit's.
 */
export interface BindRunMount {
  type: 'bind';
  target: string;
  readwrite: boolean;
  tar: () => Readable;
  file?: string;
}

/** The HostConfig fields of a RUN container that `build` sets (dockerd's build query parameters), unset when 0 or empty. */
export interface RunResources {
  Memory?: number;
  MemorySwap?: number;
  CpuShares?: number;
  CpuPeriod?: number;
  CpuQuota?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  CgroupParent?: string;
  ShmSize?: number;
  Ulimits?: { Name: string; Soft: number; Hard: number }[];
}

export interface RunSpec {
  image: BuildImage;
  /** Full argv (shell prefix included). */
  argv: string[];
  env: string[];
  user: string;
  workingDir: string;
  /** Docker's network modes for RUN: default, none, host. */
  network: string;
  /** HostConfig.ExtraHosts of the RUN container. */
  extraHosts: readonly string[];
  /** The RUN container's cgroup limits, /dev/shm size and rlimits (`build -m`, `--shm-size`, `--ulimit`, …). */
  resources: RunResources;
  mounts: readonly RunMount[];
  /** Called once the container exists, before it starts. */
  onCreated: (containerId: string) => void;
  onOutput: (chunk: Buffer) => void;
  signal: AbortSignal;
}

/**
 * What the builder needs from the engine (moby's builder Backend): images, the cache lookup, layer
 * commits and containers for RUN. Implemented in engine/, which owns all effects.
 */
export interface BuildBackend {
  /**
   * A local image by name or ID, its layers unpacked; throws NotFound. With `pull` (`build --pull`)
   * a reference is first pulled from its registry, as dockerd's builder does for base images.
   */
  image(ref: string, pull?: boolean): Promise<BuildImage>;
  /**
   * The cache: a child of `parent` (or a base image when null) built with the same container config;
   * with `--cache-from` images, their history's matching step instead, as dockerd's classic builder
   * (`runConfig` is the config such a step's image gets).
   */
  cached(parent: BuildImage | null, containerConfig: ImageRunConfig, runConfig: ImageRunConfig): Promise<BuildImage | undefined>;
  /** Every earlier step built on `parent`, for explaining a miss. */
  cacheCandidates(parent: BuildImage | null): CacheCandidate[];
  /** A new image on `parent`; `layer` is an uncompressed tar, or null for a metadata-only step. */
  commit(spec: CommitSpec, layer: Readable | null): Promise<BuildImage>;
  /** Runs a command to its end in a new container; the container stays until `removeContainer`. */
  run(spec: RunSpec): Promise<{ containerId: string; exitCode: number }>;
  /** Removes these directories from the container's writable layer when they are empty (mount points the runtime made). */
  removeMountStubs(containerId: string, paths: readonly string[]): Promise<void>;
  /** The container's writable layer as a new image on `spec.parent`. */
  commitContainer(containerId: string, spec: CommitSpec): Promise<BuildImage>;
  removeContainer(containerId: string): Promise<void>;
  /**
   * An archive file's content (tar, optionally gzip/bzip2/xz compressed) as a tar stream, or
   * null when it is no archive (ADD then copies it as is).
   */
  openArchive(content: Readable): Promise<Readable | null>;
  tag(imageId: string, ref: string): void;
}

/** Image wire types (swagger v1.50 `ImageSummary`, `ImageInspect`, `HistoryResponseItem`, …). */
import type { ContainerConfig, GraphDriverData } from './container.js';

/** An item of `GET /images/json`. */
export interface ImageSummary {
  /** `sha256:` image ID. */
  Id: string;
  ParentId: string;
  /** Familiar form (`alpine:latest`); empty for untagged images. */
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  /** Unix seconds. */
  Created: number;
  Size: number;
  /** -1 when not computed. */
  SharedSize: number;
  /** Deprecated; same as Size. */
  VirtualSize?: number;
  Labels: Record<string, string> | null;
  /** -1 when not computed. */
  Containers: number;
}

/**
 * The image's runtime configuration as inspect reports it (a subset of ContainerConfig): from API
 * 1.50 only the fields that are set; before, all of them and the container config's empty ones.
 */
export type ImageConfig = Partial<Pick<
  ContainerConfig,
  | 'User'
  | 'ExposedPorts'
  | 'Env'
  | 'Cmd'
  | 'Healthcheck'
  | 'ArgsEscaped'
  | 'Volumes'
  | 'WorkingDir'
  | 'Entrypoint'
  | 'OnBuild'
  | 'Labels'
  | 'StopSignal'
  | 'Shell'
>> &
  Partial<Pick<ContainerConfig, 'Hostname' | 'Domainname' | 'AttachStdin' | 'AttachStdout' | 'AttachStderr' | 'Tty' | 'OpenStdin' | 'StdinOnce' | 'Image'>>;

export interface RootFS {
  Type: 'layers';
  /** DiffIDs, base layer first. */
  Layers: string[];
}

export interface ImageMetadata {
  /** RFC3339Nano, or `0001-01-01T00:00:00Z`; never empty. */
  LastTagTime: string;
}

/** `GET /images/{name}/json`. */
export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  /** RFC3339Nano. */
  Created: string;
  DockerVersion: string;
  Author: string;
  Config: ImageConfig | null;
  Architecture: string;
  Variant?: string;
  Os: string;
  OsVersion?: string;
  Size: number;
  GraphDriver: GraphDriverData;
  RootFS: RootFS;
  Metadata: ImageMetadata;
  /**
   * berth's addition: the image config's history (what `-m`, `-c` and commits recorded), so that
   * inspect shows it without a second call; dockerd serves it only through `/history`.
   */
  History?: { created?: string; created_by?: string; author?: string; comment?: string; empty_layer?: boolean }[];
  /** Removed from Docker in API 1.45 but kept for docker-compose 1.29 (reads `Volumes`). */
  ContainerConfig?: ContainerConfig;
}

/** An item of `GET /images/{name}/history`. Non-top layers have Id `<missing>`. */
export interface HistoryItem {
  Id: string;
  /** Unix seconds. */
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

/** An item of `DELETE /images/{name}`: exactly one key is set. */
export interface ImageDeleteResponseItem {
  Untagged?: string;
  Deleted?: string;
}

/** `POST /images/prune`. */
export interface ImagePruneResponse {
  ImagesDeleted: ImageDeleteResponseItem[] | null;
  SpaceReclaimed: number;
}

/** `201` body of `POST /commit`. */
export interface IdResponse {
  Id: string;
}

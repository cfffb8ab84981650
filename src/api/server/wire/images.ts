import type { Image } from '../../../engine/engine.js';
import { familiarString, parseReference } from '../../../oci/reference.js';
import type { ContainerConfig, HistoryItem, ImageConfig, ImageInspect, ImageSummary } from '../../types/index.js';
import { compareVersions } from '../headers.js';

const familiar = (ref: string): string => familiarString(parseReference(ref));

/** A map as Go's encoding/json writes it: keys sorted (scripts and diffs see dockerd's order). */
function sortedMap<T>(map: Record<string, T> | null | undefined): Record<string, T> | null {
  if (!map) return null;
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function imageSummary(img: Image, containers: number): ImageSummary {
  return {
    Id: img.id,
    ParentId: img.row.parent,
    RepoTags: img.tags.map(familiar),
    RepoDigests: img.digests.map(familiar),
    Created: Math.floor(Date.parse(img.config.created ?? img.row.created) / 1000),
    Size: img.row.size,
    SharedSize: -1,
    Labels: sortedMap(img.config.config?.Labels),
    Containers: containers,
  };
}

/**
 * API 1.50's image Config (dockerd 28's DockerOCIImageConfig): the OCI image config's fields and
 * Docker's three additions, in Go's field order, each left out when empty (omitempty). Before 1.50
 * dockerd wrote a container config, with fields that are always empty (Hostname, Tty, Image…).
 */
function ociImageConfig(cfg: NonNullable<Image['config']['config']>): ImageConfig {
  const present = <T>(v: T | null | undefined): v is T =>
    v !== undefined && v !== null && v !== '' && v !== false && (typeof v !== 'object' || Object.keys(v).length > 0);
  const fields: [keyof ImageConfig, unknown][] = [
    ['User', cfg.User],
    ['ExposedPorts', sortedMap(cfg.ExposedPorts)],
    ['Env', cfg.Env],
    ['Entrypoint', cfg.Entrypoint],
    ['Cmd', cfg.Cmd],
    ['Volumes', sortedMap(cfg.Volumes)],
    ['WorkingDir', cfg.WorkingDir],
    ['Labels', sortedMap(cfg.Labels)],
    ['StopSignal', cfg.StopSignal],
    ['ArgsEscaped', cfg.ArgsEscaped],
    ['Healthcheck', cfg.Healthcheck],
    ['OnBuild', cfg.OnBuild],
    ['Shell', cfg.Shell],
  ];
  return Object.fromEntries(fields.filter(([, v]) => present(v))) as ImageConfig;
}

/** `apiVersion`: the request's; the Config's shape depends on it (see ociImageConfig). */
export function imageInspect(img: Image, layerDirs: { lower: string[] }, apiVersion: string): ImageInspect {
  const cfg = img.config.config ?? {};
  const config = {
    Hostname: '',
    Domainname: '',
    User: cfg.User ?? '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    // omitempty in Docker's struct: absent when there are none.
    ...(cfg.ExposedPorts && Object.keys(cfg.ExposedPorts).length > 0 ? { ExposedPorts: sortedMap(cfg.ExposedPorts) } : {}),
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: cfg.Env ?? null,
    Cmd: cfg.Cmd ?? null,
    // Docker omits Healthcheck, ArgsEscaped, StopSignal and Shell when unset, in its field order.
    ...(cfg.Healthcheck ? { Healthcheck: cfg.Healthcheck } : {}),
    ...(cfg.ArgsEscaped ? { ArgsEscaped: true } : {}),
    Image: '',
    Volumes: sortedMap(cfg.Volumes),
    WorkingDir: cfg.WorkingDir ?? '',
    Entrypoint: cfg.Entrypoint ?? null,
    OnBuild: cfg.OnBuild ?? null,
    Labels: sortedMap(cfg.Labels),
    ...(cfg.StopSignal ? { StopSignal: cfg.StopSignal } : {}),
    ...(cfg.Shell && cfg.Shell.length > 0 ? { Shell: cfg.Shell } : {}),
  } as ContainerConfig;
  const [upper, ...lower] = layerDirs.lower;
  return {
    Id: img.id,
    RepoTags: img.tags.map(familiar),
    RepoDigests: img.digests.map(familiar),
    Parent: img.row.parent,
    Comment: img.config.comment ?? '',
    Created: img.config.created ?? img.row.created,
    DockerVersion: '',
    Author: img.config.author ?? '',
    Config: compareVersions(apiVersion, '1.50') >= 0 ? ociImageConfig(cfg) : config,
    Architecture: img.config.architecture,
    Os: img.config.os,
    Size: img.row.size,
    GraphDriver: {
      Name: 'overlay2',
      Data: lower.length ? { LowerDir: lower.join(':'), UpperDir: upper ?? '' } : { UpperDir: upper ?? '' },
    },
    RootFS: { Type: 'layers', Layers: img.config.rootfs.diff_ids },
    Metadata: { LastTagTime: img.row.lastTagTime || '0001-01-01T00:00:00Z' },
    History: img.config.history ?? [],
    // compose 1.29 reads ContainerConfig (Volumes) on every recreate.
    ContainerConfig: { ...config },
  };
}

/**
 * `layerSizes`: each layer's size, bottom first; entries that made no layer count 0, as Docker's.
 * As dockerd, the entries, newest first, take the IDs and tags of the image and its parents
 * (`parentOf`) while that chain lasts (a build's step images, a commit's base): `<missing>` after.
 */
export function imageHistory(img: Image, layerSizes: readonly number[], parentOf: (id: string) => Image | undefined): HistoryItem[] {
  const history = img.config.history ?? [];
  const out: HistoryItem[] = [];
  let layer = 0;
  for (const h of history) {
    out.push({
      Id: '<missing>',
      Created: Math.floor(Date.parse(h.created ?? img.row.created) / 1000),
      CreatedBy: h.created_by ?? '',
      Tags: null,
      Size: h.empty_layer === true ? 0 : (layerSizes[layer++] ?? 0),
      Comment: h.comment ?? '',
    });
  }
  out.reverse();
  let owner: Image | undefined = img;
  for (const item of out) {
    if (!owner) break;
    item.Id = owner.id;
    item.Tags = owner.tags.length > 0 ? owner.tags.map(familiar) : null;
    owner = owner.row.parent ? parentOf(owner.row.parent) : undefined;
  }
  return out;
}

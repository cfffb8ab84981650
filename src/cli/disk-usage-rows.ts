/**
 * `system df` rows as docker/cli 28 computes them from `GET /system/df`: the summary table's
 * counts, sizes and reclaimable space (with docker's whole-number percentages), and the `-v`
 * sections' rows. Pure: `nowMs` is passed in.
 */
import type { ContainerSummary } from '../api/types/container.js';
import type { ImageSummary } from '../api/types/image.js';
import { humanSize } from './format/units.js';
import { containerRow, imageRows } from './list-rows.js';

export interface VolumeUsage {
  Name: string;
  UsageData?: { Size: number; RefCount: number } | null;
}

export interface DiskUsageResponse {
  LayersSize: number;
  Images: ImageSummary[] | null;
  Containers: ContainerSummary[] | null;
  Volumes: VolumeUsage[] | null;
  BuildCache: unknown[] | null;
}

export const SUMMARY_HEADERS: Record<string, string> = { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' };
export const VOLUME_HEADERS: Record<string, string> = { Name: 'VOLUME NAME', Links: 'LINKS', Size: 'SIZE' };
export const BUILD_CACHE_HEADERS: Record<string, string> = {
  ID: 'CACHE ID',
  CacheType: 'CACHE TYPE',
  Size: 'SIZE',
  CreatedSince: 'CREATED',
  LastUsedSince: 'LAST USED',
  UsageCount: 'USAGE',
  Shared: 'SHARED',
};

/** `1.2MB (40%)`: the percentage is of `total`, truncated; without a total only the size. */
export function reclaimableText(reclaimable: number, total: number): string {
  return total > 0 ? `${humanSize(reclaimable)} (${Math.trunc((reclaimable * 100) / total)}%)` : humanSize(reclaimable);
}

const isActive = (c: ContainerSummary): boolean => ['running', 'paused', 'restarting'].some((s) => c.State.includes(s));

/** The four rows of the summary table: images, containers, local volumes, build cache. */
export function summaryRows(du: DiskUsageResponse): Record<string, string>[] {
  const images = du.Images ?? [];
  // An image a container uses keeps its own (unshared) layers; the rest of all layers could go.
  const used = images
    .filter((i) => i.Containers !== 0 && i.Size !== -1 && i.SharedSize !== -1)
    .reduce((n, i) => n + i.Size - i.SharedSize, 0);
  const containers = du.Containers ?? [];
  const containersSize = containers.reduce((n, c) => n + (c.SizeRw ?? 0), 0);
  const containersFree = containers.filter((c) => !isActive(c)).reduce((n, c) => n + (c.SizeRw ?? 0), 0);
  const volumes = (du.Volumes ?? []).filter((v) => (v.UsageData?.Size ?? -1) !== -1);
  const volumesSize = volumes.reduce((n, v) => n + (v.UsageData?.Size ?? 0), 0);
  const volumesFree = volumes.filter((v) => v.UsageData?.RefCount === 0).reduce((n, v) => n + (v.UsageData?.Size ?? 0), 0);
  return [
    {
      Type: 'Images',
      TotalCount: String(images.length),
      Active: String(images.filter((i) => i.Containers > 0).length),
      Size: humanSize(du.LayersSize),
      Reclaimable: reclaimableText(du.LayersSize - used, du.LayersSize),
    },
    {
      Type: 'Containers',
      TotalCount: String(containers.length),
      Active: String(containers.filter(isActive).length),
      Size: humanSize(containersSize),
      Reclaimable: reclaimableText(containersFree, containersSize),
    },
    {
      Type: 'Local Volumes',
      TotalCount: String((du.Volumes ?? []).length),
      Active: String((du.Volumes ?? []).filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length),
      Size: humanSize(volumesSize),
      Reclaimable: reclaimableText(volumesFree, volumesSize),
    },
    { Type: 'Build Cache', TotalCount: String((du.BuildCache ?? []).length), Active: '0', Size: '0B', Reclaimable: '0B' },
  ];
}

/** The `-v` sections' rows: an image shows its first tag only, a container its writable size only. */
export function verboseRows(du: DiskUsageResponse, opts: { trunc: boolean; nowMs: number }) {
  return {
    Images: (du.Images ?? []).flatMap((i) => imageRows([{ ...i, RepoTags: (i.RepoTags ?? []).slice(0, 1), RepoDigests: [] }], opts)),
    Containers: (du.Containers ?? []).map((c) => containerRow({ ...c, SizeRootFs: 0 }, opts)),
    Volumes: (du.Volumes ?? []).map((v) => ({
      Name: v.Name,
      Links: v.UsageData ? String(v.UsageData.RefCount) : 'N/A',
      Size: v.UsageData ? humanSize(v.UsageData.Size) : 'N/A',
    })),
    BuildCache: [] as Record<string, string>[],
  };
}

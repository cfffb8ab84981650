import { directorySize } from '../lib/disk-usage.js';
import type { ContainerRecord } from './container-model.js';
import type { Engine, Image } from './engine.js';
import type { Volume, VolumeService } from './volume-service.js';

/** One image's layers by ChainID, for the shared-size count. */
export interface ImageLayers {
  id: string;
  layers: readonly string[];
}

/**
 * LayersSize (every distinct layer once) and each image's SharedSize (its layers that another
 * image also holds), as dockerd counts them for `system df`. Pure.
 */
export function layerUsage(images: readonly ImageLayers[], sizeOf: (layer: string) => number): { layersSize: number; shared: Map<string, number> } {
  const refs = new Map<string, number>();
  for (const img of images) for (const l of new Set(img.layers)) refs.set(l, (refs.get(l) ?? 0) + 1);
  let layersSize = 0;
  for (const l of refs.keys()) layersSize += sizeOf(l);
  const shared = new Map<string, number>();
  for (const img of images) {
    let n = 0;
    for (const l of new Set(img.layers)) if ((refs.get(l) ?? 0) > 1) n += sizeOf(l);
    shared.set(img.id, n);
  }
  return { layersSize, shared };
}

export type DiskUsageType = 'image' | 'container' | 'volume' | 'build-cache';
export const DISK_USAGE_TYPES: readonly DiskUsageType[] = ['container', 'image', 'volume', 'build-cache'];

export interface DiskUsageReport {
  layersSize?: number;
  images?: { image: Image; sharedSize: number; containers: number }[];
  containers?: { container: ContainerRecord; sizeRw: number; sizeRootFs: number }[];
  volumes?: { volume: Volume; size: number; refCount: number }[];
  /** The classic builder keeps no cache apart from images, so this is always empty. */
  buildCache?: [];
}

/** `GET /system/df`: what images, containers and volumes occupy, computed only for the types asked. */
export class DiskUsage {
  constructor(
    private readonly engine: Engine,
    private readonly volumes: VolumeService,
  ) {}

  /** Bytes of every distinct image layer. */
  layersSize(): number {
    return this.layers(this.engine.images.list()).layersSize;
  }

  async report(types: ReadonlySet<DiskUsageType>): Promise<DiskUsageReport> {
    const out: DiskUsageReport = {};
    const containers = this.engine.containers.list();
    if (types.has('image')) {
      const { layersSize, shared } = this.layers(this.engine.images.list());
      out.layersSize = layersSize;
      out.images = this.engine.listImages({ all: false, filters: new Map() }).map((image) => ({
        image,
        sharedSize: shared.get(image.id) ?? 0,
        containers: containers.filter((c) => c.imageId === image.id).length,
      }));
    }
    if (types.has('container')) {
      out.containers = await Promise.all(
        containers.map(async (container) => {
          const s = await this.engine.containerSizes(container.id).catch(() => ({ SizeRw: 0, SizeRootFs: 0 }));
          return { container, sizeRw: s.SizeRw, sizeRootFs: s.SizeRootFs };
        }),
      );
    }
    if (types.has('volume')) {
      const used = (name: string) => containers.filter((c) => c.mounts?.some((m) => m.Type === 'volume' && m.Name === name)).length;
      out.volumes = await Promise.all(
        this.volumes.list(new Map()).map(async (volume) => ({
          volume,
          size: await directorySize(volume.mountpoint),
          refCount: used(volume.name),
        })),
      );
    }
    if (types.has('build-cache')) out.buildCache = [];
    return out;
  }

  private layers(images: Image[]) {
    const sizes = new Map<string, number>();
    const layers = images.map((i) => {
      const chains = this.engine.images.chainIds(i);
      const bytes = this.engine.images.layerSizes(i);
      chains.forEach((c, k) => sizes.set(c, bytes[k]!));
      return { id: i.id, layers: chains };
    });
    return layerUsage(layers, (l) => sizes.get(l) ?? 0);
  }
}

import { join } from 'node:path';
import { directorySize } from '../lib/disk-usage.js';
import { BerthError } from '../lib/errors.js';
import type { EventBus } from '../lib/event-bus.js';
import type { Logger } from '../lib/logger.js';
import type { ImageId } from '../oci/digest.js';
import type { Image, ImageService } from '../image/image-service.js';

export type { Image };
import type { OciRuntime } from '../runtime/monitor/oci-runtime.js';
import type { SnapshotManager } from '../store/snapshot/snapshot-manager.js';
import type { ContainerService } from './container-service.js';
import type { ContainerRecord } from './container-model.js';
import type { ExecService } from './exec-service.js';
import { filterImages } from './image-filter.js';

export interface EngineInfo {
  dataRoot: string;
  defaultRuntime: string;
  /** Per runtime: `ok`, or why it does not work on this host. */
  runtimeProbe: Record<string, string>;
  runtimeVersions: Record<string, string>;
  heldCapabilities: string[];
  initPath: string;
  /** The log driver containers get when they name none. */
  loggingDriver: string;
  /** Daemon notices for /info's Warnings, each starting with `WARNING: ` as dockerd's do. */
  warnings: () => Promise<string[]>;
}

export interface ContainerFiles {
  logPath: string;
  hostsPath: string;
  hostnamePath: string;
  resolvConfPath: string;
  upperDir: string;
  lowerDirs: string[];
  mergedDir: string;
}

/** The use cases the API serves, over the engine's services. */
export class Engine {
  constructor(
    readonly containers: ContainerService,
    readonly execs: ExecService,
    readonly images: ImageService,
    readonly snapshots: SnapshotManager,
    readonly runtimes: ReadonlyMap<string, OciRuntime>,
    readonly info: EngineInfo,
    readonly events: EventBus,
    readonly log: Logger,
  ) {}

  inspectContainer<T>(ref: string, render: (c: ContainerRecord, files: ContainerFiles, execIds: string[]) => T): T {
    const c = this.containers.get(ref);
    const etc = this.containers.etcFilesOf(c);
    return render(
      c,
      {
        ...etc,
        logPath: this.containers.keepsLog(c) ? this.containers.logPath(c.id) : '',
        upperDir: this.snapshots.get(c.snapshotKey) ? this.snapshots.upperPath(c.snapshotKey) : '',
        lowerDirs: this.snapshots.get(c.snapshotKey) ? this.snapshots.lowerPaths(c.snapshotKey) : [],
        mergedDir: join(this.containers.bundleDir(c.id), 'rootfs'),
      },
      this.execs.idsOf(c.id),
    );
  }

  /** `SizeRw` (the writable layer) and `SizeRootFs` (it plus the image), as `ps -s` / `inspect -s`. */
  async containerSizes(ref: string): Promise<{ SizeRw: number; SizeRootFs: number }> {
    const c = this.containers.get(ref);
    const rw = this.snapshots.get(c.snapshotKey) ? await directorySize(this.snapshots.upperPath(c.snapshotKey)) : 0;
    return { SizeRw: rw, SizeRootFs: rw + this.images.get(c.imageId).row.size };
  }

  async removeContainer(ref: string, opts: { force: boolean; volumes?: boolean }): Promise<void> {
    const c = this.containers.get(ref);
    await this.containers.remove(ref, opts);
    this.execs.forget(c.id);
  }

  imageMatches(imageId: ImageId, ref: string): boolean {
    try {
      return this.images.resolve(ref).id === imageId;
    } catch (e) {
      if (e instanceof BerthError) return false;
      throw e;
    }
  }

  /** Directories of an image's layers, topmost first (GraphDriver data). */
  imageLayerDirs(img: Image): string[] {
    return this.images
      .chainIds(img)
      .reverse()
      .map((k) => this.snapshots.get(k))
      .filter((r) => r !== undefined)
      .map((r) => this.snapshots.fsPath(r));
  }

  listImages(opts: { all: boolean; filters: Map<string, string[]> }): Image[] {
    const all = this.images.list();
    // Without -a, hide untagged images that are parents of others (intermediate layers), as Docker.
    const parents = new Set(all.map((i) => i.row.parent).filter((p) => p !== ''));
    const visible = opts.all ? all : all.filter((i) => i.tags.length > 0 || !parents.has(i.id));
    return filterImages(visible, opts.filters, (ref) => this.images.resolve(ref));
  }
}

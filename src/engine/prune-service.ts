import { isBerthError } from '../lib/errors.js';
import type { RemovalItem } from '../image/image-service.js';
import type { Engine, Image } from './engine.js';
import { pruneCacheMounts } from './build-scratch.js';
import { isRunning } from './container-model.js';
import type { NetworkService } from './network-service.js';
import { parsePruneFilter, pruneMatches, PRUNE_KEYS } from './prune-filter.js';

export interface ContainerPruneReport {
  deleted: string[];
  reclaimed: number;
}

export interface ImagePruneReport {
  deleted: RemovalItem[];
  reclaimed: number;
}

/**
 * The prune use cases: each removes through the service that owns the objects (so removals are
 * recorded as any other) and skips what is in use, as dockerd does.
 */
export class PruneService {
  constructor(
    private readonly engine: Engine,
    private readonly networkService: NetworkService,
    /** Bytes of all image layers now, to tell what an image prune freed. */
    private readonly layersSize: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The build cache that is not the images themselves: `RUN --mount=type=cache` directories no build uses now. */
  async buildCache(): Promise<{ deleted: string[]; reclaimed: number }> {
    return pruneCacheMounts(this.engine);
  }

  /** Stopped (created, exited, dead) containers; reclaimed = their writable layers. */
  async containers(filters: Map<string, string[]>): Promise<ContainerPruneReport> {
    const f = parsePruneFilter(filters, PRUNE_KEYS, this.now());
    const report: ContainerPruneReport = { deleted: [], reclaimed: 0 };
    for (const c of this.engine.containers.list()) {
      if (isRunning(c) || c.state.status === 'restarting' || c.state.status === 'removing') continue;
      if (!pruneMatches(f, { createdMs: Date.parse(c.created), labels: c.config.Labels ?? {} })) continue;
      const { SizeRw } = await this.engine.containerSizes(c.id);
      try {
        await this.engine.removeContainer(c.id, { force: false });
      } catch (e) {
        // Started or removed meanwhile: not ours to prune any more.
        if (isBerthError(e, 'Conflict') || isBerthError(e, 'NotFound')) continue;
        throw e;
      }
      report.deleted.push(c.id);
      report.reclaimed += SizeRw;
    }
    return report;
  }

  /**
   * Dangling images (untagged, not a parent), or with `dangling=false` every image no container
   * uses. Images in use are skipped, as a plain `rmi` of them would be refused; reclaimed = the
   * layers that went away.
   */
  async images(filters: Map<string, string[]>): Promise<ImagePruneReport> {
    const f = parsePruneFilter(filters, [...PRUNE_KEYS, 'dangling'], this.now());
    const danglingValue = filters.get('dangling')?.at(-1) ?? 'true';
    const danglingOnly = !['false', '0'].includes(danglingValue.toLowerCase());
    const before = this.layersSize();
    const report: ImagePruneReport = { deleted: [], reclaimed: 0 };
    const candidate = (img: Image): boolean =>
      pruneMatches(f, { createdMs: Date.parse(img.config.created ?? img.row.created), labels: img.config.config?.Labels ?? {} });
    // Removing a child can free its parent for the next pass (`-a` over a chain of tagged images).
    for (let progress = true; progress; ) {
      progress = false;
      const all = this.engine.images.list();
      const parents = new Set(all.map((i) => i.row.parent).filter((p) => p !== ''));
      for (const img of all) {
        const dangling = img.tags.length === 0;
        if (dangling && parents.has(img.id)) continue;
        if (danglingOnly && !dangling) continue;
        if (!candidate(img)) continue;
        if (this.engine.containers.containersUsingImage(img.id).length > 0) continue;
        const refs = dangling ? [img.id] : img.tags;
        for (const ref of refs) {
          try {
            report.deleted.push(...(await this.engine.images.remove(ref, { force: false })));
            progress = true;
          } catch (e) {
            if (isBerthError(e, 'Conflict') || isBerthError(e, 'NotFound')) continue;
            throw e;
          }
        }
      }
      if (danglingOnly) break;
    }
    report.reclaimed = Math.max(0, before - this.layersSize());
    return report;
  }

  /** User-defined networks no container refers to; the predefined ones always stay. */
  async networks(filters: Map<string, string[]>): Promise<string[]> {
    const f = parsePruneFilter(filters, PRUNE_KEYS, this.now());
    return this.networkService.prune((n) => pruneMatches(f, { createdMs: Date.parse(n.created), labels: n.user?.labels ?? {} }));
  }
}

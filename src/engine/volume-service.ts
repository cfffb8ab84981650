import type { Volume, VolumeStore } from '../volume/volume-store.js';
import { volumeListFilter, volumePruneFilter } from '../volume/volume-filter.js';

export type { Volume };

/** The volume use cases the API serves: the store plus Docker's list and prune filters. */
export class VolumeService {
  constructor(private readonly store: VolumeStore) {}

  list(filters: Map<string, string[]>): Volume[] {
    const keep = volumeListFilter(filters, (v) => this.store.inUse(v.name).length > 0);
    return this.store.list().filter(keep);
  }

  create(opts: { name?: string; driver?: string; labels?: Record<string, string>; options?: Record<string, string> }): Promise<Volume> {
    return this.store.create(opts);
  }

  get(name: string): Volume {
    return this.store.get(name);
  }

  remove(name: string, opts: { force: boolean }): Promise<void> {
    return this.store.remove(name, opts);
  }

  prune(filters: Map<string, string[]>): Promise<{ deleted: string[]; reclaimed: number }> {
    const { keep, all } = volumePruneFilter(filters);
    return this.store.prune(keep, all);
  }
}

import { BerthError, conflict, notFound } from '../lib/errors.js';
import type { ContainerId } from '../oci/ids.js';
import type { MetaStore } from '../store/meta/meta-store.js';
import type { ContainerRecord } from './container-model.js';

/**
 * Containers in memory (the daemon's answer to every list and inspect), written through to the
 * metadata store on each change.
 */
export class ContainerIndex {
  private readonly byId = new Map<ContainerId, ContainerRecord>();
  private readonly byName = new Map<string, ContainerId>();

  constructor(private readonly meta: MetaStore) {}

  load(): ContainerRecord[] {
    for (const row of this.meta.listContainers()) {
      const rec = JSON.parse(row.record) as ContainerRecord;
      this.byId.set(rec.id, rec);
      this.byName.set(rec.name, rec.id);
    }
    return [...this.byId.values()];
  }

  all(): ContainerRecord[] {
    return [...this.byId.values()];
  }

  /** Full ID, unique ID prefix, or name (with or without the leading slash). */
  find(ref: string): ContainerRecord | undefined {
    const name = ref.replace(/^\//, '');
    const byName = this.byName.get(name);
    if (byName) return this.byId.get(byName);
    const exact = this.byId.get(ref as ContainerId);
    if (exact) return exact;
    if (!/^[0-9a-f]+$/.test(ref)) return undefined;
    const matches = [...this.byId.values()].filter((c) => c.id.startsWith(ref));
    if (matches.length > 1) {
      throw new BerthError('InvalidArgument', 'ambiguous_container', `multiple IDs found with provided prefix: ${ref}`);
    }
    return matches[0];
  }

  get(ref: string): ContainerRecord {
    const c = this.find(ref);
    if (!c) throw notFound('container_not_found', `No such container: ${ref}`);
    return c;
  }

  nameTaken(name: string): boolean {
    return this.byName.has(name);
  }

  assertNameFree(name: string, self?: ContainerId): void {
    const holder = this.byName.get(name);
    if (holder && holder !== self) {
      throw conflict(
        'name_in_use',
        `Conflict. The container name "/${name}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
  }

  /** Records a new container; the name must be free. */
  add(c: ContainerRecord): void {
    this.assertNameFree(c.name);
    this.save(c);
    this.byId.set(c.id, c);
    this.byName.set(c.name, c.id);
  }

  rename(c: ContainerRecord, newName: string): void {
    this.assertNameFree(newName, c.id);
    const old = c.name;
    c.name = newName;
    try {
      this.save(c);
    } catch (e) {
      c.name = old;
      throw e;
    }
    this.byName.delete(old);
    this.byName.set(newName, c.id);
  }

  save(c: ContainerRecord): void {
    this.meta.putContainer({ id: c.id, name: c.name, imageId: c.imageId, created: c.created, record: JSON.stringify(c) });
  }

  delete(c: ContainerRecord): void {
    this.meta.deleteContainer(c.id);
    this.byId.delete(c.id);
    if (this.byName.get(c.name) === c.id) this.byName.delete(c.name);
  }
}

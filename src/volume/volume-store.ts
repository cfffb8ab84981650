import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventRecorder } from '../lib/event-bus.js';
import { directorySize } from '../lib/disk-usage.js';
import { conflict, internal, invalidArgument, notFound } from '../lib/errors.js';
import { KeyedMutex } from '../lib/keyed-mutex.js';
import { isMountPoint } from '../lib/mount-table.js';
import type { MetaStore } from '../store/meta/meta-store.js';
import { localMountOf, localOptionsProblem, mountLocal, unmountLocal } from './local-mount.js';

export interface Volume {
  name: string;
  created: string;
  anonymous: boolean;
  labels: Record<string, string>;
  options: Record<string, string>;
  /** Host directory the containers see. */
  mountpoint: string;
}

/** Docker's mark of an anonymous volume; prune goes by it, so a volume created with it counts as one. */
const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** A new volume's name: the one asked for, else a random one, as Docker's. */
export function volumeName(name: string | undefined): string {
  return name || randomBytes(32).toString('hex');
}

/** Only the `local` driver exists (no volume plugins): another is dockerd's not-found plugin. */
export function checkVolumeDriver(name: string, driver: string | undefined): void {
  if (driver && driver !== 'local') throw notFound('volume_driver', `create ${name}: error looking up volume plugin ${driver}: plugin "${driver}" not found`);
}

/**
 * Named local volumes: a directory each under <root>/<name>/_data (Docker's layout), records in
 * the meta store. Whether a volume is in use is asked of the containers through `usedBy`. A volume
 * with mount options (see LocalMount) has its file system mounted on `_data` while a running
 * container holds it, as dockerd's local driver: the first holder mounts it, the last unmounts it.
 */
export class VolumeStore {
  private readonly volumes = new Map<string, Volume>();
  /** Volume name → the containers holding its mount. */
  private readonly holders = new Map<string, Set<string>>();
  private readonly mounting = new KeyedMutex();

  constructor(
    private readonly root: string,
    private readonly meta: MetaStore,
    private readonly usedBy: (name: string) => string[],
    private readonly events: EventRecorder,
  ) {}

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o701 });
    for (const row of this.meta.listVolumes()) {
      const rec = JSON.parse(row.record) as { labels?: Record<string, string>; options?: Record<string, string> };
      this.volumes.set(row.name, {
        name: row.name,
        created: row.created,
        anonymous: row.anonymous === 1,
        labels: rec.labels ?? {},
        options: rec.options ?? {},
        mountpoint: this.dataPath(row.name),
      });
    }
  }

  /** Creates a volume, or returns the existing one of that name (Docker's create is idempotent). */
  async create(opts: { name?: string; driver?: string; labels?: Record<string, string>; options?: Record<string, string>; anonymous?: boolean }): Promise<Volume> {
    const name = volumeName(opts.name);
    if (name.length === 1 && /^[a-zA-Z0-9]$/.test(name)) {
      throw invalidArgument('invalid_volume_name', `create ${name}: volume name is too short, names should be at least two alphanumeric characters`);
    }
    if (!NAME_RE.test(name)) {
      throw invalidArgument(
        'invalid_volume_name',
        `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
      );
    }
    checkVolumeDriver(name, opts.driver);
    // An existing volume is the answer whatever options come with the name, as dockerd's.
    const existing = this.volumes.get(name);
    if (existing) return existing;
    const problem = localOptionsProblem(opts.options ?? {});
    if (problem) throw invalidArgument('volume_options', `create ${name}: ${problem}`);
    const v: Volume = {
      name,
      created: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      anonymous: opts.anonymous === true,
      labels: opts.anonymous ? { [ANONYMOUS_LABEL]: '', ...opts.labels } : (opts.labels ?? {}),
      options: { ...opts.options },
      mountpoint: this.dataPath(name),
    };
    await mkdir(v.mountpoint, { recursive: true, mode: 0o755 });
    this.meta.putVolume({ name, created: v.created, anonymous: v.anonymous ? 1 : 0, record: JSON.stringify({ labels: v.labels, options: v.options }) });
    this.volumes.set(name, v);
    this.events.record({ type: 'volume', action: 'create', actorId: name, attributes: { driver: 'local' } });
    return v;
  }

  get(name: string): Volume {
    const v = this.volumes.get(name);
    if (!v) throw notFound('no_such_volume', `get ${name}: no such volume`);
    return v;
  }

  find(name: string): Volume | undefined {
    return this.volumes.get(name);
  }

  list(): Volume[] {
    return [...this.volumes.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  inUse(name: string): string[] {
    return this.usedBy(name);
  }

  async remove(name: string, opts: { force?: boolean } = {}): Promise<void> {
    const v = this.volumes.get(name);
    if (!v) {
      if (opts.force) return;
      throw notFound('no_such_volume', `get ${name}: no such volume`);
    }
    const users = this.usedBy(name);
    if (users.length > 0) throw conflict('volume_in_use', `remove ${name}: volume is in use - [${users.join(', ')}]`);
    // The removal must never reach through a mount into what the volume mounted (a host directory, a share).
    if (localMountOf(v.options) && !(await this.mounting.run(name, () => unmountLocal(v.mountpoint)))) {
      throw internal('volume_mounted', `remove ${name}: ${v.mountpoint} is still mounted and cannot be unmounted: unmount it, then remove the volume again`);
    }
    this.meta.deleteVolume(name);
    this.volumes.delete(name);
    await rm(join(this.root, name), { recursive: true, force: true });
    this.events.record({ type: 'volume', action: 'destroy', actorId: name, attributes: { driver: 'local' } });
  }

  /** Removes unused volumes the filter keeps; Docker prunes only anonymous ones unless `all`. */
  async prune(keep: (v: Volume) => boolean, all: boolean): Promise<{ deleted: string[]; reclaimed: number }> {
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const v of this.list()) {
      if ((!all && !(ANONYMOUS_LABEL in v.labels)) || !keep(v) || this.usedBy(v.name).length > 0) continue;
      const size = await directorySize(v.mountpoint).catch(() => 0);
      await this.remove(v.name);
      deleted.push(v.name);
      reclaimed += size;
    }
    return { deleted, reclaimed };
  }

  /**
   * Mounts the volume's file system for container `holder` unless another holder has it mounted;
   * a plain volume needs nothing. Returns the directory to bind into the container.
   */
  async mount(name: string, holder: string): Promise<string> {
    const v = this.get(name);
    const m = localMountOf(v.options);
    if (!m) return v.mountpoint;
    await this.mounting.run(name, async () => {
      const held = this.holders.get(name) ?? new Set<string>();
      if (held.size === 0 && !(await isMountPoint(v.mountpoint))) await mountLocal(m, v.mountpoint);
      held.add(holder);
      this.holders.set(name, held);
    });
    return v.mountpoint;
  }

  /** Container `holder` is done with the volume: the last holder's release unmounts it. */
  async release(name: string, holder: string): Promise<void> {
    const v = this.volumes.get(name);
    if (!v || !localMountOf(v.options)) return;
    await this.mounting.run(name, async () => {
      const held = this.holders.get(name);
      held?.delete(holder);
      if (held && held.size > 0) return;
      this.holders.delete(name);
      if (!(await unmountLocal(v.mountpoint))) throw internal('volume_mounted', `unmount volume ${name}: ${v.mountpoint} is still mounted`);
    });
  }

  /**
   * The daemon's start: `running` names, per volume, the containers found running, which hold
   * its mount already in place; a mounted volume no running container holds is unmounted.
   */
  async adoptMounts(running: ReadonlyMap<string, readonly string[]>): Promise<void> {
    for (const v of this.volumes.values()) {
      if (!localMountOf(v.options)) continue;
      const ids = running.get(v.name) ?? [];
      if (ids.length > 0) this.holders.set(v.name, new Set(ids));
      else await this.mounting.run(v.name, () => unmountLocal(v.mountpoint));
    }
  }

  async isEmpty(name: string): Promise<boolean> {
    return (await readdir(this.dataPath(name)).catch(() => [])).length === 0;
  }

  dataPath(name: string): string {
    return join(this.root, name, '_data');
  }
}

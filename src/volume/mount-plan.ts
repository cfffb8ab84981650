import { posix } from 'node:path';
import { invalidArgument } from '../lib/errors.js';

/**
 * A container's mount as recorded with it and reported by inspect (Docker's MountPoint fields),
 * plus what start needs to set it up.
 */
export interface MountRecord {
  Type: 'bind' | 'volume' | 'tmpfs';
  /** Volume name; for an anonymous volume decided at create. */
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
  /** Created for this container (anonymous): removed with it by `rm -v`. */
  anonymous?: boolean;
  /** Volume content is not seeded from the image (`nocopy`). */
  noCopy?: boolean;
  /** tmpfs mount options (size=, mode=). */
  tmpfsOptions?: string[];
  /** From --tmpfs: Docker lists these in HostConfig.Tmpfs only, not in Mounts. */
  hidden?: boolean;
}

export interface MountInputs {
  binds: readonly string[];
  mounts: readonly {
    Type?: string;
    Source?: string;
    Target?: string;
    ReadOnly?: boolean;
    BindOptions?: { Propagation?: string; CreateMountpoint?: boolean };
    VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string> | null; DriverConfig?: { Name?: string; Options?: Record<string, string> | null } | null };
    TmpfsOptions?: { SizeBytes?: number; Mode?: number };
  }[];
  tmpfs: Readonly<Record<string, string>>;
  /** Config.Volumes merged with the image's VOLUMEs. */
  volumes: readonly string[];
  /** Mounts taken from other containers (`--volumes-from`, see volumesFromMounts). */
  from?: readonly MountRecord[];
  /** HostConfig.VolumeDriver: the driver of `-v` volumes and anonymous ones, `local` when empty. */
  volumeDriver?: string;
}

/**
 * A planned mount: `Name` '' on a volume means a new anonymous one; `createSource` a missing bind
 * source to make; `newVolume` the driver options and labels of a volume the mount creates (`--mount
 * volume-opt=…,volume-label=…`; a volume that exists keeps its own, as with dockerd).
 */
export type PlannedMount = MountRecord & { createSource?: boolean; newVolume?: { options: Record<string, string>; labels: Record<string, string> } };

const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];

/** The mount flags a `--tmpfs` option may be (Docker's list). */
const TMPFS_FLAGS = [
  'defaults', 'ro', 'rw', 'suid', 'nosuid', 'dev', 'nodev', 'exec', 'noexec', 'sync', 'async', 'dirsync', 'remount', 'mand', 'nomand',
  'atime', 'noatime', 'diratime', 'nodiratime', 'bind', 'rbind', 'unbindable', 'runbindable', 'relatime', 'norelatime', 'strictatime', 'nostrictatime',
  ...PROPAGATIONS,
];

function invalidSpec(spec: string): Error {
  return invalidArgument('invalid_volume_spec', `invalid volume specification: '${spec}'`);
}

/** Go's filepath.Clean for absolute paths: no `.`/`..` parts, no trailing slash. */
function cleanPath(p: string): string {
  return posix.normalize(p).replace(/(.)\/$/, '$1');
}

function checkDestination(dst: string, spec: string): string {
  if (!dst.startsWith('/')) throw invalidArgument('invalid_mount', `invalid mount config: mount path must be absolute: ${dst === '' ? spec : dst}`);
  if (posix.normalize(dst) === '/') throw invalidArgument('invalid_mount', 'invalid specification: destination can\'t be \'/\'');
  return cleanPath(dst);
}

/** `-v src:dst[:opts]` as Docker reads it on Linux. */
export function parseBind(spec: string): PlannedMount {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3 || parts[0] === '' || parts[1] === '') throw invalidSpec(spec);
  const [src = '', rawDst = '', mode = ''] = parts;
  const dst = checkDestination(rawDst, spec);
  const opts = mode === '' ? [] : mode.split(',');
  let rw = true;
  let propagation = '';
  let noCopy = false;
  // As Docker's ValidMountMode: each kind of option at most once (`ro,rw` is no mode).
  const badMode = () => invalidArgument('invalid_mode', `invalid mode: ${mode}`);
  const count = (pred: (o: string) => boolean) => opts.filter(pred).length;
  if ([(o: string) => o === 'ro' || o === 'rw', (o: string) => PROPAGATIONS.includes(o), (o: string) => o === 'nocopy', (o: string) => o === 'z' || o === 'Z'].some((kind) => count(kind) > 1)) throw badMode();
  for (const o of opts) {
    if (o === 'ro') rw = false;
    else if (o === 'rw') rw = true;
    else if (PROPAGATIONS.includes(o)) propagation = o;
    else if (o === 'nocopy') noCopy = true;
    else if (o !== 'z' && o !== 'Z') throw badMode();
  }
  if (src.startsWith('/')) {
    return { Type: 'bind', Source: cleanPath(src), Destination: dst, Mode: mode, RW: rw, Propagation: propagation || 'rprivate', createSource: true };
  }
  if (propagation) throw invalidSpec(spec);
  return { Type: 'volume', Name: src, Source: '', Destination: dst, Driver: 'local', Mode: mode || 'z', RW: rw, Propagation: '', noCopy };
}

/** `HostConfig.Mounts` (`--mount`) entries. */
export function parseMountEntry(m: MountInputs['mounts'][number]): PlannedMount {
  const type = m.Type ?? 'volume';
  const dst = checkDestination(m.Target ?? '', 'target');
  const rw = m.ReadOnly !== true;
  switch (type) {
    case 'bind': {
      const src = m.Source ?? '';
      if (src === '') throw invalidArgument('invalid_mount', 'invalid mount config for type "bind": field Source must not be empty');
      if (!src.startsWith('/')) throw invalidArgument('invalid_mount', `invalid mount config for type "bind": invalid mount path: '${src}' mount path must be absolute`);
      return {
        Type: 'bind',
        Source: cleanPath(src),
        Destination: dst,
        Mode: '',
        RW: rw,
        Propagation: m.BindOptions?.Propagation || 'rprivate',
        createSource: m.BindOptions?.CreateMountpoint === true,
      };
    }
    case 'volume': {
      const vo = m.VolumeOptions;
      const planned: PlannedMount = { Type: 'volume', Name: m.Source ?? '', anonymous: !m.Source, Source: '', Destination: dst, Driver: vo?.DriverConfig?.Name || 'local', Mode: 'z', RW: rw, Propagation: '', noCopy: vo?.NoCopy === true };
      if (vo?.DriverConfig?.Options || vo?.Labels) planned.newVolume = { options: vo.DriverConfig?.Options ?? {}, labels: vo.Labels ?? {} };
      return planned;
    }
    case 'tmpfs': {
      if (m.Source) throw invalidArgument('invalid_mount', 'invalid mount config for type "tmpfs": field Source must not be specified');
      const opts: string[] = [];
      if (m.TmpfsOptions?.SizeBytes) opts.push(`size=${m.TmpfsOptions.SizeBytes}`);
      if (m.TmpfsOptions?.Mode) opts.push(`mode=${m.TmpfsOptions.Mode.toString(8)}`);
      return { Type: 'tmpfs', Source: '', Destination: dst, Mode: '', RW: rw, Propagation: '', tmpfsOptions: opts };
    }
    default:
      throw invalidArgument('invalid_mount', `mount type "${type}" is not supported by berth`);
  }
}

/**
 * All of a container's mounts: binds and --mount first (two at one destination is an error),
 * then --tmpfs, then anonymous volumes for the VOLUME paths nothing else covers.
 */
export function planMounts(inputs: MountInputs): PlannedMount[] {
  const out: PlannedMount[] = [];
  const taken = new Set<string>();
  const add = (m: PlannedMount) => {
    if (taken.has(m.Destination)) throw invalidArgument('duplicate_mount', `Duplicate mount point: ${m.Destination}`);
    taken.add(m.Destination);
    out.push(m);
  };
  const driver = inputs.volumeDriver || 'local';
  for (const b of inputs.binds) {
    const m = parseBind(b);
    add(m.Type === 'volume' ? { ...m, Driver: driver } : m);
  }
  for (const m of inputs.mounts) add(parseMountEntry(m));
  for (const [path, options] of Object.entries(inputs.tmpfs)) {
    const dst = checkDestination(path, path);
    const tmpfsOptions = options ? options.split(',') : [];
    // As dockerd: `key=value` data, or a mount flag it knows.
    const bad = tmpfsOptions.filter((o) => !o.includes('=') && !TMPFS_FLAGS.includes(o));
    if (bad.length > 0) throw invalidArgument('invalid_tmpfs', `invalid tmpfs option ${JSON.stringify(bad)}`);
    add({ Type: 'tmpfs', Source: '', Destination: dst, Mode: '', RW: true, Propagation: '', tmpfsOptions, hidden: true });
  }
  // As dockerd: the container's own binds and mounts win over another's at the same path; another's win over image VOLUMEs.
  for (const m of inputs.from ?? []) if (!taken.has(m.Destination)) add(m);
  for (const v of inputs.volumes) {
    const dst = checkDestination(v, v);
    if (taken.has(dst)) continue;
    add({ Type: 'volume', Name: '', anonymous: true, Source: '', Destination: dst, Driver: driver, Mode: '', RW: true, Propagation: '' });
  }
  return out;
}

/**
 * `--volumes-from CONTAINER[:ro|:rw]`: the mounts of `source` (its --tmpfs ones aside, which
 * Docker does not record as mount points), read-only with `ro` or where they were, never seeded
 * from the image.
 */
export function volumesFromMounts(spec: string, source: readonly MountRecord[]): MountRecord[] {
  const mode = spec.includes(':') ? spec.slice(spec.indexOf(':') + 1) : '';
  if (!['', 'ro', 'rw'].includes(mode)) throw invalidArgument('invalid_mode', `invalid mode: ${mode}`);
  return source.filter((m) => !m.hidden).map((m) => ({ ...m, RW: m.RW && mode !== 'ro', noCopy: true }));
}

/** The container named by a `--volumes-from` entry. */
export function volumesFromContainer(spec: string): string {
  if (spec === '') throw invalidArgument('invalid_volumes_from', 'volumes-from specification cannot be an empty string');
  return spec.includes(':') ? spec.slice(0, spec.indexOf(':')) : spec;
}

/** Tmpfs options as the runtime takes them: Docker's defaults, then the user's (ro/rw become a flag). */
export function tmpfsMountOptions(m: MountRecord): string[] {
  const user = m.tmpfsOptions ?? [];
  const base = ['nosuid', 'nodev', 'noexec'].filter((o) => !user.includes(o.replace(/^no/, '')));
  return [...base, ...user.filter((o) => o !== 'exec' && o !== 'suid' && o !== 'dev'), ...(m.RW ? [] : ['ro'])];
}

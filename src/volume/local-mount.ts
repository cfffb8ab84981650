import { runProgram } from '../lib/exec-file.js';
import { BerthError, errorMessage } from '../lib/errors.js';
import { parseMemory } from '../lib/human-units.js';
import { isMountPoint, mountsAt } from '../lib/mount-table.js';

/**
 * The file system the local driver mounts on a volume's `_data` while a container uses it, from
 * the volume's `-o type=… -o device=… -o o=…` (dockerd's local driver: an NFS or CIFS share, a
 * tmpfs, a bind of a host directory with `type=none,o=bind`).
 */
export interface LocalMount {
  type: string;
  device: string;
  /** mount(8)'s comma-separated options, '' for none. */
  o: string;
}

/** A volume's mount failed; the container's start fails with it (exit code 128, as dockerd's). */
export class VolumeMountError extends BerthError {
  constructor(message: string) {
    super('Internal', 'volume_mount', message);
  }
}

/** The local driver's options and the ones each needs beside it, as dockerd's. */
const LOCAL_OPTIONS: Record<string, string[]> = { type: ['device'], o: ['device', 'type'], device: ['type'], size: [] };

/** dockerd's complaint about a volume's `-o` options, in its order of checks; undefined when they are good. */
export function localOptionsProblem(options: Record<string, string>): string | undefined {
  const keys = Object.keys(options);
  const unknown = keys.find((k) => !(k in LOCAL_OPTIONS));
  if (unknown !== undefined) return `invalid option: ${JSON.stringify(unknown)}`;
  if (options['type'] === 'cifs' && options['device']) {
    const port = /^(?:[a-z][a-z0-9+.-]*:)?\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/]*):(\d+)/i.exec(options['device'])?.[1];
    if (port) return "port not allowed in CIFS device URL, include 'port' in 'o='";
  }
  if (options['size'] !== undefined) {
    let size: number;
    try {
      size = parseMemory(options['size']);
    } catch (e) {
      return errorMessage(e);
    }
    // Quotas need a data root on xfs with project quotas, which berth does not manage.
    if (size > 0) return 'quota size requested but no quota support';
  }
  for (const k of keys) {
    const missing = (LOCAL_OPTIONS[k] ?? []).find((r) => !(r in options));
    if (missing !== undefined) return `missing required option: ${JSON.stringify(missing)}`;
  }
  return undefined;
}

/** What to mount for a volume's options, undefined for a plain directory volume. */
export function localMountOf(options: Readonly<Record<string, string>>): LocalMount | undefined {
  const { type = '', device = '', o = '' } = options;
  if (type === '' && device === '') return undefined;
  return { type, device, o };
}

/** The options as shown in an error: a CIFS password masked, as dockerd does. */
export function maskedOptions(o: string): string {
  return o.replace(/(^|,)(password=)[^,]*/g, '$1$2********');
}

/** Mounts `m` on `target`; a failure is a VolumeMountError naming the device and target. */
export async function mountLocal(m: LocalMount, target: string): Promise<void> {
  if (m.device === '') throw new VolumeMountError(`error while mounting volume '${target}': missing device in volume options`);
  const args = ['-t', m.type || 'none', ...(m.o ? ['-o', m.o] : []), m.device, target];
  const r = await runProgram('mount', args);
  if (r.code === 0) return;
  // mount(8)'s first line, without its `mount: <target>: ` prefix (the message names both already).
  const first = (r.stderr || r.stdout).trim().split('\n')[0] ?? '';
  const reason = maskedOptions(first.replace(/^mount: /, '').replace(`${target}: `, '')) || `exit status ${r.code}`;
  const data = m.o ? `, data: ${maskedOptions(m.o)}` : '';
  throw new VolumeMountError(`error while mounting volume '${target}': failed to mount local volume: mount ${m.device}:${target}${data}: ${reason}`);
}

/** Unmounts what is mounted on `target`, lazily as dockerd does (a process outside the containers may hold a file there); true when nothing is left mounted. */
export async function unmountLocal(target: string): Promise<boolean> {
  for (let left = (await mountsAt(target)).length; left > 0; left--) {
    if ((await runProgram('umount', ['-l', target])).code !== 0) break;
  }
  return !(await isMountPoint(target));
}

import { lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LinuxDevice } from './spec/types.js';

// Directories the runtime mounts afresh inside the container, or that hold no real devices.
const SKIPPED_DIRS = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev']);

/** Linux's dev_t encoding: 12 bits of major and 20 of minor, split across the 64-bit number. */
export function splitDev(dev: bigint): { major: number; minor: number } {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return { major: Number(major), minor: Number(minor) };
}

/**
 * Every character and block device node under `dir` (the host's /dev), as a privileged container
 * gets them, with docker's exclusions: the directories the runtime mounts itself, /dev/console
 * (the container's own terminal goes there), symlinks and FIFOs. Nodes that vanish while
 * scanning are skipped.
 */
export async function listHostDevices(dir = '/dev'): Promise<LinuxDevice[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: LinuxDevice[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIPPED_DIRS.has(e.name)) out.push(...(await listHostDevices(path)));
      continue;
    }
    if (e.name === 'console' || !(e.isCharacterDevice() || e.isBlockDevice())) continue;
    const node = await deviceNode(path, path, false);
    if (node) out.push(node);
  }
  return out;
}

/**
 * The character or block device at `hostPath` as a node at `containerPath`, its mode and owner as
 * the host's; undefined when there is none there (vanished, or not a device). Symlinks are
 * followed unless `follow` is false.
 */
export async function deviceNode(hostPath: string, containerPath: string, follow = true): Promise<(LinuxDevice & { type: 'c' | 'b' }) | undefined> {
  const st = await (follow ? stat : lstat)(hostPath, { bigint: true }).catch(() => undefined);
  if (!st || !(st.isCharacterDevice() || st.isBlockDevice())) return undefined;
  return {
    path: containerPath,
    type: st.isBlockDevice() ? 'b' : 'c',
    ...splitDev(st.rdev),
    fileMode: Number(st.mode & 0o777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
  };
}

import { readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Removes what is left of a container's cgroup (`cgroupsPath`) in every hierarchy under `root`:
 * crun 1.8 leaves the directories it made when writing a limit fails during its create (a
 * throttle on a device that is no block device, real-time time the parent lacks), and a runtime
 * that never registered the container cannot delete them. Missing or busy ones are left alone.
 */
export async function removeCgroupDirs(cgroupsPath: string, root = '/sys/fs/cgroup'): Promise<void> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  // The hierarchies (joined ones like cpu,cpuacct appear once as a directory), and root itself on a v2-only host.
  const dirs = [root, ...entries.filter((e) => e.isDirectory()).map((e) => join(root, e.name))];
  await Promise.all(dirs.map((d) => rmdir(join(d, cgroupsPath)).catch(() => undefined)));
}

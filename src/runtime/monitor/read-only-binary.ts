import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { runChecked } from '../../lib/exec-file.js';
import { mountsAt } from '../../lib/mount-table.js';

/*
 * runc and crun guard against CVE-2019-5736 (a container overwriting the host's runtime binary
 * through /proc/self/exe) by running every invocation from a sealed or read-only copy of
 * themselves: a bind mount, a remount, an unmount and a second exec with all its dynamic loading,
 * paid by each create, start, exec, kill and delete. They skip that when they already run from a
 * read-only mount and the environment carries the marker their own re-exec sets. A read-only bind
 * mount of the binary cannot be written through /proc/self/exe either, so berthd makes one, once,
 * and runs the runtime from it.
 */

/** The marker runc and crun set on their re-exec, which lets them trust a read-only mount. */
export const CLONED_BINARY_ENV: Readonly<Record<string, string>> = { _LIBCONTAINER_CLONED_BINARY: '1' };

/** Whether the topmost mount on `at` is read-only and shows `binary` (the same file). */
async function isReadOnlyCopy(binary: string, at: string): Promise<boolean> {
  const mounts = await mountsAt(at);
  if (mounts.length === 0 || !mounts[mounts.length - 1]!.readOnly) return false;
  const [a, b] = await Promise.all([stat(binary), stat(at)]);
  return a.ino === b.ino && a.dev === b.dev;
}

/**
 * Makes `at` a read-only bind mount of `binary`, or keeps the one an earlier berthd on this exec
 * root left (it was killed). A mount of anything else there (a binary since upgraded) is replaced.
 * Throws when the mount cannot be made, leaving nothing mounted.
 */
export async function mountReadOnlyBinary(binary: string, at: string): Promise<void> {
  if (await isReadOnlyCopy(binary, at)) return;
  await unmountReadOnlyBinary(at);
  await mkdir(dirname(at), { recursive: true, mode: 0o700 });
  await writeFile(at, '', { mode: 0o500 });
  try {
    // util-linux binds, then remounts the bind read-only (the kernel ignores `ro` on a bind itself).
    await runChecked('mount', ['--bind', '-o', 'ro', binary, at]);
    if (!(await isReadOnlyCopy(binary, at))) throw new Error(`${at} did not become a read-only mount of ${binary}`);
  } catch (e) {
    await unmountReadOnlyBinary(at);
    throw e;
  }
}

/** Detaches every mount on `at` and removes the mount point; nothing there is fine. */
export async function unmountReadOnlyBinary(at: string): Promise<void> {
  // Lazily: a runtime still running from the copy keeps it until it exits.
  for (let n = (await mountsAt(at)).length; n > 0; n--) await runChecked('umount', ['-l', at]);
  await rm(at, { force: true });
}

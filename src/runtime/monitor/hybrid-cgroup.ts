import { chmod, writeFile } from 'node:fs/promises';

/*
 * crun 1.8 refuses to create a container on a cgroup v1 host whose extra cgroup2 mount (systemd's
 * /sys/fs/cgroup/unified) holds a controller: "cgroups in hybrid mode not supported". It decides
 * that from what it sees mounted, so in a private mount namespace where that cgroup2 mount is
 * detached it works, placing the container in the v1 hierarchies as it does on any v1 host; the
 * controllers left on cgroup2 (hugetlb here) go unused. Only `create`/`run` look at the mode: the
 * other commands work from the cgroup paths the container's state records, so they run crun as is.
 */

/** Whether a runtime's refusal is crun's hybrid-mode one. */
export function isHybridRefusal(reason: string): boolean {
  return /hybrid mode not supported/i.test(reason);
}

/** Paths the wrapper script may name without quoting. */
const SAFE_PATH = /^\/[A-Za-z0-9/_.,+-]*$/;

/**
 * Mount points of the cgroup2 file systems mounted beneath /sys/fs/cgroup (not on it: that is a
 * pure v2 host), from /proc/self/mountinfo text.
 */
export function nestedCgroup2Mounts(mountinfo: string): string[] {
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const fstype = line.slice(sep + 3).split(' ')[0];
    const mountPoint = line.slice(0, sep).split(' ')[4] ?? '';
    if (fstype === 'cgroup2' && mountPoint.startsWith('/sys/fs/cgroup/')) out.push(mountPoint.replace(/\\(\d{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return out;
}

export interface HiddenUnifiedTools {
  runtime: string;
  /** util-linux unshare(1). */
  unshare: string;
  /** A static busybox: its sh runs umount as an applet, the cheapest chain (about 3 ms a call). */
  busybox: string;
}

/**
 * The wrapper script that runs the runtime in a private mount namespace (slave, so nothing
 * propagates back to the host) with `mounts` detached. It execs all the way down, so the runtime
 * keeps the wrapper's pid, stdio and signals, as conmon expects. Null when a path would need quoting.
 */
export function hiddenUnifiedScript(tools: HiddenUnifiedTools, mounts: string[]): string | null {
  if (mounts.length === 0 || ![...mounts, tools.runtime, tools.unshare, tools.busybox].every((p) => SAFE_PATH.test(p))) return null;
  const inner = `${mounts.map((m) => `umount -l ${m}`).join(' && ')} && exec ${tools.runtime} "$@"`;
  return [
    `#!${tools.busybox} sh`,
    '# Written by berthd: crun refuses hybrid cgroup hosts, so it creates containers with the cgroup2 mount hidden.',
    `exec ${tools.unshare} --mount --propagation slave ${tools.busybox} sh -c '${inner}' crun "$@"`,
    '',
  ].join('\n');
}

/** Writes the wrapper (see hiddenUnifiedScript) at `path`; false when it cannot be expressed. */
export async function writeHiddenUnifiedWrapper(path: string, tools: HiddenUnifiedTools, mounts: string[]): Promise<boolean> {
  const script = hiddenUnifiedScript(tools, mounts);
  if (script === null) return false;
  await writeFile(path, script, { mode: 0o700 });
  await chmod(path, 0o700);
  return true;
}

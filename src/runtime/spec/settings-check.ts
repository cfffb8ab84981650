import { invalidArgument } from '../../lib/errors.js';

/**
 * Docker's checks of the container settings that go into the runtime spec as they are (sysctls,
 * cpusets, OOM settings, namespace modes), with its messages, so create refuses what the runtime
 * would refuse only at start.
 */

/** Where a container's pid, ipc and uts namespaces come from: its own, or the host's. */
export type NamespaceSharing = 'private' | 'host';

/** Sysctls in the IPC namespace (runc's list); `fs.mqueue.*` too. */
const IPC_SYSCTLS = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);
const UTS_SYSCTLS = new Set(['kernel.domainname', 'kernel.hostname']);

/**
 * `--sysctl`: only those of a namespace the container has of its own, as runc and crun allow them
 * (net.* needs its own network namespace, the IPC ones its own IPC namespace).
 */
export function checkSysctls(sysctls: Readonly<Record<string, string>>, own: { network: boolean; ipc: boolean; uts: boolean }): void {
  for (const key of Object.keys(sysctls)) {
    if (key.startsWith('net.')) {
      if (!own.network) throw invalidArgument('invalid_sysctl', `sysctl "${key}" not allowed in host network namespace`);
    } else if (IPC_SYSCTLS.has(key) || key.startsWith('fs.mqueue.')) {
      if (!own.ipc) throw invalidArgument('invalid_sysctl', `sysctl "${key}" not allowed in host IPC namespace`);
    } else if (UTS_SYSCTLS.has(key)) {
      if (!own.uts) throw invalidArgument('invalid_sysctl', `sysctl "${key}" not allowed in host UTS namespace`);
    } else {
      throw invalidArgument('invalid_sysctl', `sysctl "${key}" is not in a separate kernel namespace`);
    }
  }
}

/** The numbers of a Linux list such as `0-3,5` (cpuset.cpus, /sys/devices/system/cpu/online); undefined when malformed. */
export function parseIdList(text: string): Set<number> | undefined {
  const out = new Set<number>();
  if (text.trim() === '') return out;
  for (const part of text.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return undefined;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) return undefined;
    for (let i = from; i <= to; i++) out.add(i);
  }
  return out;
}

/** `--cpuset-cpus` / `--cpuset-mems` against what the host has online (its own list's text). */
export function checkCpuset(kind: 'cpus' | 'mems', value: string, available: string): void {
  const wanted = parseIdList(value);
  if (wanted === undefined) throw invalidArgument('invalid_cpuset', `Invalid value ${value} for cpuset ${kind}`);
  const have = parseIdList(available) ?? new Set<number>();
  if ([...wanted].some((n) => !have.has(n))) {
    const what = kind === 'cpus' ? 'CPUs' : 'memory nodes';
    throw invalidArgument('invalid_cpuset', `Requested ${what} are not available - requested ${value}, available: ${available.trim()}`);
  }
}

export function checkOomScoreAdj(value: number): void {
  if (value < -1000 || value > 1000) throw invalidArgument('invalid_oom_score_adj', `Invalid value ${value}, range for oom score adj is [-1000, 1000]`);
}

/** -1 (or unset) leaves the kernel's; else 0-100. */
export function checkSwappiness(value: number): void {
  if (value !== -1 && (value < 0 || value > 100)) throw invalidArgument('invalid_swappiness', `Invalid value: ${value}, valid memory swappiness range is 0-100`);
}

/**
 * HostConfig.PidMode / IpcMode / UTSMode: `host` shares the host's namespace; the private ones
 * (empty, and for IPC `private` and `shareable`) give the container its own. Joining another
 * container's is not supported: refused rather than ignored.
 */
export function namespaceSharing(kind: 'pid' | 'ipc' | 'uts', mode: string | undefined): NamespaceSharing {
  const m = mode ?? '';
  if (m === 'host') return 'host';
  if (m === '' || (kind === 'ipc' && (m === 'private' || m === 'shareable'))) return 'private';
  const flag = `--${kind}`;
  if (kind === 'ipc' && m === 'none') throw invalidArgument('unsupported_namespace_mode', `${flag} none is not supported by berth; use private, shareable or host`);
  if (m.startsWith('container:')) throw invalidArgument('unsupported_namespace_mode', `${flag} ${m}: joining another container's ${kind.toUpperCase()} namespace is not supported by berth; use ${flag} host or leave it private`);
  throw invalidArgument('invalid_namespace_mode', `invalid ${kind.toUpperCase()} mode: ${m}`);
}

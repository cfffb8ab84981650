import { internal, invalidArgument } from '../../lib/errors.js';

/** Linux capability names by number (linux/capability.h), 0 through CAP_LAST_CAP 40. */
export const CAPABILITY_NAMES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

const KNOWN = new Set(CAPABILITY_NAMES);

/** The word docker accepts in --cap-add/--cap-drop for every capability. */
export const ALL_CAPABILITIES = 'ALL';

/**
 * Normalizes docker capability arguments: any case, with or without `CAP_`, `ALL` kept as is.
 * Throws InvalidArgument `unknown capability: "CAP_FOO"` (docker's text) for a name the kernel
 * table does not have. Duplicates are removed, first occurrence kept.
 */
export function parseCapabilities(names: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of names) {
    const upper = raw.trim().toUpperCase();
    if (upper === ALL_CAPABILITIES) {
      if (!out.includes(ALL_CAPABILITIES)) out.push(ALL_CAPABILITIES);
      continue;
    }
    const name = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
    if (!KNOWN.has(name)) throw invalidArgument('unknown_capability', `unknown capability: "${name}"`);
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/**
 * The capability set of a non-privileged container, by docker's rules: `--cap-add ALL` gives
 * everything except the drops; `--cap-drop ALL` gives exactly the adds; otherwise the defaults
 * minus the drops plus the adds. `held` is what the daemon itself holds (see
 * readHeldCapabilities); a capability outside it could never be granted, so `ALL` and the
 * defaults are silently narrowed to it, while naming such a capability in `add` is an error the
 * user can act on rather than a runtime failure at start.
 */
export function effectiveCapabilities(
  defaults: readonly string[],
  add: readonly string[],
  drop: readonly string[],
  held: readonly string[] = CAPABILITY_NAMES,
): string[] {
  const adds = parseCapabilities(add);
  const drops = parseCapabilities(drop);
  const heldSet = new Set(held);
  for (const cap of adds) {
    if (cap !== ALL_CAPABILITIES && !heldSet.has(cap)) {
      throw invalidArgument(
        'capability_not_held',
        `capability "${cap}" cannot be added: the daemon does not hold it`,
      );
    }
  }
  let caps: string[];
  if (adds.includes(ALL_CAPABILITIES)) {
    caps = CAPABILITY_NAMES.filter((c) => !drops.includes(c));
  } else if (drops.includes(ALL_CAPABILITIES)) {
    caps = adds;
  } else {
    caps = [...defaults.filter((c) => !drops.includes(c)), ...adds];
  }
  return [...new Set(caps)].filter((c) => heldSet.has(c));
}

/**
 * Capability names in the effective set (`CapEff:` hex mask) of /proc/<pid>/status text, in
 * number order. Bits beyond the table (a newer kernel) are ignored since no name exists for them.
 */
export function readHeldCapabilities(statusText: string): string[] {
  const match = /^CapEff:\s*([0-9a-fA-F]+)\s*$/m.exec(statusText);
  if (!match?.[1]) throw internal('invalid_proc_status', 'no CapEff line in process status');
  const mask = BigInt(`0x${match[1]}`);
  return CAPABILITY_NAMES.filter((_, bit) => ((mask >> BigInt(bit)) & 1n) === 1n);
}

import { readFile } from 'node:fs/promises';
import { BerthError, errorMessage, invalidArgument } from '../../lib/errors.js';
import type { LinuxSeccomp, LinuxSeccompArg, LinuxSyscall } from './types.js';

/**
 * A seccomp profile in the containers/common (and docker) file format: rules carry
 * `includes`/`excludes` filters that are resolved against the container's capabilities and the
 * host architecture before the runtime sees them.
 */
export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  defaultErrno?: string;
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures?: string[] | null }[] | null;
  flags?: string[] | null;
  syscalls?: SeccompProfileRule[] | null;
}

export interface SeccompProfileRule {
  /** Older profiles name one syscall per rule. */
  name?: string;
  names?: string[] | null;
  action: string;
  args?: LinuxSeccompArg[] | null;
  comment?: string;
  includes?: SeccompFilter | null;
  excludes?: SeccompFilter | null;
  errnoRet?: number;
  errno?: string;
}

/** Go architecture names (`amd64`), `CAP_` capability names, kernel `major.minor`. */
export interface SeccompFilter {
  caps?: string[] | null;
  arches?: string[] | null;
  minKernel?: string;
}

export interface SeccompTarget {
  /** The host machine as uname(2) or Node names it: `x86_64`/`x64`, `aarch64`/`arm64`, … */
  arch: string;
  /** The container's effective capability set, `CAP_` names. */
  capabilities: readonly string[];
  /** The running kernel's release (`6.1.0-13-amd64`); when absent, minKernel filters pass. */
  kernelVersion?: string;
}

interface ArchInfo {
  scmp: string;
  go: string;
}

const ARCHES: Record<string, ArchInfo> = {
  x86_64: { scmp: 'SCMP_ARCH_X86_64', go: 'amd64' },
  x64: { scmp: 'SCMP_ARCH_X86_64', go: 'amd64' },
  amd64: { scmp: 'SCMP_ARCH_X86_64', go: 'amd64' },
  aarch64: { scmp: 'SCMP_ARCH_AARCH64', go: 'arm64' },
  arm64: { scmp: 'SCMP_ARCH_AARCH64', go: 'arm64' },
  s390x: { scmp: 'SCMP_ARCH_S390X', go: 's390x' },
  ppc64le: { scmp: 'SCMP_ARCH_PPC64LE', go: 'ppc64le' },
  riscv64: { scmp: 'SCMP_ARCH_RISCV64', go: 'riscv64' },
};

/** errno names a profile may give instead of a number. */
const ERRNOS: Record<string, number> = {
  EPERM: 1,
  ENOENT: 2,
  EACCES: 13,
  EINVAL: 22,
  ENOSYS: 38,
};

function errnoOf(num: number | undefined, name: string | undefined): number | undefined {
  if (num !== undefined) return num;
  if (name === undefined || name === '') return undefined;
  const n = ERRNOS[name];
  if (n === undefined) throw invalidArgument('seccomp_profile_invalid', `seccomp profile: unknown errno ${name}`);
  return n;
}

function kernelAtLeast(running: string, min: string): boolean {
  const parse = (v: string): [number, number] => {
    const m = /^(\d+)\.(\d+)/.exec(v);
    if (!m) throw invalidArgument('seccomp_profile_invalid', `seccomp profile: bad kernel version ${v}`);
    return [Number(m[1]), Number(m[2])];
  };
  const [rMaj, rMin] = parse(running);
  const [mMaj, mMin] = parse(min);
  return rMaj > mMaj || (rMaj === mMaj && rMin >= mMin);
}

/**
 * Whether a rule applies, by docker's reading of the filters: an exclude of any held capability or
 * of this arch drops it; an include needs every listed capability and this arch among the listed.
 */
function ruleApplies(rule: SeccompProfileRule, arch: ArchInfo, target: SeccompTarget): boolean {
  const caps = new Set(target.capabilities);
  const ex = rule.excludes ?? {};
  const inc = rule.includes ?? {};
  if (ex.arches?.includes(arch.go)) return false;
  if (ex.caps?.some((c) => caps.has(c))) return false;
  if (ex.minKernel && target.kernelVersion !== undefined && kernelAtLeast(target.kernelVersion, ex.minKernel)) {
    return false;
  }
  if (inc.arches && inc.arches.length > 0 && !inc.arches.includes(arch.go)) return false;
  if (inc.caps && !inc.caps.every((c) => caps.has(c))) return false;
  if (inc.minKernel && target.kernelVersion !== undefined && !kernelAtLeast(target.kernelVersion, inc.minKernel)) {
    return false;
  }
  return true;
}

function convertArgs(args: readonly LinuxSeccompArg[]): LinuxSeccompArg[] {
  return args.map((a) => {
    // JSON.parse has already rounded anything past 2^53; refuse rather than filter on a wrong value.
    for (const v of [a.value, a.valueTwo ?? 0]) {
      if (!Number.isSafeInteger(v) || v < 0) {
        throw invalidArgument('seccomp_profile_invalid', `seccomp profile: argument value ${v} is not representable`);
      }
    }
    const out: LinuxSeccompArg = { index: a.index, value: a.value, op: a.op };
    if (a.valueTwo !== undefined) out.valueTwo = a.valueTwo;
    return out;
  });
}

/**
 * Sub-architectures left out of the filter. The runtime compiles one filter per listed
 * architecture at every start and exec (~7 ms each with runc); x32 programs are all but extinct,
 * and without its entry their syscalls get the profile's default action: stricter than Docker.
 */
const OMITTED_ARCHITECTURES: readonly string[] = ['SCMP_ARCH_X32'];

/**
 * The OCI `linux.seccomp` object a profile means for one container: rules filtered by its
 * capabilities, the host arch and kernel, architectures taken from the profile's archMap entry for
 * the host (native first, then its sub-architectures). Rule order is kept so the output reads
 * like the profile.
 */
export function convertSeccompProfile(profile: SeccompProfile, target: SeccompTarget): LinuxSeccomp {
  const arch = ARCHES[target.arch];
  if (arch === undefined) throw invalidArgument('unsupported_arch', `seccomp: unsupported architecture ${target.arch}`);

  const out: LinuxSeccomp = { defaultAction: profile.defaultAction };
  const defaultErrno = errnoOf(profile.defaultErrnoRet, profile.defaultErrno);
  if (defaultErrno !== undefined) out.defaultErrnoRet = defaultErrno;

  const mapped = profile.archMap?.find((m) => m.architecture === arch.scmp);
  if (mapped) {
    out.architectures = [mapped.architecture, ...(mapped.subArchitectures ?? []).filter((a) => !OMITTED_ARCHITECTURES.includes(a))];
  } else if (profile.architectures && profile.architectures.length > 0) {
    out.architectures = [...profile.architectures];
  } else if (profile.archMap && profile.archMap.length > 0) {
    out.architectures = [arch.scmp];
  }
  if (profile.flags && profile.flags.length > 0) out.flags = [...profile.flags];

  const syscalls: LinuxSyscall[] = [];
  for (const rule of profile.syscalls ?? []) {
    const names = rule.names && rule.names.length > 0 ? rule.names : rule.name ? [rule.name] : [];
    if (names.length === 0) {
      throw invalidArgument('seccomp_profile_invalid', 'seccomp profile: a rule names no syscall');
    }
    if (!ruleApplies(rule, arch, target)) continue;
    const converted: LinuxSyscall = { names: [...names], action: rule.action };
    const errno = errnoOf(rule.errnoRet, rule.errno);
    if (errno !== undefined) converted.errnoRet = errno;
    if (rule.args && rule.args.length > 0) converted.args = convertArgs(rule.args);
    syscalls.push(converted);
  }
  out.syscalls = syscalls;
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks the shape convertSeccompProfile relies on; the rest is passed to the runtime to judge. */
export function parseSeccompProfile(text: string, source = 'seccomp profile'): SeccompProfile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw invalidArgument('seccomp_profile_invalid', `${source}: invalid JSON: ${errorMessage(e)}`, e);
  }
  if (!isObject(data) || typeof data['defaultAction'] !== 'string') {
    throw invalidArgument('seccomp_profile_invalid', `${source}: defaultAction is missing`);
  }
  const rules = data['syscalls'];
  if (rules !== undefined && rules !== null) {
    if (!Array.isArray(rules)) throw invalidArgument('seccomp_profile_invalid', `${source}: syscalls is not a list`);
    rules.forEach((r: unknown, i) => {
      if (!isObject(r) || typeof r['action'] !== 'string') {
        throw invalidArgument('seccomp_profile_invalid', `${source}: syscalls[${i}] has no action`);
      }
    });
  }
  return data as unknown as SeccompProfile;
}

/** Where Debian's golang-github-containers-common package installs its default profile. */
export const DEFAULT_SECCOMP_PROFILE_PATH = '/usr/share/containers/seccomp.json';

/**
 * Reads and checks a profile file. A missing file is Unavailable with a message that says how to
 * get one, because berth refuses to start a confined container without its profile.
 */
export async function loadSeccompProfile(path: string = DEFAULT_SECCOMP_PROFILE_PATH): Promise<SeccompProfile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new BerthError(
        'Unavailable',
        'seccomp_profile_missing',
        `seccomp profile ${path} not found: install the golang-github-containers-common package, ` +
          'or run the container with --security-opt seccomp=unconfined',
        { cause: e },
      );
    }
    throw new BerthError('Unavailable', 'seccomp_profile_unreadable', `cannot read seccomp profile ${path}: ${errorMessage(e)}`, {
      cause: e,
    });
  }
  return parseSeccompProfile(text, path);
}

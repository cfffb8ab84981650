import { invalidArgument } from '../lib/errors.js';
import { hostArchitecture } from './image.js';

/** An OCI platform: what an image runs on. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const KNOWN_OS = ['linux', 'windows', 'darwin', 'freebsd', 'netbsd', 'openbsd', 'solaris', 'illumos', 'aix', 'android', 'dragonfly', 'ios', 'js', 'plan9', 'wasip1'];

/** An architecture and variant as containerd's platforms package normalizes them (`x86_64` → amd64, `aarch64` → arm64…). */
function normalizeArch(arch: string, variant: string | undefined): { architecture: string; variant?: string } | undefined {
  switch (arch) {
    case 'i386':
    case '386':
      return { architecture: '386' };
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      return variant && variant !== 'v1' ? { architecture: 'amd64', variant } : { architecture: 'amd64' };
    case 'aarch64':
    case 'arm64':
      return variant && variant !== '8' && variant !== 'v8' ? { architecture: 'arm64', variant } : { architecture: 'arm64' };
    case 'armhf':
      return { architecture: 'arm', variant: 'v7' };
    case 'armel':
      return { architecture: 'arm', variant: 'v6' };
    case 'arm':
      return { architecture: 'arm', variant: variant ? (variant.startsWith('v') ? variant : `v${variant}`) : 'v7' };
    case 'ppc64le':
    case 's390x':
    case 'riscv64':
    case 'mips64le':
    case 'mips64':
    case 'mipsle':
    case 'mips':
    case 'loong64':
    case 'ppc64':
    case 'wasm':
      return variant ? { architecture: arch, variant } : { architecture: arch };
    default:
      return undefined;
  }
}

/**
 * A `--platform` value as containerd's platforms.Parse reads it: `os[/arch[/variant]]`, or an OS or
 * an architecture alone (the other taken from this host), names normalized.
 */
export function parsePlatform(text: string): Platform {
  const parts = text.toLowerCase().split('/');
  const bad = () => invalidArgument('invalid_platform', `"${text}": unknown operating system or architecture: invalid argument`);
  if (parts.length > 3 || parts.some((p) => p === '')) throw bad();
  const [first = '', second, variant] = parts;
  let os = first === 'macos' ? 'darwin' : first;
  let arch = second;
  if (second === undefined) {
    if (!KNOWN_OS.includes(os)) {
      // An architecture alone: this host's OS.
      arch = os;
      os = 'linux';
    } else arch = hostArchitecture();
  }
  if (!KNOWN_OS.includes(os)) throw bad();
  const a = normalizeArch(arch ?? '', variant);
  if (!a) throw bad();
  return { os, ...a };
}

/** containerd's platforms.Format: `os/arch[/variant]`. */
export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/** Whether an image of platform `have` serves `want`: OS and architecture alike, and the variant when `want` names one. */
export function platformMatches(want: Platform, have: Platform): boolean {
  const h = normalizeArch(have.architecture, have.variant) ?? { architecture: have.architecture, variant: have.variant };
  return want.os === have.os.toLowerCase() && want.architecture === h.architecture && (!want.variant || want.variant === h.variant);
}

export const API_VERSION = '1.50';
export const MIN_API_VERSION = '1.24';
export const ENGINE_VERSION = '28.2.2';

/** Headers moby adds to every response; the CLI negotiates the API version from `Api-Version`. */
export function commonHeaders(): Record<string, string> {
  return {
    'Api-Version': API_VERSION,
    Ostype: 'linux',
    'Docker-Experimental': 'false',
    Server: `Docker/${ENGINE_VERSION} (linux)`,
  };
}

/** Compares dotted versions numerically: -1, 0 or 1. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

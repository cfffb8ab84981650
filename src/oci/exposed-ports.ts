import { invalidArgument } from '../lib/errors.js';

/**
 * The ExposedPorts keys of one EXPOSE word (Dockerfile, `--change`), as nat.ParsePortSpecs makes
 * them: `80` → `80/tcp`, `53/UDP` → `53/udp`, a range `8000-8002` → one key per port.
 */
export function exposedPortKeys(word: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(word);
  const [start, end] = [Number(m?.[1]), Number(m?.[2] ?? m?.[1])];
  if (!m || start < 1 || end > 65535 || end < start) throw invalidArgument('invalid_port', `invalid containerPort: ${word}`);
  const proto = (m[3] ?? 'tcp').toLowerCase();
  return Array.from({ length: end - start + 1 }, (_, i) => `${start + i}/${proto}`);
}

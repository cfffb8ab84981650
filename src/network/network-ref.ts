import { invalidArgument } from '../lib/errors.js';

/**
 * The network a reference names, as dockerd resolves one: its full id, its name, or a prefix of
 * one id only (a prefix of several is refused, not guessed).
 */
export function findNetworkRef<T extends { id: string; name: string }>(all: readonly T[], ref: string): T | undefined {
  const exact = all.find((n) => n.id === ref) ?? all.find((n) => n.name === ref);
  if (exact) return exact;
  const byPrefix = ref.length > 0 ? all.filter((n) => n.id.startsWith(ref)) : [];
  if (byPrefix.length > 1) throw invalidArgument('ambiguous_network', `network ${ref} is ambiguous (${byPrefix.length} matches found based on ID prefix)`);
  return byPrefix[0];
}

/** How long a client's request keeps cgroup moves fast (see cgroup-move-warmer.ts): its start or exec comes within ~15 ms. */
export const CLIENT_WARM_MS = 50;

/**
 * Whether a start or exec may follow a request within a few ms: a ping (the docker CLI's first
 * request of a command) or a POST (a create, start, exec). The runtime's cgroup move then finds
 * the warmer's window open; a client polling with GETs keeps no window open.
 */
export function mayLeadToStart(method: string | undefined, url: string | undefined): boolean {
  return method === 'POST' || /^(?:\/v[\d.]+)?\/_ping(?:\?|$)/.test(url ?? '');
}

/**
 * Docker's legacy container links (`--link NAME[:ALIAS]` on the default bridge): the environment a
 * linked container gives its parent, as moby's daemon/links writes it.
 */

/** `80/tcp` → its number and protocol. */
function port(key: string): { num: number; proto: string } {
  const [num = '0', proto = 'tcp'] = key.split('/');
  return { num: Number(num), proto: proto.toLowerCase() };
}

/**
 * The variables a link to a container at `childIp` gives: `ALIAS_PORT…` for each exposed port
 * (tcp first, then by number; a run of consecutive ports also as `_START`/`_END`), `ALIAS_NAME`
 * (`/parent/alias`) and `ALIAS_ENV_…` for the child's Env but HOME and PATH.
 */
export function linkEnv(linkName: string, childIp: string, childEnv: readonly string[], exposed: readonly string[]): string[] {
  const alias = linkName.slice(linkName.lastIndexOf('/') + 1).toUpperCase().replaceAll('-', '_');
  const ports = exposed.map(port).sort((a, b) => {
    if (a.proto === b.proto) return a.num - b.num;
    if (a.proto === 'tcp') return -1;
    if (b.proto === 'tcp') return 1;
    return a.proto < b.proto ? -1 : 1;
  });
  const env: string[] = [];
  const url = (p: { num: number; proto: string }) => `${p.proto}://${childIp}:${p.num}`;
  const prefix = (p: { num: number; proto: string }) => `${alias}_PORT_${p.num}_${p.proto.toUpperCase()}`;
  let start = ports[0];
  let end = ports[0];
  for (const [i, p] of ports.entries()) {
    if (i === 0) env.push(`${alias}_PORT=${url(p)}`);
    env.push(`${prefix(p)}=${url(p)}`, `${prefix(p)}_ADDR=${childIp}`, `${prefix(p)}_PORT=${p.num}`, `${prefix(p)}_PROTO=${p.proto}`);
    if (start && end && p.num === end.num + 1 && p.proto === start.proto) {
      end = p;
      if (i < ports.length - 1) continue;
    }
    if (start && end && end !== start) {
      env.push(
        `${prefix(start)}_START=${url(start)}`,
        `${prefix(start)}_PORT_START=${start.num}`,
        `${prefix(start)}_END=${url(end)}`,
        `${prefix(start)}_PORT_END=${end.num}`,
      );
    }
    start = p;
    end = p;
  }
  env.push(`${alias}_NAME=${linkName}`);
  for (const v of childEnv) {
    const eq = v.indexOf('=');
    if (eq === -1) continue;
    const name = v.slice(0, eq);
    if (name === 'HOME' || name === 'PATH') continue;
    env.push(`${alias}_ENV_${name}=${v.slice(eq + 1)}`);
  }
  return env;
}

/**
 * A stored link (`/child:/parent/alias`) after container `from` is renamed `to`: dockerd keeps links
 * by container, so both ends follow a rename.
 */
export function renameInLink(link: string, from: string, to: string): string {
  const colon = link.indexOf(':');
  if (colon === -1) return link;
  const child = link.slice(0, colon);
  const name = link.slice(colon + 1);
  return `${child === `/${from}` ? `/${to}` : child}:${name.startsWith(`/${from}/`) ? `/${to}/${name.slice(from.length + 2)}` : name}`;
}

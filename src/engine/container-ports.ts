import type { Protocol } from '../network/port-rules.js';
import type { ContainerRecord } from './container-model.js';

/** One of the ports `ps` lists: a published binding (with its host side), or an exposed port none publishes. */
export interface ListedPort {
  privatePort: number;
  proto: Protocol;
  publicPort?: number;
  hostIp?: string;
}

/** Running or paused: the container's endpoints (and so its published ports) exist. */
export const hasLiveEndpoints = (c: ContainerRecord): boolean => c.state.status === 'running' || c.state.status === 'paused';

/** The ports of a container as `ps` shows them (and its publish/expose filters match them): none unless it runs. */
export function listedPorts(c: ContainerRecord): ListedPort[] {
  if (!hasLiveEndpoints(c)) return [];
  const out: ListedPort[] = (c.networks ?? [])
    .flatMap((a) => a.endpoint?.ports ?? [])
    .map((p) => ({ privatePort: p.containerPort, proto: p.proto, publicPort: p.hostPort, hostIp: p.hostIp }));
  for (const key of Object.keys(c.config.ExposedPorts ?? {})) {
    const [port, proto = 'tcp'] = key.split('/');
    const n = Number(port);
    if (!out.some((p) => p.privatePort === n && p.proto === proto)) out.push({ privatePort: n, proto: proto as Protocol });
  }
  return out;
}

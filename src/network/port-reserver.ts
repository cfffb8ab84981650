import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { conflict } from '../lib/errors.js';
import { runProgram } from '../lib/exec-file.js';
import type { PortRequest, PublishedPort } from './port-rules.js';

type Holder = Server | Socket;

/**
 * Holds host ports for published container ports, as Docker does: the daemon binds each port and
 * keeps it, so no host process can take a port a container publishes, a port already in use fails
 * the start, and an ephemeral port comes from the kernel's own range.
 */
export class PortReserver {
  private readonly held = new Map<string, { port: PublishedPort; holder: Holder }[]>();

  /** Binds every request for `owner`; all or nothing. */
  async reserve(owner: string, requests: readonly PortRequest[], target: string, endpoint = ''): Promise<PublishedPort[]> {
    const taken: { port: PublishedPort; holder: Holder }[] = [];
    try {
      for (const r of requests) taken.push(await this.bindOne(r, target, endpoint));
    } catch (e) {
      await Promise.all(taken.map((t) => close(t.holder)));
      throw e;
    }
    this.held.set(owner, [...(this.held.get(owner) ?? []), ...taken]);
    return taken.map((t) => t.port);
  }

  /** Re-binds ports recorded before a daemon restart; ports another process took meanwhile are reported. */
  async readopt(owner: string, ports: readonly PublishedPort[], target: string): Promise<string[]> {
    const problems: string[] = [];
    for (const p of ports) {
      try {
        await this.reserve(owner, [{ proto: p.proto, containerPort: p.containerPort, hostIp: p.hostIp, hostPort: [p.hostPort, p.hostPort] }], target);
      } catch (e) {
        problems.push(e instanceof Error ? e.message : String(e));
      }
    }
    return problems;
  }

  async release(owner: string): Promise<void> {
    const list = this.held.get(owner) ?? [];
    this.held.delete(owner);
    await Promise.all(list.map((t) => close(t.holder)));
  }

  private holdsPort(proto: string, port: number): boolean {
    return [...this.held.values()].some((list) => list.some((t) => t.port.proto === proto && t.port.hostPort === port));
  }

  private async bindOne(r: PortRequest, target: string, endpoint: string): Promise<{ port: PublishedPort; holder: Holder }> {
    const hostIp = r.hostIp || '0.0.0.0';
    const [lo, hi] = r.hostPort;
    let lastError: unknown;
    for (let port = lo; port <= hi; port++) {
      try {
        const { holder, bound } = await bind(r.proto, hostIp, port);
        return { port: { proto: r.proto, containerPort: r.containerPort, hostIp, hostPort: bound }, holder };
      } catch (e) {
        lastError = e;
      }
    }
    const shown = lo === hi ? String(lo) : `${lo}-${hi}`;
    if (lo === hi && this.holdsPort(r.proto, lo)) {
      throw conflict('port_allocated', `driver failed programming external connectivity on endpoint${endpoint ? ` ${endpoint}` : ''}: Bind for ${hostIp}:${lo} failed: port is already allocated`, lastError);
    }
    const code = (lastError as NodeJS.ErrnoException | undefined)?.code;
    const why = code === 'EADDRINUSE' ? 'address already in use' : code === 'EADDRNOTAVAIL' ? 'cannot assign requested address' : String(lastError);
    const holderText = code === 'EADDRINUSE' && lo === hi ? await describeHolder(r.proto, lo) : '';
    throw conflict(
      'port_in_use',
      `driver failed programming external connectivity on endpoint${endpoint ? ` ${endpoint}` : ''}: failed to bind host port for ${hostIp}:${shown}:${target}:${r.containerPort}/${r.proto}: ${why}${holderText}`,
      lastError,
    );
  }
}

function bind(proto: string, ip: string, port: number): Promise<{ holder: Holder; bound: number }> {
  return new Promise((resolve, reject) => {
    if (proto === 'udp') {
      const s = createSocket('udp4');
      s.once('error', reject);
      s.bind(port, ip, () => {
        s.removeListener('error', reject);
        s.unref();
        resolve({ holder: s, bound: s.address().port });
      });
      return;
    }
    // Connections never reach it: the DNAT rules redirect them before local delivery.
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ port, host: ip, exclusive: true }, () => {
      srv.removeListener('error', reject);
      srv.unref();
      const a = srv.address();
      resolve({ holder: srv, bound: typeof a === 'object' && a ? a.port : port });
    });
  });
}

function close(h: Holder): Promise<void> {
  return new Promise((resolve) => h.close(() => resolve()));
}

/** ` (held by NAME pid N)` from ss, when the holder of a port can be seen; empty otherwise. */
async function describeHolder(proto: string, port: number): Promise<string> {
  const r = await runProgram('ss', ['-H', '-n', '-p', proto === 'udp' ? '-ulp' : '-ltp', `sport = :${port}`]).catch(() => undefined);
  const m = r && /users:\(\("([^"]+)",pid=(\d+)/.exec(r.stdout);
  return m ? ` (held by ${m[1]} pid ${m[2]})` : '';
}

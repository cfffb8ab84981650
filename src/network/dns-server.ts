import { createSocket, type Socket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { RCODE_NXDOMAIN, RCODE_OK, RCODE_SERVFAIL, TYPE_A, buildAnswer, formatError, parseQuery, type DnsQuery } from './dns-packet.js';

const FORWARD_TIMEOUT_MS = 3000;

/**
 * The embedded DNS server of one user network. It listens on the network's gateway address, port
 * 53, and containers' resolv.conf names that address. Docker instead serves 127.0.0.11 from inside
 * each container's namespace; reaching the daemon from there needs a DNAT from loopback to a
 * non-local address, which the kernel drops as martian unless route_localnet and an SNAT are set
 * in every namespace. The gateway is reachable from every container of the network as it is, and
 * each network has a server of its own that answers only the names of its own containers.
 *
 * Names of containers (name, aliases, id and short id) on the network, or on another network the
 * asking container is on too, are answered here; other
 * names are forwarded to the host's resolvers, from the daemon's namespace, so loopback resolvers
 * such as systemd-resolved work too.
 */
export class EmbeddedDns {
  private socket: Socket | undefined;

  constructor(
    /** Addresses of `name` for a query sent from address `from`. */
    private readonly lookup: (name: string, from: string) => string[],
    private readonly log: Logger,
  ) {}

  async listen(address: string): Promise<void> {
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    socket.on('message', (msg, rinfo) => {
      this.answer(msg, rinfo.address)
        .then((reply) => socket.send(reply, rinfo.port, rinfo.address))
        .catch((e: unknown) => this.log.warn(`dns ${address}: ${errorMessage(e)}`));
    });
    await new Promise<void>((resolve, reject) => {
      const failed = (e: Error) => {
        socket.close();
        reject(e);
      };
      socket.once('error', failed);
      socket.bind(53, address, () => {
        socket.off('error', failed);
        socket.on('error', (e) => this.log.warn(`dns ${address}: ${e.message}`));
        resolve();
      });
    });
    this.socket = socket;
  }

  close(): void {
    this.socket?.close();
    this.socket = undefined;
  }

  private async answer(msg: Buffer, from: string): Promise<Buffer> {
    const q = parseQuery(msg);
    if (!q) return formatError(msg);
    const local = this.lookup(q.name, from);
    // A known name: its A records; for other types (AAAA…) an empty answer, so clients fall back to A.
    if (local.length > 0) return buildAnswer(q, q.type === TYPE_A ? local : [], RCODE_OK);
    if (!q.name.includes('.')) return buildAnswer(q, [], RCODE_NXDOMAIN);
    return this.forward(msg, q);
  }

  private async forward(msg: Buffer, q: DnsQuery): Promise<Buffer> {
    for (const server of await hostResolvers()) {
      const reply = await exchange(server, msg).catch(() => undefined);
      if (reply) return reply;
    }
    return buildAnswer(q, [], RCODE_SERVFAIL);
  }
}

async function hostResolvers(): Promise<string[]> {
  const text = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
  return [...text.matchAll(/^\s*nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/gm)].map((m) => m[1] ?? '').filter(Boolean);
}

function exchange(server: string, msg: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      reject(new Error(`no answer from ${server}`));
    }, FORWARD_TIMEOUT_MS);
    s.once('message', (reply) => {
      clearTimeout(timer);
      s.close();
      resolve(reply);
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      s.close();
      reject(e);
    });
    s.send(msg, 53, server);
  });
}

import { createSocket, type Socket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { RCODE_NXDOMAIN, RCODE_OK, RCODE_SERVFAIL, TYPE_A, buildAnswer, formatError, parseQuery, type DnsQuery } from './dns-packet.js';

const FORWARD_TIMEOUT_MS = 3000;
const TCP_IDLE_MS = 10_000;

/**
 * The embedded DNS server of one user network, on udp and tcp port 53 of the network's gateway.
 * Containers' resolv.conf names 127.0.0.11, as Docker's; a NAT in each container's namespace (see
 * dns-nat.ts) takes those queries to the gateway from the container's address on the network, so
 * the source address says who asks. Each network has a server of its own.
 *
 * Names of containers (name, aliases, id and short id) on the network, or on another network the
 * asking container is on too, are answered here; other
 * names are forwarded to the asker's or the daemon's --dns servers, or else the host's resolvers, from the daemon's
 * namespace, so loopback resolvers such as systemd-resolved work too. A resolver that does not
 * answer in FORWARD_TIMEOUT_MS is skipped; when none answers the client gets SERVFAIL.
 */
export class EmbeddedDns {
  private socket: Socket | undefined;
  private tcp: Server | undefined;

  constructor(
    /** Addresses of `name` for a query sent from address `from`. */
    private readonly lookup: (name: string, from: string) => string[],
    private readonly log: Logger,
    /** Where other names asked from address `from` go (the container's or the daemon's --dns); empty = the host's resolvers. */
    private readonly upstreams: (from: string) => readonly string[] = () => [],
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
    const tcp = createServer((conn) => this.serveTcp(conn, address));
    await new Promise<void>((resolve, reject) => {
      const failed = (e: Error) => {
        this.close();
        reject(e);
      };
      tcp.once('error', failed);
      tcp.listen(53, address, () => {
        tcp.off('error', failed);
        tcp.on('error', (e) => this.log.warn(`dns ${address}/tcp: ${e.message}`));
        resolve();
      });
    });
    this.tcp = tcp;
  }

  /** DNS over TCP: messages with a two-byte length prefix, answered in turn until the client closes. */
  private serveTcp(conn: TcpSocket, address: string): void {
    let pending = Buffer.alloc(0);
    let chain = Promise.resolve();
    conn.setTimeout(TCP_IDLE_MS, () => conn.destroy());
    conn.on('error', () => conn.destroy());
    conn.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const msg = pending.subarray(2, 2 + pending.readUInt16BE(0));
        pending = pending.subarray(2 + msg.length);
        chain = chain
          .then(() => this.answer(msg, conn.remoteAddress ?? ''))
          .then((reply) => {
            const len = Buffer.alloc(2);
            len.writeUInt16BE(reply.length);
            conn.write(Buffer.concat([len, reply]));
          })
          .catch((e: unknown) => this.log.warn(`dns ${address}/tcp: ${errorMessage(e)}`));
      }
    });
  }

  close(): void {
    this.socket?.close();
    this.socket = undefined;
    this.tcp?.close();
    this.tcp = undefined;
  }

  private async answer(msg: Buffer, from: string): Promise<Buffer> {
    const q = parseQuery(msg);
    if (!q) return formatError(msg);
    const local = this.lookup(q.name, from);
    // A known name: its A records; for other types (AAAA…) an empty answer, so clients fall back to A.
    if (local.length > 0) return buildAnswer(q, q.type === TYPE_A ? local : [], RCODE_OK);
    if (!q.name.includes('.')) return buildAnswer(q, [], RCODE_NXDOMAIN);
    return this.forward(msg, q, from);
  }

  private async forward(msg: Buffer, q: DnsQuery, from: string): Promise<Buffer> {
    const upstreams = this.upstreams(from);
    for (const server of upstreams.length > 0 ? upstreams : await hostResolvers()) {
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

/** Minimal DNS message handling (RFC 1035) for the embedded resolver: read a query, answer A records. */

export const TYPE_A = 1;
export const CLASS_IN = 1;
export const RCODE_OK = 0;
export const RCODE_FORMERR = 1;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;

export interface DnsQuery {
  id: number;
  /** Header flags as received: RD is echoed in the answer. */
  flags: number;
  /** Lower-cased, without the trailing dot. */
  name: string;
  type: number;
  qclass: number;
  /** The question section's bytes, copied into the answer verbatim. */
  question: Buffer;
}

/** Parses a standard query with one question; undefined for anything else (responses, compressed or truncated questions). */
export function parseQuery(msg: Buffer): DnsQuery | undefined {
  if (msg.length < 12) return undefined;
  const flags = msg.readUInt16BE(2);
  const isResponse = (flags & 0x8000) !== 0;
  const opcode = (flags >> 11) & 0xf;
  if (isResponse || opcode !== 0 || msg.readUInt16BE(4) !== 1) return undefined;
  const labels: string[] = [];
  let off = 12;
  for (;;) {
    const len = msg[off];
    if (len === undefined || len > 63) return undefined;
    off += 1;
    if (len === 0) break;
    if (off + len > msg.length) return undefined;
    labels.push(msg.toString('latin1', off, off + len));
    off += len;
  }
  if (off + 4 > msg.length) return undefined;
  return {
    id: msg.readUInt16BE(0),
    flags,
    name: labels.join('.').toLowerCase(),
    type: msg.readUInt16BE(off),
    qclass: msg.readUInt16BE(off + 2),
    question: msg.subarray(12, off + 4),
  };
}

/** The answer to `q`: A records for `addresses` (IPv4 dotted quads) with `ttl`, or an empty answer with `rcode`. */
export function buildAnswer(q: DnsQuery, addresses: readonly string[], rcode = RCODE_OK, ttl = 600): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  // QR, AA and RA set; RD echoed from the query.
  header.writeUInt16BE(0x8000 | 0x0400 | (q.flags & 0x0100) | 0x0080 | (rcode & 0xf), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(addresses.length, 6);
  const answers = addresses.map((a) => {
    const rr = Buffer.alloc(16);
    // A pointer to the name in the question, which starts at offset 12.
    rr.writeUInt16BE(0xc00c, 0);
    rr.writeUInt16BE(TYPE_A, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(ttl, 6);
    rr.writeUInt16BE(4, 10);
    a.split('.').forEach((part, i) => rr.writeUInt8(Number(part), 12 + i));
    return rr;
  });
  return Buffer.concat([header, q.question, ...answers]);
}

/** A FORMERR answer echoing only the id of a message that could not be parsed. */
export function formatError(msg: Buffer): Buffer {
  const header = Buffer.alloc(12);
  if (msg.length >= 2) msg.copy(header, 0, 0, 2);
  header.writeUInt16BE(0x8000 | RCODE_FORMERR, 2);
  return header;
}

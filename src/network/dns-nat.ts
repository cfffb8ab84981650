import { runChecked } from '../lib/exec-file.js';

/** The address containers' resolv.conf names, as Docker's: served through NAT by the network's embedded DNS. */
export const EMBEDDED_DNS_ADDRESS = '127.0.0.11';

/** Where a container's DNS queries go: a user network's gateway, asked from the container's address on it. */
export interface DnsTarget {
  gateway: string;
  address: string;
}

/**
 * The nat table of a container's namespace (only berth writes it): queries to 127.0.0.11:53, udp
 * and tcp, are DNATed to the gateway's embedded DNS and SNATed to the container's address there,
 * which is how the server knows who asks. Without a target the table is emptied (the container
 * left its last user network). A whole-table restore replaces the previous target in one step.
 */
export function dnsNatRules(target?: DnsTarget): string {
  const lines = ['*nat', ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]'];
  if (target) {
    for (const proto of ['udp', 'tcp']) {
      lines.push(`-A OUTPUT -d ${EMBEDDED_DNS_ADDRESS}/32 -p ${proto} -m ${proto} --dport 53 -j DNAT --to-destination ${target.gateway}:53`);
      lines.push(`-A POSTROUTING -s 127.0.0.0/8 -d ${target.gateway}/32 -p ${proto} -m ${proto} --dport 53 -j SNAT --to-source ${target.address}`);
    }
  }
  lines.push('COMMIT', '');
  return lines.join('\n');
}

/**
 * Installs dnsNatRules in the namespace at `netnsPath`, with route_localnet on in that namespace
 * only (a loopback-sourced packet may then leave through ethN before its SNAT): one process, so a
 * start pays a few ms.
 */
export async function redirectEmbeddedDns(netnsPath: string, target?: DnsTarget): Promise<void> {
  await runChecked('nsenter', [`--net=${netnsPath}`, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet && exec iptables-restore'], {
    input: dnsNatRules(target),
  });
}

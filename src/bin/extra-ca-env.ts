/**
 * Puts NODE_EXTRA_CA_CERTS back into the environment. The launcher (src/bin/berth.sh) starts node
 * without it, as BERTH_NODE_EXTRA_CA_CERTS: Node 20 reads and parses every root certificate at
 * start-up when it is set (~40 ms and ~1.6 MB). The CLI never speaks TLS; berthd adds the file's
 * certificates to its registry connections itself (src/distribution/registry-client.ts). What
 * either starts gets the variable as it was.
 */
export function restoreExtraCaEnv(): void {
  const extraCa = process.env['BERTH_NODE_EXTRA_CA_CERTS'];
  if (extraCa !== undefined) {
    process.env['NODE_EXTRA_CA_CERTS'] = extraCa;
    delete process.env['BERTH_NODE_EXTRA_CA_CERTS'];
  }
}

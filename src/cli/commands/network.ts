import { encodeFilters } from '../../api/client/engine-client.js';
import { isBerthError } from '../../lib/errors.js';
import { parseLink } from '../../lib/link-spec.js';
import type { NetworkResource } from '../../api/types/index.js';
import { describeError, type CommandDef } from '../command.js';
import { filterFlag, formatFlag, parseFilters } from '../filters.js';
import { renderList } from '../format/formatter.js';
import { keyValues } from './volume.js';
import { inspectObjects } from '../inspect-objects.js';
import { splitKeyValue } from '../opts.js';
import { ipamConfig } from '../network-attach.js';

const LS_FORMAT = 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';
const LS_HEADERS: Record<string, string> = { ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', IPv4: 'IPV4', IPv6: 'IPV6', Internal: 'INTERNAL', CreatedAt: 'CREATED AT', Labels: 'LABELS' };

export const networkLsCommand: CommandDef = {
  usage: '[OPTIONS]',
  aliases: ['network ls', 'network list'],
  flags: [
    { ...filterFlag, description: 'Provide filter values (e.g. "driver=bridge")' },
    formatFlag(true),
    { name: 'no-trunc', type: 'bool', description: 'Do not truncate the output' },
    { name: 'quiet', short: 'q', type: 'bool', description: 'Only display network IDs' },
  ],
  args: { kind: 'none' },
  run: async (ctx, flags) => {
    const networks = await ctx.client().json<NetworkResource[]>('GET', '/networks', { query: { filters: encodeFilters(parseFilters(flags.list('filter'))) } });
    const trunc = !flags.bool('no-trunc');
    // docker sorts by name, whatever order the daemon answers in.
    const rows = [...networks].sort((a, b) => a.Name.localeCompare(b.Name)).map((n) => ({
      ID: trunc ? n.Id.slice(0, 12) : n.Id,
      Name: n.Name,
      Driver: n.Driver,
      Scope: n.Scope,
      IPv4: String(n.EnableIPv4),
      IPv6: String(n.EnableIPv6),
      Internal: String(n.Internal),
      CreatedAt: n.Created,
      Labels: Object.entries(n.Labels ?? {}).map(([k, v]) => `${k}=${v}`).join(','),
    }));
    ctx.io.stdout.write(renderList({ format: flags.string('format'), defaultFormat: LS_FORMAT, headers: LS_HEADERS, rows, quiet: flags.bool('quiet') }));
    return 0;
  },
};

export const networkInspectCommand: CommandDef = {
  usage: '[OPTIONS] NETWORK [NETWORK...]',
  flags: [
    { ...formatFlag(false), short: 'f' },
    { name: 'verbose', short: 'v', type: 'bool', description: 'Verbose output for diagnostics' },
  ],
  args: { kind: 'min', n: 1 },
  run: (ctx, flags) => inspectObjects(ctx, flags.args, (name) => `/networks/${name}`, flags.string('format')),
};

export const networkCreateCommand: CommandDef = {
  usage: '[OPTIONS] NETWORK',
  flags: [
    { name: 'attachable', type: 'bool', description: 'Enable manual container attachment' },
    { name: 'aux-address', type: 'list', valueName: 'map', description: 'Auxiliary IPv4 or IPv6 addresses used by Network driver', defaultText: 'map[]' },
    { name: 'driver', short: 'd', type: 'string', description: 'Driver to manage the Network', defaultText: '"bridge"' },
    { name: 'gateway', type: 'list', valueName: 'strings', description: 'IPv4 or IPv6 Gateway for the master subnet' },
    { name: 'internal', type: 'bool', description: 'Restrict external access to the network' },
    { name: 'ip-range', type: 'list', valueName: 'strings', description: 'Allocate container ip from a sub-range' },
    { name: 'ipam-driver', type: 'string', description: 'IP Address Management Driver', defaultText: '"default"' },
    { name: 'label', type: 'list', description: 'Set metadata on a network' },
    { name: 'opt', short: 'o', type: 'list', valueName: 'map', description: 'Set driver specific options', defaultText: 'map[]' },
    { name: 'subnet', type: 'list', valueName: 'strings', description: 'Subnet in CIDR format that represents a network segment' },
  ],
  args: { kind: 'exact', n: 1 },
  run: async (ctx, flags) => {
    const subnet = flags.list('subnet')[0];
    const gateway = flags.list('gateway')[0];
    const ipRange = flags.list('ip-range')[0];
    const aux = keyValues(flags.list('aux-address'));
    // docker/cli's own check: the daemon sees only whole entries.
    if (subnet === undefined && (gateway !== undefined || ipRange !== undefined)) {
      ctx.io.stderr.write('every ip-range or gateway must have a corresponding subnet\n');
      return 1;
    }
    const r = await ctx.client().json<{ Id: string }>('POST', '/networks/create', {
      json: {
        Name: flags.args[0],
        Driver: flags.string('driver') ?? 'bridge',
        Internal: flags.bool('internal'),
        Attachable: flags.bool('attachable'),
        IPAM: {
          Driver: flags.string('ipam-driver') ?? 'default',
          Options: {},
          Config: subnet === undefined ? [] : [{ Subnet: subnet, IPRange: ipRange, Gateway: gateway, AuxiliaryAddresses: aux }],
        },
        Labels: keyValues(flags.list('label')),
        Options: keyValues(flags.list('opt')),
      },
    });
    ctx.io.stdout.write(`${r.Id}\n`);
    return 0;
  },
};

export const networkRmCommand: CommandDef = {
  usage: 'NETWORK [NETWORK...]',
  aliases: ['network rm', 'network remove'],
  flags: [{ name: 'force', short: 'f', type: 'bool', description: 'Do not error if the network does not exist' }],
  args: { kind: 'min', n: 1 },
  run: async (ctx, flags) => {
    let failed = false;
    for (const name of flags.args) {
      try {
        await ctx.client().empty('DELETE', `/networks/${encodeURIComponent(name)}`);
        ctx.io.stdout.write(`${name}\n`);
      } catch (e) {
        if (flags.bool('force') && isBerthError(e, 'NotFound')) continue;
        failed = true;
        ctx.io.stderr.write(`${describeError(e)}\n`);
      }
    }
    return failed ? 1 : 0;
  },
};

export const networkConnectCommand: CommandDef = {
  usage: '[OPTIONS] NETWORK CONTAINER',
  flags: [
    { name: 'alias', type: 'list', valueName: 'strings', description: 'Add network-scoped alias for the container' },
    { name: 'driver-opt', type: 'list', valueName: 'strings', description: 'driver options for the network' },
    { name: 'ip', type: 'string', description: 'IPv4 address (e.g., "172.30.100.104")' },
    { name: 'ip6', type: 'string', description: 'IPv6 address (e.g., "2001:db8::33")' },
    { name: 'link', type: 'list', description: 'Add link to another container', validate: (v) => void parseLink(v) },
    { name: 'link-local-ip', type: 'list', valueName: 'strings', description: 'Add a link-local address for the container' },
  ],
  args: { kind: 'exact', n: 2 },
  run: async (ctx, flags) => {
    const [network, container] = flags.args as [string, string];
    const ip = flags.string('ip');
    const ip6 = flags.string('ip6');
    const linkLocal = flags.list('link-local-ip');
    const links = flags.list('link');
    const aliases = flags.list('alias');
    // docker's CLI: key=value pairs, keys lower-cased.
    const driverOpts = Object.fromEntries(flags.list('driver-opt').map((o) => splitKeyValue(o)).map(([k, v]) => [k.trim().toLowerCase(), v.trim()]));
    await ctx.client().empty('POST', `/networks/${encodeURIComponent(network)}/connect`, {
      json: {
        Container: container,
        EndpointConfig: {
          ...(aliases.length > 0 ? { Aliases: aliases } : {}),
          ...(links.length > 0 ? { Links: links } : {}),
          ...ipamConfig(ip, ip6, linkLocal),
          ...(Object.keys(driverOpts).length > 0 ? { DriverOpts: driverOpts } : {}),
        },
      },
    });
    return 0;
  },
};

export const networkDisconnectCommand: CommandDef = {
  usage: '[OPTIONS] NETWORK CONTAINER',
  flags: [{ name: 'force', short: 'f', type: 'bool', description: 'Force the container to disconnect from a network' }],
  args: { kind: 'exact', n: 2 },
  run: async (ctx, flags) => {
    const [network, container] = flags.args as [string, string];
    await ctx.client().empty('POST', `/networks/${encodeURIComponent(network)}/disconnect`, { json: { Container: container, Force: flags.bool('force') } });
    return 0;
  },
};

import { isBerthError } from '../../lib/errors.js';
import type { NetworkResource } from '../../api/types/index.js';
import type { CommandDef } from '../command.js';
import { filterFlag, formatFlag } from '../filters.js';
import { renderJsonOrTemplate, renderList } from '../format/formatter.js';

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
    const networks = await ctx.client().json<NetworkResource[]>('GET', '/networks');
    const trunc = !flags.bool('no-trunc');
    const rows = networks.map((n) => ({
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
  run: async (ctx, flags) => {
    const found: NetworkResource[] = [];
    const errors: string[] = [];
    for (const name of flags.args) {
      try {
        found.push(await ctx.client().json<NetworkResource>('GET', `/networks/${encodeURIComponent(name)}`));
      } catch (e) {
        if (!isBerthError(e, 'NotFound')) throw e;
        errors.push(`Error response from daemon: ${e.message}`);
      }
    }
    ctx.io.stdout.write(renderJsonOrTemplate(flags.string('format'), found));
    for (const e of errors) ctx.io.stderr.write(`${e}\n`);
    return errors.length > 0 ? 1 : 0;
  },
};

import { encodeFilters } from '../../api/client/engine-client.js';
import { describeError, type CommandDef } from '../command.js';
import { filterFlag, formatFlag, parseFilters } from '../filters.js';
import { renderList } from '../format/formatter.js';
import { inspectObjects } from '../inspect-objects.js';

interface VolumeWire {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string> | null;
  Options: Record<string, string> | null;
  Scope: string;
}

const LS_FORMAT = 'table {{.Driver}}\t{{.Name}}';
const LS_HEADERS: Record<string, string> = { Driver: 'DRIVER', Name: 'VOLUME NAME', Mountpoint: 'MOUNTPOINT', Scope: 'SCOPE', Labels: 'LABELS', CreatedAt: 'CREATED AT' };

export function keyValues(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq === -1) out[v] = '';
    else out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

export const volumeCreateCommand: CommandDef = {
  usage: '[OPTIONS] [VOLUME]',
  flags: [
    { name: 'driver', short: 'd', type: 'string', description: 'Specify volume driver name', defaultText: '"local"' },
    { name: 'label', type: 'list', description: 'Set metadata for a volume' },
    { name: 'opt', short: 'o', type: 'list', description: 'Set driver specific options' },
    { name: 'name', type: 'string', description: 'Specify volume name' },
  ],
  args: { kind: 'max', n: 1 },
  run: async (ctx, flags) => {
    const positional = flags.args[0];
    const named = flags.string('name');
    if (positional !== undefined && named !== undefined && named !== '' && positional !== named) {
      ctx.io.stderr.write(`Conflicting options: either specify --name or provide positional arg, not both\n`);
      return 1;
    }
    const v = await ctx.client().json<VolumeWire>('POST', '/volumes/create', {
      json: { Name: positional ?? named ?? '', Driver: flags.string('driver') ?? 'local', DriverOpts: keyValues(flags.list('opt')), Labels: keyValues(flags.list('label')) },
    });
    ctx.io.stdout.write(`${v.Name}\n`);
    return 0;
  },
};

export const volumeLsCommand: CommandDef = {
  usage: '[OPTIONS]',
  aliases: ['volume ls', 'volume list'],
  flags: [
    { ...filterFlag, description: 'Provide filter values (e.g. "dangling=true")' },
    formatFlag(true),
    { name: 'quiet', short: 'q', type: 'bool', description: 'Only display volume names' },
  ],
  args: { kind: 'none' },
  run: async (ctx, flags) => {
    const res = await ctx.client().json<{ Volumes: VolumeWire[] | null }>('GET', '/volumes', {
      query: { filters: encodeFilters(parseFilters(flags.list('filter'))) },
    });
    const rows = (res.Volumes ?? []).map((v) => ({
      Driver: v.Driver,
      Name: v.Name,
      Mountpoint: v.Mountpoint,
      Scope: v.Scope,
      CreatedAt: v.CreatedAt,
      Labels: Object.entries(v.Labels ?? {}).map(([k, val]) => `${k}=${val}`).join(','),
    }));
    ctx.io.stdout.write(renderList({ format: flags.string('format'), defaultFormat: LS_FORMAT, headers: LS_HEADERS, rows, quiet: flags.bool('quiet'), quietFormat: '{{.Name}}' }));
    return 0;
  },
};

export const volumeInspectCommand: CommandDef = {
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  flags: [{ ...formatFlag(false), short: 'f' }],
  args: { kind: 'min', n: 1 },
  run: (ctx, flags) => inspectObjects(ctx, flags.args, (name) => `/volumes/${name}`, flags.string('format')),
};

export const volumeRmCommand: CommandDef = {
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  aliases: ['volume rm', 'volume remove'],
  flags: [{ name: 'force', short: 'f', type: 'bool', description: 'Force the removal of one or more volumes' }],
  args: { kind: 'min', n: 1 },
  run: async (ctx, flags) => {
    let failed = false;
    for (const name of flags.args) {
      try {
        await ctx.client().empty('DELETE', `/volumes/${encodeURIComponent(name)}`, { query: { force: flags.bool('force') } });
        ctx.io.stdout.write(`${name}\n`);
      } catch (e) {
        failed = true;
        ctx.io.stderr.write(`${describeError(e)}\n`);
      }
    }
    return failed ? 1 : 0;
  },
};

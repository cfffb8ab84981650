import { encodeFilters, type Filters } from '../../api/client/engine-client.js';
import type { ContainerPruneResponse, ImagePruneResponse } from '../../api/types/index.js';
import type { CommandContext, CommandDef } from '../command.js';
import { parseFilters } from '../filters.js';
import type { FlagSpec } from '../flags.js';
import { humanSize } from '../format/units.js';
import { confirm } from '../prompt.js';

/** What one pruner did: bytes freed and its report text (empty when it removed nothing). */
interface PruneResult {
  reclaimed: number;
  output: string;
}

type Pruner = (ctx: CommandContext, filters: Filters, all: boolean) => Promise<PruneResult>;

const list = (title: string, items: readonly string[]): string => (items.length > 0 ? `${title}:\n${items.map((i) => `${i}\n`).join('')}` : '');

const post = <T>(ctx: CommandContext, path: string, filters: Filters, query: Record<string, string | boolean | undefined> = {}): Promise<T> =>
  ctx.client().json<T>('POST', path, { query: { ...query, filters: encodeFilters(filters) } });

const pruneContainers: Pruner = async (ctx, filters) => {
  const r = await post<ContainerPruneResponse>(ctx, '/containers/prune', filters);
  return { reclaimed: r.SpaceReclaimed, output: list('Deleted Containers', r.ContainersDeleted ?? []) };
};

const pruneNetworks: Pruner = async (ctx, filters) => {
  const r = await post<{ NetworksDeleted: string[] | null }>(ctx, '/networks/prune', filters);
  return { reclaimed: 0, output: list('Deleted Networks', r.NetworksDeleted ?? []) };
};

const pruneVolumes: Pruner = async (ctx, filters, all) => {
  const r = await post<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }>(ctx, '/volumes/prune', all ? { ...filters, all: ['true'] } : filters);
  return { reclaimed: r.SpaceReclaimed, output: list('Deleted Volumes', r.VolumesDeleted ?? []) };
};

const pruneImages: Pruner = async (ctx, filters, all) => {
  const r = await post<ImagePruneResponse>(ctx, '/images/prune', { ...filters, dangling: [all ? 'false' : 'true'] });
  const lines = (r.ImagesDeleted ?? []).map((d) => (d.Untagged ? `untagged: ${d.Untagged}` : `deleted: ${d.Deleted ?? ''}`));
  return { reclaimed: r.SpaceReclaimed, output: list('Deleted Images', lines) };
};

const pruneBuildCache: Pruner = async (ctx, filters, all) => {
  const r = await post<{ CachesDeleted: string[] | null; SpaceReclaimed: number }>(ctx, '/build/prune', filters, { all: all || undefined });
  return { reclaimed: r.SpaceReclaimed, output: list('Deleted build cache objects', r.CachesDeleted ?? []) };
};

const forceFlag: FlagSpec = { name: 'force', short: 'f', type: 'bool', description: 'Do not prompt for confirmation' };
const filterFlag = (example: string): FlagSpec => ({ name: 'filter', type: 'list', valueName: 'filter', description: `Provide filter values (e.g. "${example}")` });

/** One `<kind> prune` command: warning, confirmation, the pruner's report, and the total unless the kind frees no space. */
function pruneCommand(opts: {
  pruner: Pruner;
  warning: (all: boolean) => string;
  allFlag?: FlagSpec;
  filterExample: string;
  total: boolean;
  /** docker's builder prune asks on the warning's line. */
  sameLine?: boolean;
}): CommandDef {
  return {
    usage: '[OPTIONS]',
    flags: [...(opts.allFlag ? [opts.allFlag] : []), filterFlag(opts.filterExample), forceFlag],
    args: { kind: 'none' },
    run: async (ctx, flags) => {
      const all = opts.allFlag ? flags.bool(opts.allFlag.name) : false;
      const message = `WARNING! This will remove ${opts.warning(all)}.${opts.sameLine ? ' ' : '\n'}Are you sure you want to continue?`;
      if (!flags.bool('force') && !(await confirm(ctx.io, message))) return 0;
      const r = await opts.pruner(ctx, parseFilters(flags.list('filter')), all);
      if (r.output !== '') ctx.io.stdout.write(`${r.output}\n`);
      if (opts.total) ctx.io.stdout.write(`Total reclaimed space: ${humanSize(r.reclaimed)}\n`);
      return 0;
    },
  };
}

export const containerPruneCommand = pruneCommand({
  pruner: pruneContainers,
  warning: () => 'all stopped containers',
  filterExample: 'until=<timestamp>',
  total: true,
});

export const imagePruneCommand = pruneCommand({
  pruner: pruneImages,
  warning: (all) => (all ? 'all images without at least one container associated to them' : 'all dangling images'),
  allFlag: { name: 'all', short: 'a', type: 'bool', description: 'Remove all unused images, not just dangling ones' },
  filterExample: 'until=<timestamp>',
  total: true,
});

export const networkPruneCommand = pruneCommand({
  pruner: pruneNetworks,
  warning: () => 'all custom networks not used by at least one container',
  filterExample: 'until=<timestamp>',
  total: false,
});

export const volumePruneCommand = pruneCommand({
  pruner: pruneVolumes,
  warning: (all) => `${all ? 'all' : 'anonymous'} local volumes not used by at least one container`,
  allFlag: { name: 'all', short: 'a', type: 'bool', description: 'Remove all unused volumes, not just anonymous ones' },
  filterExample: 'label=<label>',
  total: true,
});

export const builderPruneCommand = pruneCommand({
  pruner: pruneBuildCache,
  warning: (all) => (all ? 'all build cache' : 'all dangling build cache'),
  allFlag: { name: 'all', short: 'a', type: 'bool', description: 'Remove all unused build cache, not just dangling ones' },
  filterExample: 'until=24h',
  total: true,
  sameLine: true,
});

/** The fixed order of label/until terms docker lists under its warning. */
function filterLines(filters: Filters): string[] {
  const out: string[] = [];
  for (const name of ['label', 'label!', 'until']) for (const v of filters[name] ?? []) out.push(`${name}=${v}`);
  return out.sort();
}

export const systemPruneCommand: CommandDef = {
  usage: '[OPTIONS]',
  flags: [
    { name: 'all', short: 'a', type: 'bool', description: 'Remove all unused images not just dangling ones' },
    filterFlag('label=<key>=<value>'),
    forceFlag,
    { name: 'volumes', type: 'bool', description: 'Prune anonymous volumes' },
  ],
  args: { kind: 'none' },
  run: async (ctx, flags) => {
    const all = flags.bool('all');
    const volumes = flags.bool('volumes');
    const filters = parseFilters(flags.list('filter'));
    if (volumes && filters['until'] !== undefined) {
      ctx.io.stderr.write('ERROR: The "until" filter is not supported with "--volumes"\n');
      return 1;
    }
    if (!flags.bool('force')) {
      const warnings = [
        'all stopped containers',
        'all networks not used by at least one container',
        ...(volumes ? ['all anonymous volumes not used by at least one container'] : []),
        all ? 'all images without at least one container associated to them' : 'all dangling images',
        all ? 'all build cache' : 'unused build cache',
      ];
      const lines = filterLines(filters);
      const filterText = lines.length > 0 ? `\n  Items to be pruned will be filtered with:${lines.map((l) => `\n  - ${l}`).join('')}\n` : '';
      const message = `WARNING! This will remove:${warnings.map((w) => `\n  - ${w}`).join('')}\n${filterText}\nAre you sure you want to continue?`;
      if (!(await confirm(ctx.io, message))) return 0;
    }
    // docker's order; volumes are pruned as by `volume prune` without -a (anonymous ones only).
    const steps: [Pruner, boolean][] = [
      [pruneContainers, false],
      [pruneNetworks, false],
      ...(volumes ? [[pruneVolumes, false] as [Pruner, boolean]] : []),
      [pruneImages, all],
      [pruneBuildCache, all],
    ];
    let reclaimed = 0;
    for (const [pruner, allFlag] of steps) {
      const r = await pruner(ctx, filters, allFlag);
      reclaimed += r.reclaimed;
      if (r.output !== '') ctx.io.stdout.write(`${r.output}\n`);
    }
    ctx.io.stdout.write(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
    return 0;
  },
};

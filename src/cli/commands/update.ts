import type { ContainerUpdateRequest } from '../../api/types/index.js';
import { describeError, type CommandDef } from '../command.js';
import { bytesValue, containerFlags, swapValue } from '../container-options.js';
import type { FlagSpec } from '../flags.js';
import { parseCpus, parseRestartPolicy, parseUint16 } from '../opts.js';

/** Flags `update` shares with `run`, spelled and checked the same way. */
const SHARED = ['blkio-weight', 'cpu-period', 'cpu-quota', 'cpu-shares', 'cpus', 'cpuset-cpus', 'cpuset-mems', 'memory', 'memory-reservation', 'pids-limit'];

const own: FlagSpec[] = [
  { name: 'cpu-rt-period', type: 'int', description: 'Limit the CPU real-time period in microseconds' },
  { name: 'cpu-rt-runtime', type: 'int', description: 'Limit the CPU real-time runtime in microseconds' },
  { name: 'kernel-memory', type: 'string', valueName: 'bytes', description: 'Kernel memory limit (deprecated)', hidden: true, validate: (v) => void bytesValue(v) },
  // docker words these two differently for update than for run.
  { name: 'memory-swap', type: 'string', valueName: 'bytes', description: 'Swap limit equal to memory plus swap: -1 to enable unlimited swap', validate: (v) => void swapValue(v) },
  { name: 'restart', type: 'string', description: 'Restart policy to apply when a container exits' },
];

const flags: FlagSpec[] = [...containerFlags.filter((f) => SHARED.includes(f.name)), ...own].sort((a, b) => a.name.localeCompare(b.name));

export const updateCommand: CommandDef = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  aliases: ['container update', 'update'],
  flags,
  args: { kind: 'min', n: 1 },
  run: async (ctx, parsed) => {
    if (!flags.some((f) => parsed.changed(f.name))) throw new Error('you must provide one or more flags when using this command');
    const bytes = (name: string) => (parsed.changed(name) ? bytesValue(parsed.string(name) ?? '') : 0);
    const pidsLimit = parsed.int('pids-limit') ?? 0;
    // As docker/cli: zero values mean "leave as is", so every field is sent.
    const body: ContainerUpdateRequest = {
      BlkioWeight: parsed.changed('blkio-weight') ? parseUint16(parsed.string('blkio-weight') ?? '') : 0,
      CpusetCpus: parsed.string('cpuset-cpus') ?? '',
      CpusetMems: parsed.string('cpuset-mems') ?? '',
      CpuShares: parsed.int('cpu-shares') ?? 0,
      Memory: bytes('memory'),
      MemoryReservation: bytes('memory-reservation'),
      MemorySwap: parsed.changed('memory-swap') ? swapValue(parsed.string('memory-swap') ?? '') : 0,
      CpuPeriod: parsed.int('cpu-period') ?? 0,
      CpuQuota: parsed.int('cpu-quota') ?? 0,
      CpuRealtimePeriod: parsed.int('cpu-rt-period') ?? 0,
      CpuRealtimeRuntime: parsed.int('cpu-rt-runtime') ?? 0,
      NanoCpus: parsed.changed('cpus') ? parseCpus(parsed.string('cpus') ?? '') : 0,
      ...(pidsLimit !== 0 ? { PidsLimit: pidsLimit } : {}),
      RestartPolicy: { Name: '', MaximumRetryCount: 0, ...parseRestartPolicy(parsed.string('restart') ?? '') },
    };
    const client = ctx.client();
    const warnings: string[] = [];
    const errors: string[] = [];
    for (const container of parsed.args) {
      try {
        const r = await client.containerUpdate(container, body);
        ctx.io.stdout.write(`${container}\n`);
        warnings.push(...(r.Warnings ?? []));
      } catch (e) {
        errors.push(describeError(e));
      }
    }
    if (warnings.length > 0) ctx.io.stdout.write(`${warnings.join('\n')}\n`);
    if (errors.length > 0) throw new Error(errors.join('\n'));
    return 0;
  },
};

import type { ContainerUpdateRequest } from '../../api/types/index.js';
import { describeError, type CommandDef } from '../command.js';
import { bytesValue, swapValue } from '../container-options.js';
import type { FlagSpec } from '../flags.js';
import { parseCpus, parseRestartPolicy } from '../opts.js';

const flags: FlagSpec[] = [
  { name: 'blkio-weight', type: 'int', valueName: 'uint16', description: 'Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)' },
  { name: 'cpu-period', type: 'int', description: 'Limit CPU CFS (Completely Fair Scheduler) period' },
  { name: 'cpu-quota', type: 'int', description: 'Limit CPU CFS (Completely Fair Scheduler) quota' },
  { name: 'cpu-rt-period', type: 'int', description: 'Limit the CPU real-time period in microseconds' },
  { name: 'cpu-rt-runtime', type: 'int', description: 'Limit the CPU real-time runtime in microseconds' },
  { name: 'cpu-shares', short: 'c', type: 'int', description: 'CPU shares (relative weight)' },
  { name: 'cpus', type: 'string', valueName: 'decimal', description: 'Number of CPUs', validate: (v) => void parseCpus(v) },
  { name: 'cpuset-cpus', type: 'string', description: 'CPUs in which to allow execution (0-3, 0,1)' },
  { name: 'cpuset-mems', type: 'string', description: 'MEMs in which to allow execution (0-3, 0,1)' },
  { name: 'kernel-memory', type: 'string', valueName: 'bytes', description: 'Kernel memory limit (deprecated)', hidden: true, validate: (v) => void bytesValue(v) },
  { name: 'memory', short: 'm', type: 'string', valueName: 'bytes', description: 'Memory limit', validate: (v) => void bytesValue(v) },
  { name: 'memory-reservation', type: 'string', valueName: 'bytes', description: 'Memory soft limit', validate: (v) => void bytesValue(v) },
  {
    name: 'memory-swap',
    type: 'string',
    valueName: 'bytes',
    description: "Swap limit equal to memory plus swap: -1 to enable unlimited swap",
    validate: (v) => void swapValue(v),
  },
  { name: 'pids-limit', type: 'int', description: 'Tune container pids limit (set -1 for unlimited)' },
  { name: 'restart', type: 'string', description: 'Restart policy to apply when a container exits' },
];

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
      BlkioWeight: parsed.int('blkio-weight') ?? 0,
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

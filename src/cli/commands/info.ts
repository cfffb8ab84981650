import type { SystemInfo } from '../../api/types/system.js';
import { describeError, type CommandDef } from '../command.js';
import { formatFlag } from '../filters.js';
import { compileTemplate, dockerTemplateFuncs } from '../format/go-template.js';
import { bytesSize } from '../format/units.js';
import { BERTH_VERSION } from '../version-info.js';

/** docker's default `info` server section. */
export function renderServerInfo(info: SystemInfo): string {
  const lines: string[] = [];
  const add = (indent: number, text: string): void => void lines.push(`${' '.repeat(indent)}${text}`);
  add(1, `Containers: ${info.Containers}`);
  add(2, `Running: ${info.ContainersRunning}`);
  add(2, `Paused: ${info.ContainersPaused}`);
  add(2, `Stopped: ${info.ContainersStopped}`);
  add(1, `Images: ${info.Images}`);
  add(1, `Server Version: ${info.ServerVersion}`);
  add(1, `Storage Driver: ${info.Driver}`);
  for (const [k, v] of info.DriverStatus ?? []) add(2, `${k}: ${v}`);
  add(1, `Logging Driver: ${info.LoggingDriver}`);
  add(1, `Cgroup Driver: ${info.CgroupDriver}`);
  add(1, `Cgroup Version: ${info.CgroupVersion}`);
  add(1, 'Plugins:');
  add(2, `Volume: ${(info.Plugins?.Volume ?? []).join(' ')}`);
  add(2, `Network: ${(info.Plugins?.Network ?? []).join(' ')}`);
  add(2, `Log: ${(info.Plugins?.Log ?? []).join(' ')}`);
  add(1, `Swarm: ${info.Swarm?.LocalNodeState ?? 'inactive'}`);
  add(1, `Runtimes: ${Object.keys(info.Runtimes ?? {}).sort().join(' ')}`);
  add(1, `Default Runtime: ${info.DefaultRuntime}`);
  add(1, `Init Binary: ${info.InitBinary}`);
  add(1, `containerd version: ${info.ContainerdCommit?.ID ?? ''}`);
  add(1, `runc version: ${info.RuncCommit?.ID ?? ''}`);
  add(1, `init version: ${info.InitCommit?.ID ?? ''}`);
  if ((info.SecurityOptions ?? []).length > 0) {
    add(1, 'Security Options:');
    for (const opt of info.SecurityOptions) {
      // `name=seccomp,profile=builtin` → `seccomp` then `Profile: builtin`, as docker prints it.
      const fields = Object.fromEntries(opt.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
      add(2, fields['name'] ?? opt);
      for (const [k, v] of Object.entries(fields)) {
        if (k !== 'name') add(3, `${k.charAt(0).toUpperCase()}${k.slice(1)}: ${v}`);
      }
    }
  }
  add(1, `Kernel Version: ${info.KernelVersion}`);
  add(1, `Operating System: ${info.OperatingSystem}`);
  add(1, `OSType: ${info.OSType}`);
  add(1, `Architecture: ${info.Architecture}`);
  add(1, `CPUs: ${info.NCPU}`);
  add(1, `Total Memory: ${bytesSize(info.MemTotal)}`);
  add(1, `Name: ${info.Name}`);
  add(1, `ID: ${info.ID}`);
  add(1, `Docker Root Dir: ${info.DockerRootDir}`);
  add(1, `Debug Mode: ${info.Debug}`);
  if (info.HttpProxy) add(1, `HTTP Proxy: ${info.HttpProxy}`);
  if (info.HttpsProxy) add(1, `HTTPS Proxy: ${info.HttpsProxy}`);
  if (info.NoProxy) add(1, `No Proxy: ${info.NoProxy}`);
  if ((info.Labels ?? []).length > 0) {
    add(1, 'Labels:');
    for (const l of info.Labels) add(2, l);
  }
  add(1, `Experimental: ${info.ExperimentalBuild}`);
  const insecure = info.RegistryConfig?.InsecureRegistryCIDRs ?? [];
  if (insecure.length > 0) {
    add(1, 'Insecure Registries:');
    for (const r of insecure) add(2, r);
  }
  add(1, `Live Restore Enabled: ${info.LiveRestoreEnabled}`);
  return `${lines.join('\n')}\n`;
}

export const infoCommand: CommandDef = {
  usage: '[OPTIONS]',
  aliases: ['system info', 'info'],
  flags: [{ ...formatFlag(false), short: 'f' }],
  args: { kind: 'none' },
  run: async (ctx, flags) => {
    const format = flags.string('format');
    let info: SystemInfo | undefined;
    let error: unknown;
    try {
      info = await ctx.client().info();
    } catch (e) {
      error = e;
    }
    if (format !== undefined && format !== '') {
      if (error !== undefined) throw error;
      const data = { ...info, ClientInfo: { Debug: false, Context: 'default', Version: BERTH_VERSION, Plugins: [], Warnings: null } };
      if (format === 'json') ctx.io.stdout.write(`${JSON.stringify(data)}\n`);
      else ctx.io.stdout.write(`${compileTemplate(format, dockerTemplateFuncs).execute(data)}\n`);
      return 0;
    }
    ctx.io.stdout.write(`Client:\n Version:    ${BERTH_VERSION}\n Context:    default\n Debug Mode: false\n\nServer:\n`);
    if (info === undefined) {
      ctx.io.stderr.write(`${describeError(error)}\n`);
      return 1;
    }
    ctx.io.stdout.write(renderServerInfo(info));
    // As docker's CLI: the daemon's notices after the report, on stderr.
    if ((info.Warnings ?? []).length > 0) ctx.io.stderr.write(`${(info.Warnings ?? []).join('\n')}\n`);
    return 0;
  },
};

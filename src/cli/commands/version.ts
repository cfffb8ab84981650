import type { SystemVersion } from '../../api/types/system.js';
import { describeError, type CommandDef } from '../command.js';
import { compileTemplate, dockerTemplateFuncs } from '../format/go-template.js';
import { formatFlag } from '../filters.js';
import { BERTH_GIT_COMMIT, BERTH_VERSION, CLIENT_API_VERSION } from '../version-info.js';

export interface ClientVersion {
  Platform: { Name: string };
  Version: string;
  ApiVersion: string;
  DefaultAPIVersion: string;
  GitCommit: string;
  GoVersion: string;
  Os: string;
  Arch: string;
  BuildTime: string;
  Context: string;
}

function clientVersion(): ClientVersion {
  return {
    Platform: { Name: 'berth' },
    Version: BERTH_VERSION,
    ApiVersion: CLIENT_API_VERSION,
    DefaultAPIVersion: CLIENT_API_VERSION,
    GitCommit: BERTH_GIT_COMMIT,
    // docker shows its Go version here; berth runs on Node.
    GoVersion: `node${process.versions.node}`,
    Os: process.platform,
    Arch: process.arch === 'x64' ? 'amd64' : process.arch,
    BuildTime: '',
    Context: 'default',
  };
}

const pad = (label: string, width: number): string => `${label}:`.padEnd(width);

/** docker's default `version` layout. */
export function renderVersion(client: ClientVersion, server: SystemVersion | undefined): string {
  let out = 'Client:\n';
  if (client.Platform.Name !== '') out = `Client: ${client.Platform.Name}\n`;
  const c: [string, string][] = [
    ['Version', client.Version],
    ['API version', client.ApiVersion],
    ['Node version', client.GoVersion.replace(/^node/, '')],
    ['Git commit', client.GitCommit],
    ['Built', client.BuildTime === '' ? 'n/a' : client.BuildTime],
    ['OS/Arch', `${client.Os}/${client.Arch}`],
    ['Context', client.Context],
  ];
  for (const [k, v] of c) out += ` ${pad(k, 19)}${v}\n`;
  if (server === undefined) return out;
  out += `\nServer:${server.Platform?.Name ? ` ${server.Platform.Name}` : ''}\n`;
  for (const comp of server.Components ?? []) {
    out += ` ${comp.Name}:\n`;
    const d = comp.Details ?? {};
    if (comp.Name === 'Engine') {
      const rows: [string, string][] = [
        ['Version', comp.Version],
        ['API version', `${d['ApiVersion'] ?? ''} (minimum version ${d['MinAPIVersion'] ?? ''})`],
        ['Go version', d['GoVersion'] ?? ''],
        ['Git commit', d['GitCommit'] ?? ''],
        ['Built', d['BuildTime'] ?? ''],
        ['OS/Arch', `${d['Os'] ?? ''}/${d['Arch'] ?? ''}`],
        ['Experimental', d['Experimental'] ?? 'false'],
      ];
      for (const [k, v] of rows) out += `  ${pad(k, 18)}${v}\n`;
    } else {
      out += `  ${pad('Version', 18)}${comp.Version}\n`;
      for (const key of Object.keys(d).sort()) out += `  ${pad(key, 18)}${d[key]}\n`;
    }
  }
  return out;
}

export const versionCommand: CommandDef = {
  usage: '[OPTIONS]',
  flags: [{ ...formatFlag(false), short: 'f' }],
  args: { kind: 'none' },
  autoStart: false,
  run: async (ctx, flags) => {
    const client = clientVersion();
    let server: SystemVersion | undefined;
    let error: unknown;
    try {
      server = await ctx.client().version();
    } catch (e) {
      error = e;
    }
    const format = flags.string('format');
    if (format !== undefined && format !== '') {
      // Templates see docker/cli's Go field names (`.Server.APIVersion`), not only the JSON ones.
      const goNames = <T extends { ApiVersion?: string; MinAPIVersion?: string }>(v: T) => ({
        ...v,
        APIVersion: v.ApiVersion,
        MinAPIVersion: v.MinAPIVersion,
      });
      const data = { Client: goNames(client), Server: server ? goNames(server) : null };
      if (format === 'json') ctx.io.stdout.write(`${JSON.stringify(data)}\n`);
      else ctx.io.stdout.write(`${compileTemplate(format, dockerTemplateFuncs).execute(data)}\n`);
    } else {
      ctx.io.stdout.write(renderVersion(client, server));
    }
    if (error !== undefined) {
      ctx.io.stderr.write(`${describeError(error)}\n`);
      return 1;
    }
    return 0;
  },
};

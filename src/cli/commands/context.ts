import type { CommandDef, CommandContext } from '../command.js';
import { readClientConfig, writeClientConfig } from '../client-config.js';
import {
  contextExists,
  contextPaths,
  currentContextName,
  DEFAULT_CONTEXT,
  defaultContext,
  environmentHost,
  listContexts,
  readContext,
  removeContext,
  writeContext,
  type ContextMeta,
} from '../context-store.js';
import { formatFlag } from '../filters.js';
import { renderJsonOrTemplate, renderList } from '../format/formatter.js';
import { splitCsv, splitKeyValue } from '../opts.js';

/**
 * `berth context`: the docker CLI's context commands on its own store (see context-store.ts), so
 * a context made by either tool serves both.
 */

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$/;


function checkNewName(name: string): void {
  if (name === DEFAULT_CONTEXT) throw new Error(`"${DEFAULT_CONTEXT}" is a reserved context name`);
  if (!NAME_RE.test(name)) throw new Error(`context name "${name}" is invalid, names are validated against regexp "${NAME_RE.source}"`);
}

/** `--docker host=unix:///path[,skip-tls-verify=…]`: the endpoint's host; the TLS keys have no use for unix sockets. */
function dockerEndpoint(spec: string): { Host: string; SkipTLSVerify: boolean } {
  const fields = new Map(splitCsv(spec).map(splitKeyValue));
  for (const key of fields.keys()) {
    if (!['host', 'skip-tls-verify', 'ca', 'cert', 'key'].includes(key)) throw new Error(`unable to create docker endpoint config: unrecognized config key: ${key}`);
  }
  return { Host: fields.get('host') ?? '', SkipTLSVerify: fields.get('skip-tls-verify') === 'true' };
}

async function anyContext(ctx: CommandContext, name: string): Promise<ContextMeta> {
  return name === DEFAULT_CONTEXT ? defaultContext(ctx.io.env) : readContext(ctx.io.env, name);
}

const descriptionFlag = { name: 'description', type: 'string', description: 'Description of the context' } as const;
const dockerFlag = { name: 'docker', type: 'string', valueName: 'stringToString', description: 'set the docker endpoint' } as const;

export const contextCreateCommand: CommandDef = {
  usage: '[OPTIONS] CONTEXT',
  flags: [descriptionFlag, dockerFlag, { name: 'from', type: 'string', description: 'create context from a named context' }],
  args: { kind: 'exact', n: 1 },
  autoStart: false,
  run: async (ctx, flags) => {
    const name = flags.args[0] ?? '';
    const env = ctx.io.env;
    checkNewName(name);
    if (await contextExists(env, name)) throw new Error(`context "${name}" already exists`);
    const docker = flags.string('docker');
    // Without --docker the endpoint is --from's context's, else the current one's, as docker/cli.
    const endpoint = docker !== undefined ? dockerEndpoint(docker) : (await anyContext(ctx, flags.string('from') ?? (await currentContextName(env)))).Endpoints.docker;
    const description = flags.string('description');
    await writeContext(env, { Name: name, Metadata: description ? { Description: description } : {}, Endpoints: endpoint ? { docker: endpoint } : {} });
    ctx.io.stdout.write(`${name}\n`);
    ctx.io.stderr.write(`Successfully created context "${name}"\n`);
    return 0;
  },
};

export const contextUpdateCommand: CommandDef = {
  usage: '[OPTIONS] CONTEXT',
  flags: [descriptionFlag, dockerFlag],
  args: { kind: 'exact', n: 1 },
  autoStart: false,
  run: async (ctx, flags) => {
    const name = flags.args[0] ?? '';
    if (name === DEFAULT_CONTEXT) throw new Error(`context "${DEFAULT_CONTEXT}" cannot be updated`);
    const meta = await readContext(ctx.io.env, name);
    const description = flags.string('description');
    if (description !== undefined) meta.Metadata = { ...meta.Metadata, Description: description };
    const docker = flags.string('docker');
    if (docker !== undefined) meta.Endpoints = { ...meta.Endpoints, docker: dockerEndpoint(docker) };
    await writeContext(ctx.io.env, meta);
    ctx.io.stdout.write(`${name}\n`);
    ctx.io.stderr.write(`Successfully updated context "${name}"\n`);
    return 0;
  },
};

export const contextUseCommand: CommandDef = {
  usage: 'CONTEXT',
  flags: [],
  args: { kind: 'exact', n: 1 },
  autoStart: false,
  run: async (ctx, flags) => {
    const name = flags.args[0] ?? '';
    const env = ctx.io.env;
    if (name !== DEFAULT_CONTEXT) await readContext(env, name);
    const config = await readClientConfig(env);
    if (name === DEFAULT_CONTEXT) delete config.currentContext;
    else config.currentContext = name;
    await writeClientConfig(env, config);
    ctx.io.stdout.write(`${name}\n`);
    ctx.io.stderr.write(`Current context is now "${name}"\n`);
    if (name !== DEFAULT_CONTEXT && environmentHost(env)) {
      ctx.io.stderr.write(`Warning: DOCKER_HOST environment variable overrides the active context. To use "${name}", either set the global --context flag, or unset DOCKER_HOST environment variable.\n`);
    }
    return 0;
  },
};

export const contextShowCommand: CommandDef = {
  usage: '',
  flags: [],
  args: { kind: 'none' },
  autoStart: false,
  run: async (ctx) => {
    ctx.io.stdout.write(`${await currentContextName(ctx.io.env)}\n`);
    return 0;
  },
};

export const contextRmCommand: CommandDef = {
  usage: 'CONTEXT [CONTEXT...]',
  aliases: ['context rm', 'context remove'],
  flags: [{ name: 'force', short: 'f', type: 'bool', description: 'Force the removal of a context in use' }],
  args: { kind: 'min', n: 1 },
  autoStart: false,
  run: async (ctx, flags) => {
    const env = ctx.io.env;
    const config = await readClientConfig(env);
    const errors: string[] = [];
    for (const name of flags.args) {
      if (name === DEFAULT_CONTEXT) {
        errors.push(`context "${DEFAULT_CONTEXT}" cannot be removed`);
        continue;
      }
      if (!(await contextExists(env, name))) {
        // With -f a context that is not there counts as removed, as docker/cli.
        if (flags.bool('force')) ctx.io.stdout.write(`${name}\n`);
        else errors.push(`context "${name}" does not exist`);
        continue;
      }
      const current = config.currentContext === name;
      if (current && !flags.bool('force')) {
        errors.push(`context "${name}" is in use, set -f flag to force remove`);
        continue;
      }
      await removeContext(env, name);
      if (current) {
        delete config.currentContext;
        await writeClientConfig(env, config);
      }
      ctx.io.stdout.write(`${name}\n`);
    }
    if (errors.length === 0) return 0;
    ctx.io.stderr.write(`${errors.join('\n')}\n`);
    return 1;
  },
};

export const contextInspectCommand: CommandDef = {
  usage: '[OPTIONS] [CONTEXT] [CONTEXT...]',
  flags: [{ ...formatFlag(false), short: 'f' }],
  args: { kind: 'any' },
  autoStart: false,
  run: async (ctx, flags) => {
    const env = ctx.io.env;
    const names = flags.args.length > 0 ? flags.args : [await currentContextName(env)];
    const items = [];
    for (const name of names) {
      const meta = await anyContext(ctx, name);
      const storage = name === DEFAULT_CONTEXT ? { MetadataPath: '<IN MEMORY>', TLSPath: '<IN MEMORY>' } : await contextPaths(env, name).then((p) => ({ MetadataPath: p.meta, TLSPath: p.tls }));
      items.push({ Name: meta.Name, Metadata: name === DEFAULT_CONTEXT ? {} : meta.Metadata, Endpoints: meta.Endpoints, TLSMaterial: {}, Storage: storage });
    }
    ctx.io.stdout.write(renderJsonOrTemplate(flags.string('format'), items));
    return 0;
  },
};

const LS_FORMAT = 'table {{.Name}}{{if .Current}} *{{end}}\t{{.Description}}\t{{.DockerEndpoint}}\t{{.Error}}';
// docker/cli's context formatter has no header for Current: a table shows none, and its `{{if .Current}}` is false there.
const LS_HEADERS = { Name: 'NAME', Description: 'DESCRIPTION', DockerEndpoint: 'DOCKER ENDPOINT', Error: 'ERROR', Current: '' };

export const contextLsCommand: CommandDef = {
  usage: '[OPTIONS]',
  aliases: ['context ls', 'context list'],
  flags: [formatFlag(true), { name: 'quiet', short: 'q', type: 'bool', description: 'Only show context names' }],
  args: { kind: 'none' },
  autoStart: false,
  run: async (ctx, flags) => {
    const env = ctx.io.env;
    const current = await currentContextName(env);
    const all = [defaultContext(env), ...(await listContexts(env))].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
    const rows = all.map((c) => ({ Name: c.Name, Description: c.Metadata.Description ?? '', DockerEndpoint: c.Endpoints.docker?.Host ?? '', Error: '', Current: c.Name === current }));
    ctx.io.stdout.write(renderList({ format: flags.string('format'), defaultFormat: LS_FORMAT, headers: LS_HEADERS, rows, quiet: flags.bool('quiet'), quietFormat: '{{.Name}}' }));
    if (environmentHost(env)) {
      ctx.io.stderr.write('Warning: DOCKER_HOST environment variable overrides the active context. To use a context, either set the global --context flag, or unset DOCKER_HOST environment variable.\n');
    }
    return 0;
  },
};

import { isBerthError } from '../../lib/errors.js';
import type { CommandContext, CommandDef } from '../command.js';
import type { FlagSpec, ParsedFlags } from '../flags.js';
import { formatFlag } from '../filters.js';
import { renderJsonOrTemplate } from '../format/formatter.js';

type Kind = 'container' | 'image';

const shortFormat: FlagSpec = { ...formatFlag(false), short: 'f' };

/** The zero values of an image Config's fields in docker/cli's typed struct (nil slices, maps and pointers as null). */
const IMAGE_CONFIG_ZERO: Readonly<Record<string, unknown>> = {
  User: '',
  ExposedPorts: null,
  Env: null,
  Entrypoint: null,
  Cmd: null,
  Volumes: null,
  WorkingDir: '',
  Labels: null,
  StopSignal: '',
  ArgsEscaped: false,
  Healthcheck: null,
  OnBuild: null,
  Shell: null,
};

/**
 * docker/cli runs a template on its typed struct, where a Config field the daemon left out (API
 * 1.50 leaves out every empty one) is its zero value; templates here run on the JSON. The zeros
 * are added as non-enumerable properties: templates see them, `{{json .Config}}` does not.
 */
function withConfigZeros(image: unknown): unknown {
  const config = (image as { Config?: unknown }).Config;
  if (config === null || typeof config !== 'object') return image;
  for (const [key, zero] of Object.entries(IMAGE_CONFIG_ZERO)) {
    if (!Object.hasOwn(config, key)) Object.defineProperty(config, key, { value: zero, enumerable: false });
  }
  return image;
}

/**
 * Looks each name up as a container and then an image (or only the given kind), prints what was
 * found (`[]` if nothing) and then one error per missing name; exit 1 if any was missing.
 */
async function inspectObjects(ctx: CommandContext, flags: ParsedFlags, kinds: Kind[], missing: (name: string) => string): Promise<number> {
  const client = ctx.client();
  const found: unknown[] = [];
  const errors: string[] = [];
  for (const name of flags.args) {
    let value: unknown;
    for (const kind of kinds) {
      try {
        value = kind === 'container' ? await client.containerInspect(name, { size: flags.bool('size') }) : withConfigZeros(await client.imageInspect(name));
        break;
      } catch (e) {
        if (!isBerthError(e, 'NotFound')) throw e;
      }
    }
    if (value !== undefined) found.push(value);
    else errors.push(missing(name));
  }
  const output = renderJsonOrTemplate(flags.string('format'), found);
  ctx.io.stdout.write(output);
  for (const e of errors) ctx.io.stderr.write(`${e}\n`);
  return errors.length > 0 ? 1 : 0;
}

export const inspectCommand: CommandDef = {
  usage: '[OPTIONS] NAME|ID [NAME|ID...]',
  flags: [
    shortFormat,
    { name: 'size', short: 's', type: 'bool', description: 'Display total file sizes if the type is container' },
    { name: 'type', type: 'string', description: 'Only inspect objects of the given type' },
  ],
  args: { kind: 'min', n: 1 },
  run: (ctx, flags) => {
    const type = flags.string('type');
    if (type === undefined || type === '') {
      return inspectObjects(ctx, flags, ['container', 'image'], (n) => `Error: No such object: ${n}`);
    }
    if (type !== 'container' && type !== 'image') {
      throw new Error(`"${type}" is not a valid value for --type`);
    }
    return inspectObjects(ctx, flags, [type], (n) => `Error: No such ${type}: ${n}`);
  },
};

export const containerInspectCommand: CommandDef = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  flags: [shortFormat, { name: 'size', short: 's', type: 'bool', description: 'Display total file sizes' }],
  args: { kind: 'min', n: 1 },
  run: (ctx, flags) => inspectObjects(ctx, flags, ['container'], (n) => `Error: No such container: ${n}`),
};

export const imageInspectCommand: CommandDef = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  flags: [shortFormat],
  args: { kind: 'min', n: 1 },
  run: (ctx, flags) => inspectObjects(ctx, flags, ['image'], (n) => `Error: No such image: ${n}`),
};

import { formatReference, parseReference, withDefaultTag } from '../../oci/reference.js';
import type { CommandDef } from '../command.js';
import { pullImage } from '../image-pull.js';

export const pullCommand: CommandDef = {
  usage: '[OPTIONS] NAME[:TAG|@DIGEST]',
  aliases: ['image pull', 'pull'],
  flags: [
    { name: 'all-tags', short: 'a', type: 'bool', description: 'Download all tagged images in the repository' },
    { name: 'disable-content-trust', type: 'bool', description: 'Skip image verification (default true)' },
    { name: 'platform', type: 'string', description: 'Set platform if server is multi-platform capable' },
    { name: 'quiet', short: 'q', type: 'bool', description: 'Suppress verbose output' },
  ],
  args: { kind: 'exact', n: 1 },
  run: async (ctx, flags) => {
    const image = flags.args[0] ?? '';
    const ref = parseReference(image);
    const all = flags.bool('all-tags');
    if (all && (ref.tag !== undefined || ref.digest !== undefined)) throw new Error('tag can\'t be used with --all-tags/-a');
    const quiet = flags.bool('quiet');
    const platform = flags.string('platform');
    await pullImage(ctx.client(), image, ctx.io.stdout, {
      quiet,
      allTags: all,
      env: ctx.io.env,
      ...(platform !== undefined && platform !== '' ? { platform } : {}),
    });
    // docker/cli ends with the fully qualified name it pulled.
    ctx.io.stdout.write(`${formatReference(all ? ref : withDefaultTag(ref))}\n`);
    return 0;
  },
};

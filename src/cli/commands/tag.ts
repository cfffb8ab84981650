import { parseReference, repositoryName } from '../../oci/reference.js';
import type { CommandDef } from '../command.js';

export const tagCommand: CommandDef = {
  usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  aliases: ['image tag', 'tag'],
  flags: [],
  args: { kind: 'exact', n: 2 },
  run: async (ctx, flags) => {
    const [source = '', target = ''] = flags.args;
    let ref;
    try {
      ref = parseReference(target);
    } catch (e) {
      throw new Error(`Error parsing reference: "${target}" is not a valid repository/tag: ${(e as Error).message}`);
    }
    if (ref.digest !== undefined) throw new Error('refusing to create a tag with a digest reference');
    await ctx.client().imageTag(source, repositoryName(ref), ref.tag ?? 'latest');
    return 0;
  },
};

import { formatReference, parseReference, repositoryName } from '../../oci/reference.js';
import type { CommandDef } from '../command.js';
import { displayJsonMessages } from '../progress.js';
import { registryAuthFor } from '../registry-auth.js';

export const pushCommand: CommandDef = {
  usage: '[OPTIONS] NAME[:TAG]',
  aliases: ['image push', 'push'],
  flags: [
    { name: 'all-tags', short: 'a', type: 'bool', description: 'Push all tags of an image to the repository' },
    { name: 'disable-content-trust', type: 'bool', description: 'Skip image signing (default true)' },
    { name: 'format', type: 'string', description: 'Manifest format to push: oci or v2s2 (default: the image\'s own, v2s2 for images built here) (berth only)' },
    { name: 'platform', type: 'string', description: "Push a platform-specific manifest as a single-platform image to the registry. Image index won't be pushed, meaning that other manifests, including attestations won't be preserved. 'os[/arch[/variant]]': Explicit platform (eg. linux/amd64)" },
    { name: 'quiet', short: 'q', type: 'bool', description: 'Suppress verbose output' },
  ],
  args: { kind: 'exact', n: 1 },
  run: async (ctx, flags) => {
    const image = flags.args[0] ?? '';
    const ref = parseReference(image);
    const all = flags.bool('all-tags');
    if (all && ref.tag !== undefined) throw new Error('tag can\'t be used with --all-tags/-a');
    if (ref.digest !== undefined) throw new Error('cannot push a digest reference');
    const tag = all ? '' : (ref.tag ?? 'latest');
    const res = await ctx.client().stream('POST', `/images/${encodeURIComponent(repositoryName(ref))}/push`, {
      query: { tag, ...(flags.string('format') ? { format: flags.string('format') } : {}) },
      headers: { 'X-Registry-Auth': await registryAuthFor(ctx.io.env, image) },
    });
    const quiet = flags.bool('quiet');
    await displayJsonMessages(res, ctx.io.stdout, { quiet });
    if (quiet) ctx.io.stdout.write(`${formatReference(all ? ref : { ...ref, tag })}\n`);
    return 0;
  },
};

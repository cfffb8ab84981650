import { parseReference, repositoryName } from '../../oci/reference.js';
import type { CommandDef } from '../command.js';

export const commitCommand: CommandDef = {
  usage: '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
  aliases: ['container commit', 'commit'],
  flags: [
    { name: 'author', short: 'a', type: 'string', description: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' },
    { name: 'change', short: 'c', type: 'list', description: 'Apply Dockerfile instruction to the created image' },
    { name: 'message', short: 'm', type: 'string', description: 'Commit message' },
    { name: 'pause', short: 'p', type: 'bool', description: 'Pause container during commit', defaultText: 'true' },
  ],
  args: { kind: 'range', min: 1, max: 2 },
  run: async (ctx, flags) => {
    const [container = '', target] = flags.args;
    let repo = '';
    let tag = '';
    if (target !== undefined && target !== '') {
      // Checked before contacting the daemon, as docker's client does.
      const ref = parseReference(target);
      if (ref.digest !== undefined) throw new Error('refusing to create a tag with a digest reference');
      repo = repositoryName(ref);
      tag = ref.tag ?? 'latest';
    }
    const res = await ctx.client().json<{ Id: string }>('POST', '/commit', {
      query: {
        container,
        repo,
        tag,
        comment: flags.string('message') ?? '',
        author: flags.string('author') ?? '',
        changes: flags.list('change'),
        pause: flags.bool('pause', true) ? undefined : '0',
      },
    });
    ctx.io.stdout.write(`${res.Id}\n`);
    return 0;
  },
};

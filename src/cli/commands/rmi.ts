import { isBerthError } from '../../lib/errors.js';
import { describeError, type CommandDef } from '../command.js';

export const rmiCommand: CommandDef = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  aliases: ['image rm', 'image remove', 'rmi'],
  flags: [
    { name: 'force', short: 'f', type: 'bool', description: 'Force removal of the image' },
    { name: 'no-prune', type: 'bool', description: 'Do not delete untagged parents' },
  ],
  args: { kind: 'min', n: 1 },
  run: async (ctx, flags) => {
    const client = ctx.client();
    const force = flags.bool('force');
    let failed = false;
    for (const name of flags.args) {
      try {
        const items = await client.imageRemove(name, { force, noprune: flags.bool('no-prune') });
        for (const item of items) {
          if (item.Untagged !== undefined) ctx.io.stdout.write(`Untagged: ${item.Untagged}\n`);
          if (item.Deleted !== undefined) ctx.io.stdout.write(`Deleted: ${item.Deleted}\n`);
        }
      } catch (e) {
        ctx.io.stderr.write(`${describeError(e)}\n`);
        // With --force a missing image is reported but not a failure, as docker/cli does.
        if (!(force && isBerthError(e, 'NotFound'))) failed = true;
      }
    }
    return failed ? 1 : 0;
  },
};

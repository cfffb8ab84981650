import { isBerthError } from '../../lib/errors.js';
import { describeError, type CommandDef } from '../command.js';
import { attachAndWait } from '../container-attach.js';

export const startCommand: CommandDef = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  aliases: ['container start', 'start'],
  flags: [
    { name: 'attach', short: 'a', type: 'bool', description: 'Attach STDOUT/STDERR and forward signals' },
    { name: 'detach-keys', type: 'string', description: 'Override the key sequence for detaching a container' },
    { name: 'interactive', short: 'i', type: 'bool', description: "Attach container's STDIN" },
  ],
  args: { kind: 'min', n: 1 },
  run: async (ctx, flags) => {
    const client = ctx.client();
    const attach = flags.bool('attach');
    const interactive = flags.bool('interactive');
    if (attach || interactive) {
      if (flags.args.length > 1) throw new Error('you cannot start and attach multiple containers at once');
      const info = await client.containerInspect(flags.args[0] ?? '');
      const tty = info.Config.Tty === true;
      const stdin = interactive && info.Config.OpenStdin === true;
      if (tty && stdin && ctx.io.stdin.isTTY !== true) throw new Error('the input device is not a TTY');
      const detachKeys = flags.string('detach-keys');
      return attachAndWait(ctx, {
        containerId: info.Id,
        tty,
        stdin,
        sigProxy: true,
        condition: info.HostConfig.AutoRemove === true ? 'removed' : 'next-exit',
        ...(detachKeys !== undefined ? { detachKeys } : {}),
        start: () => client.containerStart(info.Id, detachKeys !== undefined ? { detachKeys } : {}),
      });
    }
    const failed: string[] = [];
    for (const name of flags.args) {
      try {
        await client.containerStart(name);
      } catch (e) {
        if (!isBerthError(e, 'NotModified')) {
          failed.push(name);
          ctx.io.stderr.write(`${describeError(e)}\n`);
          continue;
        }
      }
      ctx.io.stdout.write(`${name}\n`);
    }
    if (failed.length === 0) return 0;
    ctx.io.stderr.write(`Error: failed to start containers: ${failed.join(', ')}\n`);
    return 1;
  },
};

import type { CommandDef } from '../command.js';
import { attachAndWait } from '../container-attach.js';

export const attachCommand: CommandDef = {
  usage: '[OPTIONS] CONTAINER',
  aliases: ['container attach', 'attach'],
  flags: [
    { name: 'detach-keys', type: 'string', description: 'Override the key sequence for detaching a container' },
    { name: 'no-stdin', type: 'bool', description: 'Do not attach STDIN' },
    { name: 'sig-proxy', type: 'bool', description: 'Proxy all received signals to the process', defaultText: 'true' },
  ],
  args: { kind: 'exact', n: 1 },
  run: async (ctx, flags) => {
    const client = ctx.client();
    const info = await client.containerInspect(flags.args[0] ?? '');
    if (!info.State.Running) throw new Error('You cannot attach to a stopped container, start it first');
    if (info.State.Paused) throw new Error('You cannot attach to a paused container, unpause it first');
    if (info.State.Restarting) throw new Error('You cannot attach to a restarting container, wait until it is running');
    const tty = info.Config.Tty === true;
    const stdin = !flags.bool('no-stdin') && info.Config.OpenStdin === true;
    if (tty && stdin && ctx.io.stdin.isTTY !== true) throw new Error('the input device is not a TTY');
    const detachKeys = flags.string('detach-keys');
    return attachAndWait(ctx, {
      containerId: info.Id,
      tty,
      stdin,
      sigProxy: flags.bool('sig-proxy', true),
      condition: 'not-running',
      detachIsError: true,
      ...(detachKeys !== undefined ? { detachKeys } : {}),
    });
  },
};

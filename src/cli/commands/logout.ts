import type { CommandDef } from '../command.js';
import { HUB_SERVER, eraseCredentials, serverKey } from '../registry-auth.js';

export const logoutCommand: CommandDef = {
  usage: '[SERVER]',
  flags: [],
  args: { kind: 'max', n: 1 },
  autoStart: false,
  run: async (ctx, flags) => {
    const key = serverKey(flags.args[0] ?? HUB_SERVER);
    // docker/cli says this whether or not credentials were stored.
    await eraseCredentials(ctx.io.env, key);
    ctx.io.stdout.write(`Removing login credentials for ${key}\n`);
    return 0;
  },
};

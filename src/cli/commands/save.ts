import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { CommandDef } from '../command.js';

export const saveCommand: CommandDef = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  aliases: ['image save', 'save'],
  flags: [
    { name: 'output', short: 'o', type: 'string', description: 'Write to a file, instead of STDOUT' },
    { name: 'platform', type: 'string', description: 'Save only the given platform variant. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")' },
  ],
  args: { kind: 'min', n: 1 },
  run: async (ctx, flags) => {
    const output = flags.string('output') ?? '';
    if (output === '' && ctx.io.stdout.isTTY === true) {
      throw new Error('cowardly refusing to save to a terminal. Use the -o flag or redirect');
    }
    const res = await ctx.client().send('GET', '/images/get', { query: { names: flags.args } });
    if (output === '') {
      await pipeline(res, ctx.io.stdout as unknown as Writable, { end: false });
      return 0;
    }
    // Written aside and renamed, as docker/cli does, so a failed save leaves no half file.
    const tmp = `${output}.berth-tmp`;
    try {
      await pipeline(res, createWriteStream(tmp));
      await rename(tmp, output);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    return 0;
  },
};

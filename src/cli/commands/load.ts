import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { CommandDef } from '../command.js';
import { displayJsonMessages } from '../progress.js';

export const loadCommand: CommandDef = {
  usage: '[OPTIONS]',
  aliases: ['image load', 'load'],
  flags: [
    { name: 'input', short: 'i', type: 'string', description: 'Read from tar archive file, instead of STDIN' },
    { name: 'platform', type: 'string', description: 'Load only the given platform variant. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")' },
    { name: 'quiet', short: 'q', type: 'bool', description: 'Suppress the load output' },
  ],
  args: { kind: 'none' },
  run: async (ctx, flags) => {
    const input = flags.string('input') ?? '';
    let body: Readable;
    if (input !== '') {
      body = createReadStream(input);
      await new Promise<void>((resolve, reject) => {
        body.once('open', () => resolve());
        body.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? new Error(`open ${input}: no such file or directory`) : e));
      });
    } else {
      if (ctx.io.stdin.isTTY === true) throw new Error('requested load from stdin, but stdin is empty');
      body = ctx.io.stdin as unknown as Readable;
    }
    const res = await ctx.client().send('POST', '/images/load', {
      query: { quiet: flags.bool('quiet') },
      body,
      headers: { 'Content-Type': 'application/x-tar' },
    });
    await displayJsonMessages(res, ctx.io.stdout);
    return 0;
  },
};

import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { parseReference, repositoryName } from '../../oci/reference.js';
import type { CommandDef } from '../command.js';
import { displayJsonMessages } from '../progress.js';

export const importCommand: CommandDef = {
  usage: '[OPTIONS] file|URL|- [REPOSITORY[:TAG]]',
  aliases: ['image import', 'import'],
  flags: [
    { name: 'change', short: 'c', type: 'list', description: 'Apply Dockerfile instruction to the created image' },
    { name: 'message', short: 'm', type: 'string', description: 'Set commit message for imported image' },
    { name: 'platform', type: 'string', description: 'Set platform if server is multi-platform capable' },
  ],
  args: { kind: 'range', min: 1, max: 2 },
  run: async (ctx, flags) => {
    const [source = '', target] = flags.args;
    let repo: string | undefined;
    let tag: string | undefined;
    if (target !== undefined && target !== '') {
      const ref = parseReference(target);
      repo = repositoryName(ref);
      tag = ref.tag;
    }
    let body: Readable | undefined;
    let fromSrc = source;
    if (source === '-') body = ctx.io.stdin as unknown as Readable;
    else if (!/^https?:\/\//.test(source)) {
      body = createReadStream(source);
      fromSrc = '-';
      // Surface a missing file as docker does, before contacting the daemon.
      await new Promise<void>((resolve, reject) => {
        body?.once('open', () => resolve());
        body?.once('error', (e: NodeJS.ErrnoException) =>
          reject(e.code === 'ENOENT' ? new Error(`open ${source}: no such file or directory`) : e),
        );
      });
    }
    const res = await ctx.client().imageCreate(
      {
        fromSrc,
        repo,
        tag,
        message: flags.string('message'),
        changes: flags.list('change'),
        platform: flags.string('platform'),
      },
      body !== undefined ? { body } : {},
    );
    await displayJsonMessages(res, ctx.io.stdout);
    return 0;
  },
};

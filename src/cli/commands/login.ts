import type { Readable } from 'node:stream';
import type { CommandDef } from '../command.js';
import { HUB_SERVER, serverKey, storeCredentials } from '../registry-auth.js';

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream as Readable) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks).toString('utf8');
}

export const loginCommand: CommandDef = {
  usage: '[OPTIONS] [SERVER]',
  flags: [
    { name: 'password', short: 'p', type: 'string', description: 'Password or Personal Access Token (PAT)' },
    { name: 'password-stdin', type: 'bool', description: 'Take the Password or Personal Access Token (PAT) from stdin' },
    { name: 'username', short: 'u', type: 'string', description: 'Username' },
  ],
  args: { kind: 'max', n: 1 },
  run: async (ctx, flags) => {
    const server = flags.args[0] ?? HUB_SERVER;
    const username = flags.string('username') ?? '';
    let password = flags.string('password') ?? '';
    if (flags.changed('password')) {
      ctx.io.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
      if (flags.bool('password-stdin')) throw new Error('--password and --password-stdin are mutually exclusive');
    }
    if (flags.bool('password-stdin')) {
      if (username === '') throw new Error('the --password-stdin option requires --username to be set');
      password = (await readAll(ctx.io.stdin)).replace(/\r?\n$/, '');
    }
    if (username === '' || password === '') throw new Error('Error: Cannot perform an interactive login from a non TTY device');
    const address = serverKey(server);
    const res = await ctx.client().json<{ Status?: string; IdentityToken?: string }>('POST', '/auth', {
      json: { username, password, serveraddress: address },
    });
    const where = await storeCredentials(ctx.io.env, { username, password, serveraddress: address });
    if (where.file !== undefined) {
      ctx.io.stderr.write(
        `\nWARNING! Your credentials are stored unencrypted in '${where.file}'.\nConfigure a credential helper to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n\n`,
      );
    }
    ctx.io.stdout.write(`${res.Status ?? 'Login Succeeded'}\n`);
    return 0;
  },
};

import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { CommandContext } from './command.js';

/** `save`/`export` refuse to spill a tar onto a terminal, as docker/cli does. */
export function checkArchiveDestination(ctx: CommandContext, output: string): void {
  if (output === '' && ctx.io.stdout.isTTY === true) {
    throw new Error('cowardly refusing to save to a terminal. Use the -o flag or redirect');
  }
}

/**
 * Writes an archive to stdout, or to `output` aside and renamed (as docker/cli does), so a failed
 * transfer leaves no half file.
 */
export async function writeArchive(ctx: CommandContext, archive: Readable, output: string): Promise<number> {
  if (output === '') {
    await pipeline(archive, ctx.io.stdout as unknown as Writable, { end: false });
    return 0;
  }
  const tmp = `${output}.berth-tmp`;
  try {
    await pipeline(archive, createWriteStream(tmp));
    await rename(tmp, output);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return 0;
}

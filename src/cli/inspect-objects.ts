import { isBerthError } from '../lib/errors.js';
import type { CommandContext } from './command.js';
import { renderJsonOrTemplate } from './format/formatter.js';

/**
 * `network inspect` / `volume inspect`: prints every object found (as one JSON array or per the
 * template), then an error line for each one that was not, exiting 1 if any was missing.
 */
export async function inspectObjects(ctx: CommandContext, names: readonly string[], pathOf: (name: string) => string, format: string | undefined): Promise<number> {
  const found: unknown[] = [];
  const errors: string[] = [];
  for (const name of names) {
    try {
      found.push(await ctx.client().json<unknown>('GET', pathOf(encodeURIComponent(name))));
    } catch (e) {
      if (!isBerthError(e, 'NotFound')) throw e;
      errors.push(`Error response from daemon: ${e.message}`);
    }
  }
  ctx.io.stdout.write(renderJsonOrTemplate(format, found));
  for (const e of errors) ctx.io.stderr.write(`${e}\n`);
  return errors.length > 0 ? 1 : 0;
}

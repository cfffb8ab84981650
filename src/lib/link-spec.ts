/** `--link` (HostConfig.Links) entries, read as moby's opts.ParseLink: the CLI and the engine share it. */
import { invalidArgument } from './errors.js';

/** `name`, `name:alias`, or the stored `/name:/parent/alias`, as moby's opts.ParseLink reads them. */
export function parseLink(text: string): { name: string; alias: string } {
  if (text === '') throw invalidArgument('invalid_link', 'empty string specified for links');
  const parts = text.split(':');
  if (parts.length > 2) throw invalidArgument('invalid_link', `bad format for links: ${text}`);
  const [name = '', alias] = parts;
  if (alias === undefined) return { name: text, alias: text };
  if (name.startsWith('/')) return { name: name.slice(1), alias: alias.slice(alias.lastIndexOf('/') + 1) };
  return { name, alias };
}

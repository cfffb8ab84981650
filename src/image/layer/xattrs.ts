import { internal } from '../../lib/errors.js';
import { runTool } from './tools.js';

/** Xattrs by absolute path, values as raw bytes. */
export type XattrDump = Map<string, Map<string, Buffer>>;

/** getfattr writes `\` and unprintable bytes of names as `\ooo` octal escapes. */
function unescapeName(raw: Buffer): string {
  const out: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === 0x5c && i + 3 < raw.length && /^[0-7]{3}$/.test(raw.subarray(i + 1, i + 4).toString('latin1'))) {
      out.push(parseInt(raw.subarray(i + 1, i + 4).toString('latin1'), 8));
      i += 3;
    } else if (c === 0x5c && raw[i + 1] === 0x5c) {
      out.push(0x5c);
      i += 1;
    } else {
      out.push(c);
    }
  }
  return Buffer.from(out).toString('utf8');
}

/**
 * Parses the output of `getfattr -d --absolute-names -e base64`: blocks of `# file: <path>`
 * followed by `name=0s<base64>` lines.
 */
export function parseGetfattrDump(dump: Buffer): XattrDump {
  const out: XattrDump = new Map();
  let current: Map<string, Buffer> | null = null;
  let start = 0;
  while (start < dump.length) {
    let end = dump.indexOf(0x0a, start);
    if (end === -1) end = dump.length;
    const line = dump.subarray(start, end);
    start = end + 1;
    if (line.length === 0) continue;
    const text = line.toString('utf8');
    if (text.startsWith('# file: ')) {
      current = new Map();
      out.set(unescapeName(line.subarray('# file: '.length)), current);
      continue;
    }
    const eq = text.indexOf('=');
    if (current === null) throw internal('getfattr_output', `unexpected getfattr output: ${text}`);
    if (eq === -1) {
      current.set(text, Buffer.alloc(0));
      continue;
    }
    const value = text.slice(eq + 1);
    if (!value.startsWith('0s')) throw internal('getfattr_output', `unexpected getfattr value encoding: ${text}`);
    current.set(text.slice(0, eq), Buffer.from(value.slice(2), 'base64'));
  }
  return out;
}

const BASE_ARGS = ['getfattr', '-h', '-d', '--absolute-names', '-e', 'base64'];

/** Xattrs matching `pattern` (a getfattr -m regex; '-' for all) of every file under `root`. */
export async function readXattrTree(root: string, pattern: string): Promise<XattrDump> {
  return parseGetfattrDump(await runTool([...BASE_ARGS, '-R', '-m', pattern, root]));
}

/** Xattrs matching `pattern` of the given absolute paths (not recursive). */
export async function readXattrs(paths: readonly string[], pattern: string): Promise<XattrDump> {
  const out: XattrDump = new Map();
  // Batches keep each command line well under ARG_MAX.
  for (let i = 0; i < paths.length; i += 256) {
    const batch = paths.slice(i, i + 256);
    for (const [k, v] of parseGetfattrDump(await runTool([...BASE_ARGS, '-m', pattern, '--', ...batch]))) out.set(k, v);
  }
  return out;
}

export const OPAQUE_XATTR = 'trusted.overlay.opaque';
export const OPAQUE_PATTERN = '^trusted\\.overlay\\.opaque$';

/** overlayfs marks a directory opaque with the value "y" (other values mean other things). */
export const isOpaqueValue = (v: Buffer | undefined): boolean => v !== undefined && v.length === 1 && v[0] === 0x79;

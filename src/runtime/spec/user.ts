import { invalidArgument } from '../../lib/errors.js';
import { DEFAULT_PATH } from './defaults.js';

/** The process identity a docker `--user`/image `User` string resolves to in one rootfs. */
export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const MAX_ID = 2 ** 31 - 1;

function records(text: string): string[][] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

function parseId(s: string | undefined): number | undefined {
  return s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined;
}

function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const [name = '', , uidText, gidText, , home = ''] of records(text)) {
    const uid = parseId(uidText);
    const gid = parseId(gidText);
    if (uid !== undefined && gid !== undefined) out.push({ name, uid, gid, home });
  }
  return out;
}

function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const [name = '', , gidText, list = ''] of records(text)) {
    const gid = parseId(gidText);
    if (gid === undefined) continue;
    const members = list
      .split(',')
      .map((m) => m.trim())
      .filter((m) => m !== '');
    out.push({ name, gid, members });
  }
  return out;
}

/** A number from a numeric user or group argument, or undefined for a name. */
function numericArg(arg: string): number | undefined {
  if (!/^\d+$/.test(arg)) return undefined;
  const n = Number(arg);
  if (n > MAX_ID) throw invalidArgument('invalid_user', `uids and gids must be in range 0-${MAX_ID}`);
  return n;
}

function findGroup(groups: readonly GroupEntry[], arg: string): number | undefined {
  const n = numericArg(arg);
  const match = groups.find((g) => (n === undefined ? g.name === arg : g.gid === n));
  return match?.gid ?? n;
}

/**
 * Resolves `user[:group]` (`""`, `name`, `uid`, `name:group`, `uid:gid`, `uid:group`) against the
 * contents of the rootfs's /etc/passwd and /etc/group ('' when a file is missing), as docker does:
 * - `""` is root, 0:0, home /root unless passwd says otherwise;
 * - a numeric uid need not be in passwd (gid then 0, home /); a name must be;
 * - an explicit group replaces the primary gid and gives no supplementary groups; otherwise the
 *   supplementary groups are those listing the user's name as a member;
 * - `groupAdd` (docker `--group-add`, names or gids) is appended to the supplementary groups;
 * - the primary gid leads them, as a Docker container's process has it (its Groups: `0` for root).
 * Throws InvalidArgument with docker's texts for a name that is not found.
 */
export function resolveUser(
  userSpec: string,
  passwdText: string,
  groupText: string,
  groupAdd: readonly string[] = [],
): ResolvedUser {
  const [userArg = '', groupArg = ''] = userSpec.split(':');
  const passwd = parsePasswd(passwdText);
  const groups = parseGroup(groupText);

  const uidArg = userArg === '' ? 0 : numericArg(userArg);
  const entry = passwd.find((p) => (uidArg === undefined ? p.name === userArg : p.uid === uidArg));
  let resolved: ResolvedUser;
  if (entry) {
    resolved = { uid: entry.uid, gid: entry.gid, additionalGids: [], home: entry.home };
  } else if (uidArg !== undefined) {
    resolved = { uid: uidArg, gid: 0, additionalGids: [], home: uidArg === 0 ? '/root' : '/' };
  } else {
    throw invalidArgument(
      'user_not_found',
      `unable to find user ${userArg}: no matching entries in passwd file`,
    );
  }

  if (groupArg !== '') {
    const gid = findGroup(groups, groupArg);
    if (gid === undefined) {
      throw invalidArgument(
        'group_not_found',
        `unable to find group ${groupArg}: no matching entries in group file`,
      );
    }
    resolved.gid = gid;
  } else if (entry && entry.name !== '') {
    resolved.additionalGids = groups.filter((g) => g.members.includes(entry.name)).map((g) => g.gid);
  }

  for (const arg of groupAdd) {
    const gid = findGroup(groups, arg);
    if (gid === undefined) {
      throw invalidArgument('group_not_found', `Unable to find group ${arg}: no matching entries in group file`);
    }
    resolved.additionalGids.push(gid);
  }
  resolved.additionalGids = [...new Set([resolved.gid, ...resolved.additionalGids])];
  return resolved;
}

function hasKey(env: readonly string[], key: string): boolean {
  return env.some((e) => e === key || e.startsWith(`${key}=`));
}

/**
 * The environment a container process starts with: PATH (docker's default) first when nothing
 * set it, and HOME=<home> last when nothing set it. Entries already present are left alone.
 */
export function withDefaultEnv(env: readonly string[], home: string): string[] {
  const out = [...env];
  if (!hasKey(out, 'PATH')) out.unshift(`PATH=${DEFAULT_PATH}`);
  if (!hasKey(out, 'HOME')) out.push(`HOME=${home}`);
  return out;
}

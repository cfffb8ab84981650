import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../../lib/errors.js';
import { type ResolvedUser, resolveUser, withDefaultEnv } from './user.js';

const PASSWD = `# comment line
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
app:x:1000:1000:App:/home/app:/bin/sh
broken:x:notanumber:1::/:
`;

const GROUP = `root:x:0:
daemon:x:1:
wheel:x:10:root,app
www-data:x:33:
staff:x:50:app
app:x:1000:
audio:x:29:app , www-data
`;

describe('resolveUser', () => {
  const cases: { spec: string; groupAdd?: string[]; passwd?: string; group?: string; want: ResolvedUser }[] = [
    { spec: '', want: { uid: 0, gid: 0, additionalGids: [0, 10], home: '/root' } },
    { spec: '', passwd: '', group: '', want: { uid: 0, gid: 0, additionalGids: [0], home: '/root' } },
    { spec: 'root', want: { uid: 0, gid: 0, additionalGids: [0, 10], home: '/root' } },
    { spec: 'app', want: { uid: 1000, gid: 1000, additionalGids: [1000, 10, 50, 29], home: '/home/app' } },
    { spec: '1000', want: { uid: 1000, gid: 1000, additionalGids: [1000, 10, 50, 29], home: '/home/app' } },
    { spec: '33', want: { uid: 33, gid: 33, additionalGids: [33, 29], home: '/var/www' } },
    { spec: '4242', want: { uid: 4242, gid: 0, additionalGids: [0], home: '/' } },
    { spec: 'app:staff', want: { uid: 1000, gid: 50, additionalGids: [50], home: '/home/app' } },
    { spec: 'app:7', want: { uid: 1000, gid: 7, additionalGids: [7], home: '/home/app' } },
    { spec: '1000:33', want: { uid: 1000, gid: 33, additionalGids: [33], home: '/home/app' } },
    { spec: '4242:4343', want: { uid: 4242, gid: 4343, additionalGids: [4343], home: '/' } },
    { spec: '4242:wheel', want: { uid: 4242, gid: 10, additionalGids: [10], home: '/' } },
    { spec: 'daemon', groupAdd: ['audio', '777', 'daemon'], want: { uid: 1, gid: 1, additionalGids: [1, 29, 777], home: '/usr/sbin' } },
    { spec: 'app', groupAdd: ['staff'], want: { uid: 1000, gid: 1000, additionalGids: [1000, 10, 50, 29], home: '/home/app' } },
  ];
  for (const c of cases) {
    it(`"${c.spec}"${c.groupAdd ? ` +${c.groupAdd.join(',')}` : ''}`, () => {
      assert.deepEqual(resolveUser(c.spec, c.passwd ?? PASSWD, c.group ?? GROUP, c.groupAdd), c.want);
    });
  }

  const bad: { spec: string; groupAdd?: string[]; message: string }[] = [
    { spec: 'nosuch', message: 'unable to find user nosuch: no matching entries in passwd file' },
    { spec: 'nosuch:staff', message: 'unable to find user nosuch: no matching entries in passwd file' },
    { spec: 'app:nogroup', message: 'unable to find group nogroup: no matching entries in group file' },
    { spec: 'app', groupAdd: ['nogroup'], message: 'Unable to find group nogroup: no matching entries in group file' },
    { spec: '4294967296', message: 'uids and gids must be in range 0-2147483647' },
  ];
  for (const c of bad) {
    it(`rejects "${c.spec}"${c.groupAdd ? ` +${c.groupAdd.join(',')}` : ''}`, () => {
      assert.throws(
        () => resolveUser(c.spec, PASSWD, GROUP, c.groupAdd),
        (e: unknown) => isBerthError(e, 'InvalidArgument') && e.message === c.message,
      );
    });
  }
});

describe('withDefaultEnv', () => {
  const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  const cases: { name: string; env: string[]; want: string[] }[] = [
    { name: 'empty', env: [], want: [PATH, 'HOME=/home/app'] },
    { name: 'keeps PATH', env: ['PATH=/bin', 'A=1'], want: ['PATH=/bin', 'A=1', 'HOME=/home/app'] },
    { name: 'keeps HOME', env: ['HOME=/x'], want: [PATH, 'HOME=/x'] },
    { name: 'empty HOME counts as set', env: ['HOME=', 'PATH=/bin'], want: ['HOME=', 'PATH=/bin'] },
    { name: 'a key with PATH as prefix is not PATH', env: ['PATHX=1'], want: [PATH, 'PATHX=1', 'HOME=/home/app'] },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(withDefaultEnv(c.env, '/home/app'), c.want));
  }
});

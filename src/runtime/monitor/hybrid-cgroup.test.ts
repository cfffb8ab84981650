import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hiddenUnifiedScript, isHybridRefusal, nestedCgroup2Mounts } from './hybrid-cgroup.js';

const HYBRID = `27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

test('nestedCgroup2Mounts finds the cgroup2 mount of a hybrid host only', () => {
  assert.deepEqual(nestedCgroup2Mounts(HYBRID), ['/sys/fs/cgroup/unified']);
  // A pure v2 host mounts cgroup2 on /sys/fs/cgroup itself: nothing to hide.
  assert.deepEqual(nestedCgroup2Mounts('30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n'), []);
  assert.deepEqual(nestedCgroup2Mounts('50 31 0:40 / /sys/fs/cgroup/a\\040b rw - cgroup2 cgroup2 rw\n'), ['/sys/fs/cgroup/a b']);
  assert.deepEqual(nestedCgroup2Mounts(''), []);
});

test('isHybridRefusal recognises crun 1.8 words', () => {
  assert.ok(isHybridRefusal('cgroups in hybrid mode not supported, drop all controllers from cgroupv2'));
  assert.ok(!isHybridRefusal('permission denied'));
});

test('hiddenUnifiedScript execs the runtime in a private mount namespace without the cgroup2 mount', () => {
  const tools = { runtime: '/usr/bin/crun', unshare: '/usr/bin/unshare', busybox: '/bin/busybox' };
  assert.equal(
    hiddenUnifiedScript(tools, ['/sys/fs/cgroup/unified']),
    '#!/bin/busybox sh\n' +
      '# Written by berthd: crun refuses hybrid cgroup hosts, so it creates containers with the cgroup2 mount hidden.\n' +
      `exec /usr/bin/unshare --mount --propagation slave /bin/busybox sh -c 'umount -l /sys/fs/cgroup/unified && exec /usr/bin/crun "$@"' crun "$@"\n`,
  );
  // Paths that would need shell quoting, and nothing to hide, give no script.
  assert.equal(hiddenUnifiedScript(tools, ['/sys/fs/cgroup/a b']), null);
  assert.equal(hiddenUnifiedScript(tools, ["/sys/fs/cgroup/x'y"]), null);
  assert.equal(hiddenUnifiedScript(tools, []), null);
});

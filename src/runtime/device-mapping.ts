import { readdir, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { invalidArgument } from '../lib/errors.js';
import type { DeviceMappingSpec } from '../lib/device-spec.js';
import { deviceNode } from './host-devices.js';
import type { LinuxDevice, LinuxDeviceCgroup } from './spec/types.js';

/**
 * The device nodes a mapping brings into the container, with their cgroup rules: the node at
 * PathOnHost (symlinks followed), or every node beneath it when it is a directory, each at the
 * same place under PathInContainer. Errors with dockerd's wording when there is no device there.
 */
export async function mappedDevices(d: DeviceMappingSpec): Promise<{ nodes: LinuxDevice[]; rules: LinuxDeviceCgroup[] }> {
  const fail = (why: string) => invalidArgument('invalid_device', `error gathering device information while adding custom device "${d.PathOnHost}": ${why}`);
  const st = await stat(d.PathOnHost).catch((e: NodeJS.ErrnoException) => {
    throw fail(e.code === 'ENOENT' ? 'no such file or directory' : e.message);
  });
  const access = d.CgroupPermissions || 'rwm';
  const nodes: (LinuxDevice & { type: 'c' | 'b' })[] = [];
  if (st.isDirectory()) {
    const walk = async (dir: string, inside: string): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(join(dir, e.name), posix.join(inside, e.name));
        else {
          const node = await deviceNode(join(dir, e.name), posix.join(inside, e.name));
          if (node) nodes.push(node);
        }
      }
    };
    await walk(d.PathOnHost, d.PathInContainer);
  } else {
    const node = await deviceNode(d.PathOnHost, d.PathInContainer);
    if (!node) throw fail('not a device node');
    nodes.push(node);
  }
  return { nodes, rules: nodes.map((n) => ({ allow: true, type: n.type, major: n.major, minor: n.minor, access })) };
}

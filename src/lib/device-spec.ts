import { posix } from 'node:path';
import { invalidArgument } from './errors.js';

/**
 * `--device` and `--device-cgroup-rule` as the docker CLI and dockerd read them: pure parsing with
 * Docker's messages, shared by the CLI and the engine (which finds the nodes: runtime/device-mapping.ts).
 */

/** HostConfig.Devices' entries. */
export interface DeviceMappingSpec {
  PathOnHost: string;
  PathInContainer: string;
  CgroupPermissions: string;
}

/** A devices-cgroup allow rule; an absent major or minor is the wildcard. */
export interface DeviceAllowRule {
  allow: true;
  type: 'a' | 'b' | 'c';
  major?: number;
  minor?: number;
  access: string;
}

const PERMISSIONS = /^[rwm]{1,3}$/;
const CGROUP_RULE = /^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$/;

/**
 * `--device HOST[:CONTAINER][:PERMISSIONS]` as docker/cli reads it: the second part is the
 * permissions when it reads as them, the container path defaults to the host's.
 */
export function parseDeviceFlag(text: string): DeviceMappingSpec {
  const parts = text.split(':');
  if (parts.length > 3) throw invalidArgument('invalid_device', `invalid device specification: ${text}`);
  const [src = '', second, third] = parts;
  let dst = '';
  let permissions = 'rwm';
  if (third !== undefined) permissions = third;
  if (second !== undefined) {
    if (PERMISSIONS.test(second) && third === undefined) permissions = second;
    else dst = second;
  }
  const mapping = { PathOnHost: src, PathInContainer: dst || src, CgroupPermissions: permissions };
  checkDeviceMapping(mapping);
  return mapping;
}

/** A mapping as the daemon takes it (from either client), with docker's messages. */
export function checkDeviceMapping(d: DeviceMappingSpec): void {
  if (!posix.isAbsolute(d.PathOnHost)) throw invalidArgument('invalid_device', `bad format for path: ${d.PathOnHost}`);
  if (!posix.isAbsolute(d.PathInContainer)) throw invalidArgument('invalid_device', `bad format for path: ${d.PathInContainer}`);
  if (!PERMISSIONS.test(d.CgroupPermissions || 'rwm')) throw invalidArgument('invalid_device', `invalid device mode: ${d.CgroupPermissions}`);
}

/** `--device-cgroup-rule 'c 1:3 rwm'` as an allow rule; docker's message otherwise. */
export function parseDeviceCgroupRule(text: string): DeviceAllowRule {
  const m = CGROUP_RULE.exec(text);
  if (!m) throw invalidArgument('invalid_device_cgroup_rule', `invalid device cgroup format '${text}'`);
  const num = (s: string | undefined) => (s === '*' || s === undefined ? undefined : Number(s));
  const major = num(m[2]);
  const minor = num(m[3]);
  return { allow: true, type: m[1] as DeviceAllowRule['type'], ...(major !== undefined ? { major } : {}), ...(minor !== undefined ? { minor } : {}), access: m[4]! };
}

import type { LinuxDeviceCgroup, Mount } from './types.js';

/** The capabilities docker grants a non-privileged container. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Paths the runtime hides (bind /dev/null or an empty read-only tmpfs over them). */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

/** Paths the runtime remounts read-only. */
export const DEFAULT_READONLY_PATHS: readonly string[] = [
  '/proc/bus',
  '/proc/fs',
  '/proc/irq',
  '/proc/sys',
  '/proc/sysrq-trigger',
];

/** /dev/shm's size when HostConfig.ShmSize leaves it unset: dockerd's default, 64 MiB. */
export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/**
 * The mounts every container gets, in mount order. /sys and /sys/fs/cgroup are read-only unless
 * the container is privileged.
 */
export function defaultMounts(privileged: boolean, shmSizeBytes = DEFAULT_SHM_SIZE): Mount[] {
  const sysAccess = privileged ? 'rw' : 'ro';
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    {
      destination: '/sys',
      type: 'sysfs',
      source: 'sysfs',
      options: ['nosuid', 'noexec', 'nodev', sysAccess],
    },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: [sysAccess, 'nosuid', 'noexec', 'nodev'],
    },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shmSizeBytes}`],
    },
  ];
}

/**
 * Docker's devices-cgroup allow-list for a non-privileged container: deny everything, allow
 * mknod of any node (so images can create device files they cannot open), then the usual
 * character devices. Later rules win, so the deny must come first.
 */
export function defaultDeviceRules(): LinuxDeviceCgroup[] {
  const char = (major: number, minor?: number): LinuxDeviceCgroup =>
    minor === undefined
      ? { allow: true, type: 'c', major, access: 'rwm' }
      : { allow: true, type: 'c', major, minor, access: 'rwm' };
  return [
    { allow: false, access: 'rwm' },
    { allow: true, type: 'c', access: 'm' },
    { allow: true, type: 'b', access: 'm' },
    char(1, 3), // null
    char(1, 5), // zero
    char(1, 7), // full
    char(1, 8), // random
    char(1, 9), // urandom
    char(5, 0), // tty
    char(5, 1), // console
    char(5, 2), // ptmx
    char(136), // pts/*
    char(10, 200), // net/tun
  ];
}

/** Rules for a privileged container: every device, every access. */
export function privilegedDeviceRules(): LinuxDeviceCgroup[] {
  return [{ allow: true, access: 'rwm' }];
}

/** PATH a container gets when neither the image nor the user sets one (docker's value). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Where `--init` puts the init binary inside the container (docker's path). */
export const INIT_DESTINATION = '/sbin/docker-init';

/** Debian's `tini` package's statically linked build, the usual source for `--init`. */
export const DEFAULT_INIT_PATH = '/usr/bin/tini-static';

export const OCI_VERSION = '1.0.2-dev';

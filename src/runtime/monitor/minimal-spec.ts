/**
 * The smallest OCI runtime config that runc and crun accept for a rootfs made of a static binary:
 * private namespaces, /proc, a tmpfs /dev with devpts, no network setup. It serves the runtime
 * probe and this module's tests; real containers get their spec from `runtime/spec/`.
 */
export interface MinimalSpecOptions {
  args: string[];
  terminal?: boolean;
  env?: string[];
  cwd?: string;
  hostname?: string;
}

const DEFAULT_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID'];

export function minimalSpec(opts: MinimalSpecOptions): Record<string, unknown> {
  return {
    ociVersion: '1.0.2',
    root: { path: 'rootfs', readonly: false },
    hostname: opts.hostname ?? 'berth-probe',
    process: {
      terminal: opts.terminal ?? false,
      user: { uid: 0, gid: 0 },
      args: opts.args,
      env: opts.env ?? ['PATH=/bin', 'TERM=xterm'],
      cwd: opts.cwd ?? '/',
      capabilities: {
        bounding: DEFAULT_CAPS,
        effective: DEFAULT_CAPS,
        permitted: DEFAULT_CAPS,
      },
      noNewPrivileges: true,
    },
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'],
      },
    ],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      maskedPaths: ['/proc/kcore', '/proc/keys', '/proc/timer_list'],
      readonlyPaths: ['/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

import type { CommandDef } from '../command.js';

export const portCommand: CommandDef = {
  usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
  aliases: ['container port', 'port'],
  flags: [],
  args: { kind: 'range', min: 1, max: 2 },
  run: async (ctx, flags) => {
    const [container = '', wanted] = flags.args;
    const info = await ctx.client().containerInspect(container);
    const ports = info.NetworkSettings.Ports ?? {};
    const show = (ip: string | undefined, port: string | undefined) => (ip?.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
    if (wanted !== undefined) {
      const [port = '', proto = 'tcp'] = wanted.split('/');
      if (!/^\d+$/.test(port)) {
        ctx.io.stderr.write(`Error: invalid port (${port}): strconv.ParseUint: parsing "${port}": invalid syntax\n`);
        return 1;
      }
      const bindings = ports[`${port}/${proto}`];
      if (!bindings || bindings.length === 0) {
        ctx.io.stderr.write(`Error: No public port '${wanted}' published for ${container}\n`);
        return 1;
      }
      for (const b of bindings) ctx.io.stdout.write(`${show(b.HostIp, b.HostPort)}\n`);
      return 0;
    }
    // docker/cli lists ports in numeric order.
    const keys = Object.keys(ports).sort((a, b) => parseInt(a, 10) - parseInt(b, 10) || a.localeCompare(b));
    for (const key of keys) for (const b of ports[key] ?? []) ctx.io.stdout.write(`${key} -> ${show(b.HostIp, b.HostPort)}\n`);
    return 0;
  },
};

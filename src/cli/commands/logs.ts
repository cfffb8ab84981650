import { FrameDemuxer } from '../../api/client/frame-demuxer.js';
import type { CommandDef } from '../command.js';
import { timeRangeFlags } from '../time-spec.js';

const TIME_HELP = 'timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)';

export const logsCommand: CommandDef = {
  usage: '[OPTIONS] CONTAINER',
  aliases: ['container logs', 'logs'],
  flags: [
    { name: 'details', type: 'bool', description: 'Show extra details provided to logs' },
    { name: 'follow', short: 'f', type: 'bool', description: 'Follow log output' },
    { name: 'since', type: 'string', description: `Show logs since ${TIME_HELP}` },
    { name: 'tail', short: 'n', type: 'string', description: 'Number of lines to show from the end of the logs', defaultText: '"all"' },
    { name: 'timestamps', short: 't', type: 'bool', description: 'Show timestamps' },
    { name: 'until', type: 'string', description: `Show logs before a ${TIME_HELP}` },
  ],
  args: { kind: 'exact', n: 1 },
  run: async (ctx, flags) => {
    const { since, until } = timeRangeFlags(flags, Date.now());
    const client = ctx.client();
    // The container's TTY setting decides whether the stream is multiplexed.
    const info = await client.containerInspect(flags.args[0] ?? '');
    const res = await client.containerLogs(info.Id, {
      stdout: true,
      stderr: true,
      follow: flags.bool('follow'),
      timestamps: flags.bool('timestamps'),
      details: flags.bool('details'),
      tail: flags.string('tail') ?? 'all',
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
    });
    if (info.Config.Tty === true) {
      for await (const chunk of res) ctx.io.stdout.write(chunk as Buffer);
      return 0;
    }
    let systemError: string | undefined;
    const demuxer = new FrameDemuxer((stream, payload) => {
      if (stream === 'stderr') ctx.io.stderr.write(payload);
      else if (stream === 'system') systemError = payload.toString();
      else ctx.io.stdout.write(payload);
    });
    for await (const chunk of res) {
      demuxer.push(chunk as Buffer);
      if (systemError !== undefined) throw new Error(systemError);
    }
    return 0;
  },
};

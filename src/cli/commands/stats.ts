import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineClient } from '../../api/client/engine-client.js';
import { readJsonLines } from '../../api/client/json-lines.js';
import type { StatsResponse } from '../../api/types/index.js';
import { describeError, type CommandDef } from '../command.js';
import { formatFlag } from '../filters.js';
import { renderList } from '../format/formatter.js';
import { emptyEntry, liveFrame, STATS_HEADERS, statsEntry, statsRow, type StatsEntry } from '../stats-entry.js';

const DEFAULT_FORMAT = 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';
const REDRAW_MS = 500;
const REFRESH_MS = 1000;

/** Reads one container's stats stream into `entry`; resolves `first` after the first reading or failure. */
class Collector {
  entry: StatsEntry;
  error: unknown;
  readonly first: Promise<void>;
  private response: IncomingMessage | undefined;
  private stopped = false;

  constructor(client: EngineClient, readonly container: string, stream: boolean) {
    this.entry = emptyEntry(container);
    this.first = this.run(client, stream);
  }

  private run(client: EngineClient, stream: boolean): Promise<void> {
    return new Promise((resolve) => {
      const loop = async () => {
        try {
          const res = await client.containerStats(this.container, { stream });
          this.response = res;
          if (this.stopped) res.destroy();
          for await (const s of readJsonLines<StatsResponse>(res)) {
            this.entry = statsEntry(this.container, s);
            this.error = undefined;
            resolve();
          }
          // The daemon ended the stream (container removed): no more readings.
          if (stream) this.fail(new Error('EOF'));
        } catch (e) {
          if (!this.stopped) this.fail(e);
        }
        resolve();
      };
      void loop();
    });
  }

  private fail(e: unknown): void {
    this.error = e;
    this.entry = { ...emptyEntry(this.container), name: this.entry.name, id: this.entry.id, invalid: true };
  }

  stop(): void {
    this.stopped = true;
    this.response?.destroy();
  }
}

export const statsCommand: CommandDef = {
  usage: '[OPTIONS] [CONTAINER...]',
  aliases: ['container stats', 'stats'],
  flags: [
    { name: 'all', short: 'a', type: 'bool', description: 'Show all containers (default shows just running)' },
    formatFlag(true),
    { name: 'no-stream', type: 'bool', description: 'Disable streaming stats and only pull the first result' },
    { name: 'no-trunc', type: 'bool', description: 'Do not truncate output' },
  ],
  args: { kind: 'any' },
  run: async (ctx, flags) => {
    const client = ctx.client();
    const stream = !flags.bool('no-stream');
    const showAll = flags.args.length === 0;
    const collectors = new Map<string, Collector>();
    const add = (container: string) => {
      if (!collectors.has(container)) collectors.set(container, new Collector(client, container, stream));
    };
    // Without names: every running container (all with -a), re-listed while streaming so new ones
    // appear and stopped or removed ones go, as docker's event-driven list does.
    const refresh = async () => {
      const list = await client.containerList({ all: flags.bool('all') });
      const ids = new Set(list.map((c) => c.Id.slice(0, 12)));
      for (const [key, c] of collectors) {
        if (!ids.has(key)) {
          c.stop();
          collectors.delete(key);
        }
      }
      // docker names listed containers by their short ID (the Container column).
      for (const c of list) add(c.Id.slice(0, 12));
    };
    if (showAll) await refresh();
    else for (const name of flags.args) add(name);
    await Promise.all([...collectors.values()].map((c) => c.first));
    try {
      if (!showAll) {
        const errors = [...collectors.values()].map((c) => c.error).filter((e) => e !== undefined);
        if (errors.length === 1) throw errors[0];
        if (errors.length > 1) throw new Error(errors.map(describeError).join('\n'));
      }
      const render = () =>
        renderList({
          format: flags.string('format'),
          defaultFormat: DEFAULT_FORMAT,
          headers: STATS_HEADERS,
          rows: [...collectors.values()].map((c) => statsRow(c.entry, { trunc: !flags.bool('no-trunc') })),
        });
      if (!stream) {
        if (collectors.size > 0) ctx.io.stdout.write(render());
        return 0;
      }
      let lastRefresh = Date.now();
      for (;;) {
        ctx.io.stdout.write(liveFrame(render()));
        await sleep(REDRAW_MS);
        if (showAll && Date.now() - lastRefresh >= REFRESH_MS) {
          await refresh();
          lastRefresh = Date.now();
        }
      }
    } finally {
      for (const c of collectors.values()) c.stop();
    }
  },
};

/** What happened to which object: the engine's record of a change, as `docker events` shows it. */
export type EventType = 'container' | 'image' | 'network' | 'volume' | 'daemon' | 'builder';

export interface EngineEvent {
  type: EventType;
  /** `create`, `start`, `die`, `health_status: healthy`, `tag`, `connect`, … (Docker's words). */
  action: string;
  /** The object's id (container/network id, image id or reference, volume name). */
  actorId: string;
  attributes: Record<string, string>;
  /** Nanoseconds since the epoch; strictly increasing, so `--since`/`--until` are exact. */
  timeNano: number;
}

export type EventInput = Omit<EngineEvent, 'timeNano'>;

export interface EventSubscription {
  /** Remembered events at or after `since`, oldest first. */
  backlog: EngineEvent[];
  unsubscribe(): void;
}

/** The recording side, which services depend on. */
export interface EventRecorder {
  record(event: EventInput): void;
}

/**
 * Fan-out of engine events to `GET /events` listeners, remembering the most recent ones so
 * `--since` can replay them (Docker keeps 256 in memory too; events are not persisted).
 */
export class EventBus implements EventRecorder {
  private readonly recent: EngineEvent[] = [];
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  private lastMicros = 0;

  constructor(private readonly capacity = 256) {}

  record(input: EventInput): void {
    // Times in ns exceed 2^53, so steps below 256 ns vanish: count in whole µs (exact in a double)
    // and keep events at least 1 µs apart. `Math.round(timeNano / 1000)` gives the µs back exactly.
    this.lastMicros = Math.max(Date.now() * 1000, this.lastMicros + 1);
    const event: EngineEvent = { ...input, timeNano: this.lastMicros * 1000 };
    this.recent.push(event);
    if (this.recent.length > this.capacity) this.recent.shift();
    for (const l of this.listeners) l(event);
  }

  /** How many `GET /events` streams are open (`NEventsListener` in `/info`). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  subscribe(sinceNano: number | undefined, listener: (e: EngineEvent) => void): EventSubscription {
    this.listeners.add(listener);
    const backlog = sinceNano === undefined ? [] : this.recent.filter((e) => e.timeNano >= sinceNano);
    return { backlog, unsubscribe: () => this.listeners.delete(listener) };
  }
}

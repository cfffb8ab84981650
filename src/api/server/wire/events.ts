import type { EngineEvent } from '../../../lib/event-bus.js';
import type { EventMessage } from '../../types/index.js';

/** An engine event as `GET /events` sends it, with the deprecated `status`/`id`/`from` that compose 1.29 reads. */
export function eventMessage(e: EngineEvent): EventMessage {
  const legacy =
    e.type === 'container'
      ? { status: e.action, id: e.actorId, from: e.attributes['image'] ?? '' }
      : e.type === 'image'
        ? { status: e.action, id: e.actorId }
        : {};
  return {
    ...legacy,
    Type: e.type,
    Action: e.action,
    Actor: { ID: e.actorId, Attributes: e.attributes },
    scope: 'local',
    time: Math.floor(e.timeNano / 1e9),
    timeNano: e.timeNano,
  };
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineEvent } from '../lib/event-bus.js';
import { eventMatches, validateEventFilters } from './event-filter.js';

const CID = 'a'.repeat(64);
const start: EngineEvent = { type: 'container', action: 'start', actorId: CID, attributes: { image: 'busybox:latest', name: 'web', tier: 'front' }, timeNano: 1 };
const exec: EngineEvent = { ...start, action: 'exec_create: sh -c true', attributes: { ...start.attributes, execID: 'e1' } };
const tag: EngineEvent = { type: 'image', action: 'tag', actorId: 'sha256:abc', attributes: { name: 'localhost:5000/app:1' }, timeNano: 2 };
const connect: EngineEvent = { type: 'network', action: 'connect', actorId: 'n'.repeat(64), attributes: { container: CID, name: 'front', type: 'bridge' }, timeNano: 3 };
const vol: EngineEvent = { type: 'volume', action: 'create', actorId: 'data', attributes: { driver: 'local' }, timeNano: 4 };

const f = (o: Record<string, string[]>) => new Map(Object.entries(o));

test('event filters follow Docker: keys ANDed, values ORed', () => {
  const cases: [string, EngineEvent, Record<string, string[]>, boolean][] = [
    ['no filter', start, {}, true],
    ['type', start, { type: ['container'] }, true],
    ['other type', start, { type: ['image', 'network'] }, false],
    ['event', start, { event: ['die', 'start'] }, true],
    ['event exact', start, { event: ['sta'] }, false],
    ['exec_create prefix', exec, { event: ['exec_create'] }, true],
    ['container by name', start, { container: ['web'] }, true],
    ['container by id prefix', start, { container: [CID.slice(0, 12)] }, true],
    ['container excludes other types', tag, { container: ['web'] }, false],
    ['image with tag', start, { image: ['busybox:latest'] }, true],
    ['image without tag', start, { image: ['busybox'] }, true],
    ['image with registry port', tag, { image: ['localhost:5000/app'] }, true],
    ['image by id', tag, { image: ['sha256:abc'] }, true],
    ['image partial', start, { image: ['busy'] }, false],
    ['label key', start, { label: ['tier'] }, true],
    ['label k=v', start, { label: ['tier=front'] }, true],
    ['labels ANDed', start, { label: ['tier=front', 'x'] }, false],
    ['network by name', connect, { network: ['front'] }, true],
    ['network filter excludes containers', start, { network: ['front'] }, false],
    ['volume by name', vol, { volume: ['data'] }, true],
    ['scope local', vol, { scope: ['local'] }, true],
    ['scope swarm', vol, { scope: ['swarm'] }, false],
    ['type and event', start, { type: ['container'], event: ['die'] }, false],
  ];
  for (const [name, e, filters, want] of cases) assert.equal(eventMatches(e, f(filters)), want, name);
});

test('unknown filter keys are refused with Docker wording', () => {
  assert.throws(() => validateEventFilters(f({ foo: ['x'] })), /invalid filter 'foo'/);
  validateEventFilters(f({ container: ['x'], type: ['image'], label: ['a'] }));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus, type EngineEvent } from './event-bus.js';

const ev = (action: string) => ({ type: 'container' as const, action, actorId: 'c1', attributes: {} });

test('events get strictly increasing times and reach every listener', () => {
  const bus = new EventBus();
  const a: EngineEvent[] = [];
  const b: EngineEvent[] = [];
  bus.subscribe(undefined, (e) => a.push(e));
  const sub = bus.subscribe(undefined, (e) => b.push(e));
  bus.record(ev('create'));
  sub.unsubscribe();
  bus.record(ev('start'));
  assert.deepEqual(a.map((e) => e.action), ['create', 'start']);
  assert.deepEqual(b.map((e) => e.action), ['create']);
  assert.equal(bus.listenerCount, 1);
  assert.ok(a[1]!.timeNano > a[0]!.timeNano);
});

test('subscribe with since replays remembered events, bounded by capacity', () => {
  const bus = new EventBus(2);
  bus.record(ev('one'));
  bus.record(ev('two'));
  bus.record(ev('three'));
  assert.deepEqual(bus.subscribe(0, () => {}).backlog.map((e) => e.action), ['two', 'three']);
  assert.deepEqual(bus.subscribe(undefined, () => {}).backlog, []);
  const last = bus.subscribe(0, () => {}).backlog[1]!;
  assert.deepEqual(bus.subscribe(last.timeNano, () => {}).backlog.map((e) => e.action), ['three']);
});

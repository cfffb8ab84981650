import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTemplate, dockerTemplateFuncs } from './format/go-template.js';
import type { EventMessage } from '../api/types/index.js';
import { eventLine, eventTemplateData } from './event-output.js';

const e: EventMessage = {
  status: 'die',
  id: 'c1',
  from: 'busybox',
  Type: 'container',
  Action: 'die',
  Actor: { ID: 'c1', Attributes: { name: 'x', image: 'busybox', exitCode: '0' } },
  scope: 'local',
  time: 1796425262,
  timeNano: 1796425262123456000,
};

test('the default line: RFC3339 with nine digits, attributes sorted by key', () => {
  assert.equal(eventLine(e, 0), '2026-12-04T23:01:02.123456000Z container die c1 (exitCode=0, image=busybox, name=x)\n');
  assert.equal(eventLine(e, 60), '2026-12-05T00:01:02.123456000+01:00 container die c1 (exitCode=0, image=busybox, name=x)\n');
  assert.equal(eventLine({ ...e, Actor: { ID: 'n1', Attributes: {} } }, -330), '2026-12-04T17:31:02.123456000-05:30 container die n1\n');
});

test('templates see Go field names; json gives the wire form', () => {
  const run = (t: string) => compileTemplate(t, dockerTemplateFuncs).execute(eventTemplateData(e));
  assert.equal(run('{{.Status}} {{.ID}} {{.From}} {{.Type}} {{.Action}} {{.Actor.ID}} {{.Scope}} {{.Time}}'), 'die c1 busybox container die c1 local 1796425262');
  assert.equal(run('{{index .Actor.Attributes "exitCode"}} {{.Actor.Attributes.name}}'), '0 x');
  // A missing attribute is the zero value of Go's map[string]string.
  assert.equal(run('[{{.Actor.Attributes.signal}}][{{index .Actor.Attributes "signal"}}]'), '[][]');
  assert.equal(run('{{json .Actor.Attributes}}'), '{"exitCode":"0","image":"busybox","name":"x"}');
  assert.equal(
    run('{{json .}}'),
    '{"status":"die","id":"c1","from":"busybox","Type":"container","Action":"die","Actor":{"ID":"c1","Attributes":{"exitCode":"0","image":"busybox","name":"x"}},"scope":"local","time":1796425262,"timeNano":1796425262123456000}',
  );
});

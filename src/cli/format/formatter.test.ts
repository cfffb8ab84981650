import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderJsonOrTemplate, renderList } from './formatter.js';
import { TemplateError } from './go-template.js';

const rows = [
  { ID: 'abc123', Image: 'busybox', Names: 'web', Label: (k: unknown) => (k === 'tier' ? 'front' : '') },
  { ID: 'def456', Image: 'alpine:latest', Names: 'db', Label: (k: unknown) => (k === 'tier' ? 'back' : '') },
];
const headers = { ID: 'CONTAINER ID', Image: 'IMAGE', Names: 'NAMES' };
const defaultFormat = 'table {{.ID}}\t{{.Image}}\t{{.Names}}';

test('default and explicit table formats render a header and aligned rows', () => {
  const want =
    'CONTAINER ID   IMAGE           NAMES\n' +
    'abc123         busybox         web\n' +
    'def456         alpine:latest   db\n';
  for (const format of [undefined, '', 'table']) {
    assert.equal(renderList({ format, defaultFormat, rows, headers }), want, String(format));
  }
  assert.equal(
    renderList({ format: 'table {{.Names}}\\t{{.ID}}', defaultFormat, rows, headers }),
    'NAMES     CONTAINER ID\nweb       abc123\ndb        def456\n',
  );
});

test('table headers: functions return their argument, methods and unknown headers get titles', () => {
  assert.equal(
    renderList({ format: 'table {{upper .Names}}\t{{.Label "tier"}}\t{{.Image}}', defaultFormat, rows, headers: { Names: 'NAMES' } }),
    'NAMES     LABEL     IMAGE\nWEB       front     busybox\nDB        back      alpine:latest\n',
  );
});

test('a table with no rows prints only the header', () => {
  assert.equal(renderList({ defaultFormat, rows: [], headers }), 'CONTAINER ID   IMAGE     NAMES\n');
});

test('custom templates render one line per row without a header', () => {
  assert.equal(renderList({ format: '{{.ID}}: {{.Image}}', defaultFormat, rows, headers }), 'abc123: busybox\ndef456: alpine:latest\n');
  assert.equal(renderList({ format: '{{.ID}}\\t{{.Names}}', defaultFormat, rows, headers }), 'abc123\tweb\ndef456\tdb\n');
  assert.equal(renderList({ format: '{{.ID}}', defaultFormat, rows: [], headers }), '');
});

test("json and {{json .}} print a row as docker/cli's contexts marshal it: sorted keys, HTML escaped; {{json .Field}} unescaped", () => {
  const rows = [{ Names: 'a<b>', ID: 'x', Label: () => '' }];
  assert.equal(renderList({ format: 'json', defaultFormat, rows, headers }), '{"ID":"x","Names":"a\\u003cb\\u003e"}\n');
  assert.equal(renderList({ format: '{{json .}}', defaultFormat, rows, headers }), '{"ID":"x","Names":"a\\u003cb\\u003e"}\n');
  assert.equal(renderList({ format: '{{json .Names}}', defaultFormat, rows, headers }), '"a<b>"\n');
});

test('quiet prints IDs, overriding any format', () => {
  for (const format of [undefined, 'table', '{{.Names}}']) {
    assert.equal(renderList({ format, defaultFormat, rows, headers, quiet: true }), 'abc123\ndef456\n');
  }
  assert.equal(renderList({ defaultFormat, rows, headers, quiet: true, quietFormat: '{{.Names}}' }), 'web\ndb\n');
});

test('template errors: parse errors are prefixed as docker does, execution errors are not', () => {
  assert.throws(() => renderList({ format: '{{.ID}', defaultFormat, rows, headers }), {
    message: 'template parsing error: template: :1: unexpected "}" in operand',
  });
  assert.throws(
    () => renderList({ format: '{{.Nope}}', defaultFormat, rows, headers }),
    (e: unknown) =>
      e instanceof TemplateError &&
      e.message === 'template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type interface {}',
  );
});

test('inspect without a format prints indented, HTML-escaped JSON', () => {
  assert.equal(
    renderJsonOrTemplate(undefined, [{ Id: 'x', Env: ['A=<&>'], Empty: {}, List: [] }]),
    '[\n    {\n        "Id": "x",\n        "Env": [\n            "A=\\u003c\\u0026\\u003e"\n        ],\n        "Empty": {},\n        "List": []\n    }\n]\n',
  );
  assert.equal(renderJsonOrTemplate('', []), '[]\n');
  assert.equal(renderJsonOrTemplate(undefined, { a: 1 }), '[\n    {\n        "a": 1\n    }\n]\n');
});

test('inspect json and templates', () => {
  const items = [{ Id: 'x', State: { Running: true } }, { Id: 'y', State: { Running: false } }];
  assert.equal(renderJsonOrTemplate('json', items), '[{"Id":"x","State":{"Running":true}},{"Id":"y","State":{"Running":false}}]\n');
  assert.equal(renderJsonOrTemplate('{{.Id}} {{.State.Running}}', items), 'x true\ny false\n');
  assert.equal(renderJsonOrTemplate('{{json .State}}', items), '{"Running":true}\n{"Running":false}\n');
  assert.throws(() => renderJsonOrTemplate('{{.Nope}}', items), {
    message: 'template parsing error: template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"',
  });
  assert.throws(() => renderJsonOrTemplate('{{.Id', items), {
    message: 'template parsing error: template: :1: unclosed action',
  });
});

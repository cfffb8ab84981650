import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorFromResponse, errorKindForStatus } from './status-error.js';

test('maps HTTP statuses to error kinds', () => {
  const table: [number, string][] = [
    [304, 'NotModified'],
    [400, 'InvalidArgument'],
    [401, 'Unauthorized'],
    [403, 'Forbidden'],
    [404, 'NotFound'],
    [409, 'Conflict'],
    [500, 'Internal'],
    [501, 'NotImplemented'],
    [502, 'Internal'],
    [503, 'Unavailable'],
  ];
  for (const [status, kind] of table) assert.equal(errorKindForStatus(status), kind, String(status));
});

test('uses the body message trimmed, else the text, else the status line', () => {
  const e = errorFromResponse(404, 'Not Found', Buffer.from('{"message":"No such container: x"}'));
  assert.equal(e.kind, 'NotFound');
  assert.equal(e.message, 'No such container: x');
  assert.equal(e.code, 'http_404');
  assert.equal(errorFromResponse(500, 'Internal Server Error', 'plain text\n').message, 'plain text');
  assert.equal(errorFromResponse(403, 'Forbidden', '{"message":"operation is not permitted on predefined bridge network "}').message, 'operation is not permitted on predefined bridge network');
  assert.equal(errorFromResponse(304, 'Not Modified', '').message, '304 Not Modified');
});

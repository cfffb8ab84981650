import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RCODE_NXDOMAIN, TYPE_A, buildAnswer, formatError, parseQuery } from './dns-packet.js';

/** A query as a resolver sends it: id, flags (RD), one question. */
function query(id: number, name: string, type = TYPE_A): Buffer {
  const labels = name.split('.').filter(Boolean).map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const header = Buffer.from([id >> 8, id & 255, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([header, ...labels, Buffer.from([0, type >> 8, type & 255, 0, 1])]);
}

test('parseQuery reads id, lower-cased name, type and class', () => {
  const cases: { name: string; type: number; want: string }[] = [
    { name: 'web', type: TYPE_A, want: 'web' },
    { name: 'Web.Example.ORG.', type: 28, want: 'web.example.org' },
    { name: 'abcdef123456', type: TYPE_A, want: 'abcdef123456' },
  ];
  for (const c of cases) {
    const q = parseQuery(query(0x1234, c.name, c.type));
    assert.ok(q, c.name);
    assert.equal(q.id, 0x1234);
    assert.equal(q.name, c.want);
    assert.equal(q.type, c.type);
    assert.equal(q.qclass, 1);
  }
});

test('parseQuery refuses responses, short and truncated messages', () => {
  const response = query(1, 'a');
  response[2] = 0x81;
  for (const bad of [Buffer.alloc(5), response, query(1, 'abc').subarray(0, 15), Buffer.concat([query(1, 'a').subarray(0, 12), Buffer.from([0xc0, 0x0c])])]) {
    assert.equal(parseQuery(bad), undefined);
  }
});

test('buildAnswer gives A records pointing at the question name', () => {
  const q = parseQuery(query(7, 'db'));
  assert.ok(q);
  const a = buildAnswer(q, ['172.19.0.2', '10.0.0.3'], 0, 600);
  assert.equal(a.readUInt16BE(0), 7);
  assert.equal(a.readUInt16BE(2), 0x8580);
  assert.equal(a.readUInt16BE(4), 1);
  assert.equal(a.readUInt16BE(6), 2);
  const first = 12 + q.question.length;
  assert.deepEqual([...a.subarray(first, first + 12)], [0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 2, 0x58, 0, 4]);
  assert.deepEqual([...a.subarray(first + 12, first + 16)], [172, 19, 0, 2]);
  assert.deepEqual([...a.subarray(first + 28, first + 32)], [10, 0, 0, 3]);
  assert.equal(a.length, first + 32);
});

test('buildAnswer with no address carries the rcode', () => {
  const q = parseQuery(query(9, 'nosuch'));
  assert.ok(q);
  const a = buildAnswer(q, [], RCODE_NXDOMAIN);
  assert.equal(a.readUInt16BE(2) & 0xf, RCODE_NXDOMAIN);
  assert.equal(a.readUInt16BE(6), 0);
  assert.equal(formatError(Buffer.from([0xab, 0xcd, 1])).readUInt16BE(0), 0xabcd);
});

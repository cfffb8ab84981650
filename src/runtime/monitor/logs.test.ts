import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keepRotated, rotatedLogFiles } from './log-rotation.js';
import { LogJoiner, normalizeTimestamp, parseLogLine, readLogs, type LogEntry, type ReadLogsOptions } from './logs.js';

test('normalizeTimestamp', () => {
  const cases: Array<[string, string | null, bigint | null]> = [
    ['2024-01-02T03:04:05.123456789+00:00', '2024-01-02T03:04:05.123456789Z', 1704164645123456789n],
    ['2024-01-02T03:04:05.123456789Z', '2024-01-02T03:04:05.123456789Z', 1704164645123456789n],
    ['2024-01-02T04:34:05.5+01:30', '2024-01-02T03:04:05.500000000Z', 1704164645500000000n],
    ['2024-01-01T22:04:05-05:00', '2024-01-02T03:04:05.000000000Z', 1704164645000000000n],
    ['2024-01-02 03:04:05Z', null, null],
    ['garbage', null, null],
  ];
  for (const [input, time, ns] of cases) {
    const r = normalizeTimestamp(input);
    assert.equal(r?.time ?? null, time, input);
    assert.equal(r?.ns ?? null, ns, input);
  }
});

test('parseLogLine', () => {
  const cases: Array<[string, { stream: string; partial: boolean; content: string } | null]> = [
    ['2024-01-02T03:04:05.000000001+00:00 stdout F hello world', { stream: 'stdout', partial: false, content: 'hello world' }],
    ['2024-01-02T03:04:05.000000001+00:00 stderr P part', { stream: 'stderr', partial: true, content: 'part' }],
    ['2024-01-02T03:04:05.000000001+00:00 stdout F ', { stream: 'stdout', partial: false, content: '' }],
    ['2024-01-02T03:04:05.000000001+00:00 stdout F', { stream: 'stdout', partial: false, content: '' }],
    ['2024-01-02T03:04:05.000000001+00:00 stdout F  two spaces', { stream: 'stdout', partial: false, content: ' two spaces' }],
    ['2024-01-02T03:04:05.000000001+00:00 stdin F x', null],
    ['2024-01-02T03:04:05.000000001+00:00 stdout X x', null],
    ['2024-01-02T03:04:05.000000001+00:00 stdout Fx', null],
    ['nonsense', null],
  ];
  for (const [line, want] of cases) {
    const r = parseLogLine(Buffer.from(line));
    assert.deepEqual(r && { stream: r.stream, partial: r.partial, content: r.content.toString() }, want, line);
  }
  const bin = Buffer.concat([Buffer.from('2024-01-02T03:04:05Z stdout F '), Buffer.from([0xff, 0x00, 0xfe])]);
  assert.deepEqual([...parseLogLine(bin)!.content], [0xff, 0x00, 0xfe]);
});

test('LogJoiner joins fragments per stream', () => {
  const j = new LogJoiner();
  const rec = (t: number, stream: 'stdout' | 'stderr', tag: 'F' | 'P', c: string) =>
    parseLogLine(Buffer.from(`2024-01-02T03:04:0${t}Z ${stream} ${tag} ${c}`))!;
  assert.equal(j.push(rec(1, 'stdout', 'P', 'ab')), null);
  assert.equal(j.push(rec(2, 'stderr', 'P', 'x')), null);
  const e1 = j.push(rec(3, 'stdout', 'F', 'cd'));
  assert.equal(e1?.line.toString(), 'abcd\n');
  assert.equal(e1?.time, '2024-01-02T03:04:01.000000000Z');
  assert.equal(j.push(rec(4, 'stdout', 'P', 'tail')), null);
  const rest = j.flush();
  assert.deepEqual(
    rest.map((e) => [e.stream, e.line.toString()]),
    [
      ['stderr', 'x'],
      ['stdout', 'tail'],
    ],
  );
  assert.deepEqual(j.flush(), []);
});

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-logs-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function collect(path: string, opts: Partial<ReadLogsOptions> = {}): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const e of readLogs(path, { follow: false, isRunning: () => false, ...opts })) out.push(e);
  return out;
}

const text = (es: LogEntry[]): string[] => es.map((e) => `${e.stream}:${e.line.toString()}`);

const SAMPLE = [
  '2024-01-02T03:04:01.000000000+00:00 stdout F one',
  '2024-01-02T03:04:02.000000000+00:00 stderr F two',
  '2024-01-02T03:04:03.000000000+00:00 stdout P thr',
  '2024-01-02T03:04:03.500000000+00:00 stdout F ee',
  '2024-01-02T03:04:04.000000000+00:00 stdout F four',
  '2024-01-02T03:04:05.000000000+00:00 stdout P five-no-newline',
  '',
].join('\n');

test('readLogs: whole file, tail, since, until', async () => {
  await withDir(async (dir) => {
    const p = join(dir, 'ctr.log');
    await writeFile(p, SAMPLE);
    const all = ['stdout:one\n', 'stderr:two\n', 'stdout:three\n', 'stdout:four\n', 'stdout:five-no-newline'];
    assert.deepEqual(text(await collect(p)), all);
    assert.deepEqual(text(await collect(p, { tail: 'all' })), all);
    const tails: Array<[number, string[]]> = [
      [0, []],
      [1, all.slice(4)],
      [2, all.slice(3)],
      [3, all.slice(2)],
      [10, all],
    ];
    for (const [n, want] of tails) assert.deepEqual(text(await collect(p, { tail: n })), want, `tail ${n}`);
    const t3 = Date.UTC(2024, 0, 2, 3, 4, 3) / 1000;
    assert.deepEqual(text(await collect(p, { since: t3 })), all.slice(2));
    assert.deepEqual(text(await collect(p, { since: t3 + 0.1 })), all.slice(3));
    assert.deepEqual(text(await collect(p, { until: t3 })), all.slice(0, 3));
    assert.deepEqual(text(await collect(p, { tail: 2, since: t3 + 1.5 })), all.slice(4));
    const first = (await collect(p))[0]!;
    assert.equal(first.time, '2024-01-02T03:04:01.000000000Z');
  });
});

test('readLogs: tail across many chunks', async () => {
  await withDir(async (dir) => {
    const p = join(dir, 'big.log');
    const lines: string[] = [];
    for (let i = 0; i < 5000; i++) lines.push(`2024-01-02T03:04:05.${String(i).padStart(9, '0')}Z stdout F line ${i} ${'x'.repeat(40)}`);
    await writeFile(p, `${lines.join('\n')}\n`);
    const got = await collect(p, { tail: 3000 });
    assert.equal(got.length, 3000);
    assert.equal(got[0]!.line.toString(), `line 2000 ${'x'.repeat(40)}\n`);
    assert.equal(got[2999]!.line.toString(), `line 4999 ${'x'.repeat(40)}\n`);
  });
});

test('readLogs: rotated files first, oldest first, a fragment joined across files; a tail reaches into them when the live file has too few lines', async () => {
  await withDir(async (dir) => {
    const p = join(dir, 'ctr.log');
    const rec = (i: number, tag = 'F', content = `l${i}`) => `2024-01-02T03:04:${String(i).padStart(2, '0')}.000000000Z stdout ${tag} ${content}\n`;
    await writeFile(`${p}.2`, rec(1) + rec(2));
    await writeFile(`${p}.1`, rec(3) + rec(4, 'P', 'fo'));
    await writeFile(p, rec(5, 'F', 'ur') + rec(6));
    // Not a rotated file: the link to the live one, and names that only look alike.
    await writeFile(`${p}.keep`, rec(99));
    await writeFile(`${p}.tmp`, rec(98));
    await writeFile(`${p}.01`, rec(97));
    assert.deepEqual(text(await collect(p)), ['stdout:l1\n', 'stdout:l2\n', 'stdout:l3\n', 'stdout:four\n', 'stdout:l6\n']);
    assert.deepEqual(text(await collect(p, { tail: 1 })), ['stdout:l6\n']);
    assert.deepEqual(text(await collect(p, { tail: 3 })), ['stdout:l3\n', 'stdout:four\n', 'stdout:l6\n']);
    assert.equal((await collect(p, { tail: 3 }))[1]!.time, '2024-01-02T03:04:04.000000000Z');
    await rm(p);
    assert.deepEqual(text(await collect(p, { tail: 2 })), ['stdout:l3\n', 'stdout:fo']);
  });
});

test('keepRotated: the live log kept by a link; after conmon replaced it, the kept one is .1, older ones move up, one past max-file goes', async () => {
  await withDir(async (dir) => {
    const p = join(dir, 'ctr.log');
    const conmonRotates = async (content: string): Promise<void> => {
      await writeFile(`${p}.tmp`, content);
      await rename(`${p}.tmp`, p);
    };
    await keepRotated(p, 3);
    assert.deepEqual(await rotatedLogFiles(p), []);
    await writeFile(p, 'a');
    await keepRotated(p, 3);
    await keepRotated(p, 3);
    assert.deepEqual(await rotatedLogFiles(p), []);
    await appendFile(p, 'A');
    await conmonRotates('b');
    await keepRotated(p, 3);
    assert.deepEqual(await rotatedLogFiles(p), [`${p}.1`]);
    await conmonRotates('c');
    await keepRotated(p, 3);
    await conmonRotates('d');
    await keepRotated(p, 3);
    assert.deepEqual(await rotatedLogFiles(p), [`${p}.2`, `${p}.1`]);
    const contents = await Promise.all([`${p}.2`, `${p}.1`, p].map((f) => readFile(f, 'utf8')));
    assert.deepEqual(contents, ['b', 'c', 'd']);
    assert.equal(await readFile(`${p}.keep`, 'utf8'), 'd');
  });
});

test('readLogs: missing file is empty', async () => {
  await withDir(async (dir) => {
    assert.deepEqual(await collect(join(dir, 'nope.log')), []);
    assert.deepEqual(await collect(join(dir, 'nope.log'), { follow: true, tail: 5 }), []);
  });
});

test('readLogs: follow sees appended lines, late creation and rotation, ends when not running', async () => {
  await withDir(async (dir) => {
    const p = join(dir, 'ctr.log');
    let running = true;
    const seen: string[] = [];
    const done = (async () => {
      for await (const e of readLogs(p, { follow: true, isRunning: () => running })) seen.push(e.line.toString());
    })();
    const until = async (n: number) => {
      for (let i = 0; i < 200 && seen.length < n; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(seen.length, n, `saw ${JSON.stringify(seen)}`);
    };
    await new Promise((r) => setTimeout(r, 50));
    await writeFile(p, '2024-01-02T03:04:01Z stdout F a\n');
    await until(1);
    await appendFile(p, '2024-01-02T03:04:02Z stdout P b');
    await appendFile(p, '1\n2024-01-02T03:04:03Z stdout F b2\n');
    await until(2);
    // conmon rotates by renaming a fresh empty file over the old one.
    await writeFile(`${p}.tmp`, '');
    await rename(`${p}.tmp`, p);
    await appendFile(p, '2024-01-02T03:04:04Z stdout F c\n2024-01-02T03:04:05Z stdout P d\n');
    await until(3);
    running = false;
    await done;
    assert.deepEqual(seen, ['a\n', 'b1b2\n', 'c\n', 'd']);
  });
});

test('readLogs: follow stops on abort', async () => {
  await withDir(async (dir) => {
    const p = join(dir, 'ctr.log');
    await writeFile(p, '2024-01-02T03:04:01Z stdout F a\n');
    const ac = new AbortController();
    const seen: string[] = [];
    const started = Date.now();
    setTimeout(() => ac.abort(), 100);
    for await (const e of readLogs(p, { follow: true, isRunning: () => true, signal: ac.signal })) seen.push(e.line.toString());
    assert.deepEqual(seen, ['a\n']);
    assert.ok(Date.now() - started < 2000);
  });
});

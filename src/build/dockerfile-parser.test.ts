import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerfile, splitQuoted } from './dockerfile-parser.js';

test('instructions, comments, blank lines and continuations', () => {
  const df = parseDockerfile(['# a comment', 'FROM busybox AS base', '', 'run echo a \\', '  # inside', '  && echo b', 'CMD ["sh", "-c", "x"]', 'COPY --from=base --chown=1:2 /a /b'].join('\n'));
  assert.deepEqual(
    df.instructions.map((i) => [i.keyword, i.line, i.rest]),
    [
      ['FROM', 2, 'busybox AS base'],
      ['RUN', 4, 'echo a   && echo b'],
      ['CMD', 7, '["sh", "-c", "x"]'],
      ['COPY', 8, '/a /b'],
    ],
  );
  assert.deepEqual(df.instructions[2]!.json, ['sh', '-c', 'x']);
  assert.deepEqual(df.instructions[3]!.flags, [
    { name: 'from', value: 'base' },
    { name: 'chown', value: '1:2' },
  ]);
  assert.equal(df.instructions[1]!.json, undefined);
});

test('escape directive and escaped escape at line end', () => {
  const df = parseDockerfile(['# escape=`', 'FROM busybox', 'RUN echo a `', ' b', 'RUN echo c\\'].join('\n'));
  assert.equal(df.escape, '`');
  assert.equal(df.instructions[1]!.rest, 'echo a  b');
  assert.equal(df.instructions[2]!.rest, 'echo c\\');
  assert.equal(parseDockerfile('FROM x\nRUN echo \\\\\nCMD y').instructions.length, 3);
});

test('a directive after an instruction is a comment', () => {
  const df = parseDockerfile('FROM busybox\n# escape=`\nRUN a \\\n b');
  assert.equal(df.escape, '\\');
  assert.equal(df.instructions[1]!.rest, 'a  b');
});

test('errors name the file, the line and the instruction', () => {
  const table: [string, RegExp][] = [
    ['FROM busybox\nFOO bar', /line 2 of Dockerfile: unknown instruction: FOO/],
    ['FROM busybox\nENV', /line 2 of Dockerfile: ENV requires at least one argument/],
    ['FROM busybox\nENV onlyname', /ENV must have two arguments/],
    ['FROM busybox\nLABEL a=b c', /LABEL names can not be blank/],
    ['FROM busybox\nCOPY', /COPY requires at least one argument/],
  ];
  for (const [text, re] of table) assert.throws(() => parseDockerfile(text), re, text);
  assert.throws(() => parseDockerfile('FROM x\nBAD', 'sub/My.Dockerfile'), /of sub\/My\.Dockerfile/);
});

test('RUN and CMD may be empty; exec form needs a JSON array of strings', () => {
  const df = parseDockerfile('FROM x\nCMD\nRUN ["a", 1]\nENTRYPOINT ["e"]');
  assert.equal(df.instructions[1]!.rest, '');
  assert.equal(df.instructions[2]!.json, undefined);
  assert.deepEqual(df.instructions[3]!.json, ['e']);
});

test('splitQuoted keeps quotes for later processing', () => {
  assert.deepEqual(splitQuoted(`a=b c="d e" f='g h' i=j\\ k`), ['a=b', 'c="d e"', "f='g h'", 'i=j\\ k']);
  assert.deepEqual(splitQuoted('  '), []);
});

test('heredocs: bodies follow their instruction, `<<-` strips tabs, quoted delimiters do not expand', () => {
  const df = parseDockerfile(['FROM x', 'RUN <<EOF', 'echo a', 'echo b', 'EOF', 'COPY <<-"ONE" <<TWO /dst/', '\tfirst', '\tONE', 'second', 'TWO', 'CMD done'].join('\n'));
  assert.deepEqual(df.instructions.map((i) => i.keyword), ['FROM', 'RUN', 'COPY', 'CMD']);
  assert.deepEqual(df.instructions[1]!.heredocs, [{ name: 'EOF', body: 'echo a\necho b\n', expand: true }]);
  assert.deepEqual(df.instructions[2]!.heredocs, [
    { name: 'ONE', body: 'first\n', expand: false },
    { name: 'TWO', body: 'second\n', expand: true },
  ]);
  assert.equal(df.instructions[3]!.line, 11);
  assert.throws(() => parseDockerfile('FROM x\nRUN <<EOF\nnever ends'), /line 2 of Dockerfile: unterminated heredoc EOF/);
  assert.deepEqual(parseDockerfile('FROM x\nRUN ["a", "<<EOF"]').instructions[1]!.heredocs, []);
});

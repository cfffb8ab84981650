import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FlagError, parseFlags, renderFlagUsages, type FlagSpec } from './flags.js';

const specs: FlagSpec[] = [
  { name: 'detach', short: 'd', type: 'bool', description: 'Detach' },
  { name: 'interactive', short: 'i', type: 'bool', description: 'Interactive' },
  { name: 'tty', short: 't', type: 'bool', description: 'TTY' },
  { name: 'name', type: 'string', description: 'Name' },
  { name: 'env', short: 'e', type: 'list', description: 'Env' },
  { name: 'last', short: 'n', type: 'int', description: 'Last', defaultText: '-1' },
  {
    name: 'memory',
    short: 'm',
    type: 'string',
    valueName: 'bytes',
    description: 'Memory limit',
    validate: (v) => {
      if (!/^[0-9]+[kmg]?$/.test(v)) throw new Error(`invalid size: '${v}'`);
    },
  },
];

test('parses docker-style flags', async (t) => {
  const cases: { argv: string[]; interspersed?: boolean; check: (f: ReturnType<typeof parseFlags>) => void }[] = [
    { argv: ['-dit', 'img'], check: (f) => assert.deepEqual([f.bool('detach'), f.bool('interactive'), f.bool('tty'), f.args], [true, true, true, ['img']]) },
    { argv: ['--name', 'x', 'img'], check: (f) => assert.equal(f.string('name'), 'x') },
    { argv: ['--name=x=y', 'img'], check: (f) => assert.equal(f.string('name'), 'x=y') },
    { argv: ['-e', 'A=1', '-e', 'B=2', '--env=C'], check: (f) => assert.deepEqual(f.list('env'), ['A=1', 'B=2', 'C']) },
    { argv: ['-eA=1'], check: (f) => assert.deepEqual(f.list('env'), ['A=1']) },
    { argv: ['-e=A'], check: (f) => assert.deepEqual(f.list('env'), ['A']) },
    { argv: ['-de', 'X'], check: (f) => assert.deepEqual([f.bool('detach'), f.list('env')], [true, ['X']]) },
    { argv: ['--detach=false'], check: (f) => assert.deepEqual([f.bool('detach'), f.changed('detach')], [false, true]) },
    { argv: ['-d=false'], check: (f) => assert.equal(f.bool('detach'), false) },
    { argv: ['-n', '3'], check: (f) => assert.equal(f.int('last'), 3) },
    { argv: ['--', '-d', 'x'], check: (f) => assert.deepEqual([f.bool('detach'), f.args], [false, ['-d', 'x']]) },
    { argv: ['a', '-d', 'b'], check: (f) => assert.deepEqual([f.bool('detach'), f.args], [true, ['a', 'b']]) },
    { argv: ['-d', 'busybox', 'ls', '-l', '--name', 'z'], interspersed: false, check: (f) => assert.deepEqual([f.bool('detach'), f.args, f.string('name')], [true, ['busybox', 'ls', '-l', '--name', 'z'], undefined]) },
    { argv: ['-', '-d'], check: (f) => assert.deepEqual([f.args, f.bool('detach')], [['-'], true]) },
    { argv: ['-h'], check: (f) => assert.equal(f.bool('help'), true) },
  ];
  for (const c of cases) {
    await t.test(c.argv.join(' '), () => c.check(parseFlags(c.argv, specs, { interspersed: c.interspersed ?? true })));
  }
});

test('reports errors with pflag wording', async (t) => {
  const cases: [string[], string][] = [
    [['--foo'], 'unknown flag: --foo'],
    [['-x'], "unknown shorthand flag: 'x' in -x"],
    [['-dx'], "unknown shorthand flag: 'x' in -dx"],
    [['--name'], 'flag needs an argument: --name'],
    [['-e'], "flag needs an argument: 'e' in -e"],
    [['-n', 'abc'], 'invalid argument "abc" for "-n, --last" flag: strconv.ParseInt: parsing "abc": invalid syntax'],
    [['--detach=maybe'], 'invalid argument "maybe" for "-d, --detach" flag: strconv.ParseBool: parsing "maybe": invalid syntax'],
    [['-m', 'abc'], 'invalid argument "abc" for "-m, --memory" flag: invalid size: \'abc\''],
  ];
  for (const [argv, message] of cases) {
    await t.test(argv.join(' '), () => assert.throws(() => parseFlags(argv, specs), (e: unknown) => e instanceof FlagError && e.message === message));
  }
});

test('renders aligned, wrapped flag usages like pflag', () => {
  const out = renderFlagUsages([
    { name: 'all', short: 'a', type: 'bool', description: 'Show all containers (default shows just running)' },
    { name: 'last', short: 'n', type: 'int', description: 'Show n last created containers (includes all states)', defaultText: '-1' },
    { name: 'format', type: 'string', description: 'Format output' },
    { name: 'hidden', type: 'bool', description: 'x', hidden: true },
  ]);
  assert.equal(
    out,
    '  -a, --all             Show all containers (default shows just running)\n' +
      '      --format string   Format output\n' +
      '  -n, --last int        Show n last created containers (includes all\n' +
      '                        states) (default -1)\n',
  );
});

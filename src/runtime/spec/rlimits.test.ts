import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../../lib/errors.js';
import { type HostRlimits, RLIM_INFINITY, type Ulimit, parseProcLimits, resolveRlimits } from './rlimits.js';

const HOST: HostRlimits = {
  RLIMIT_NOFILE: { soft: 20000n, hard: 20000n },
  RLIMIT_CORE: { soft: 0n, hard: RLIM_INFINITY },
};

describe('resolveRlimits', () => {
  const cases: {
    name: string;
    ulimits: Ulimit[];
    host?: HostRlimits;
    want: { type: string; soft: bigint; hard: bigint }[];
    warnings: number;
  }[] = [
    { name: 'none', ulimits: [], want: [], warnings: 0 },
    {
      name: 'within the host limit',
      ulimits: [{ name: 'nofile', soft: 1024, hard: 4096 }],
      host: HOST,
      want: [{ type: 'RLIMIT_NOFILE', soft: 1024n, hard: 4096n }],
      warnings: 0,
    },
    {
      name: 'hard above the host limit is clamped, soft with it',
      ulimits: [{ name: 'nofile', soft: 1048576, hard: 1048576 }],
      host: HOST,
      want: [{ type: 'RLIMIT_NOFILE', soft: 20000n, hard: 20000n }],
      warnings: 1,
    },
    {
      name: 'only hard clamped when soft fits',
      ulimits: [{ name: 'nofile', soft: 1024, hard: 65536 }],
      host: HOST,
      want: [{ type: 'RLIMIT_NOFILE', soft: 1024n, hard: 20000n }],
      warnings: 1,
    },
    {
      name: 'unlimited kept where the host is unlimited',
      ulimits: [{ name: 'core', soft: -1, hard: -1 }],
      host: HOST,
      want: [{ type: 'RLIMIT_CORE', soft: RLIM_INFINITY, hard: RLIM_INFINITY }],
      warnings: 0,
    },
    {
      name: 'unlimited clamped where the host is not',
      ulimits: [{ name: 'nofile', soft: -1, hard: -1 }],
      host: HOST,
      want: [{ type: 'RLIMIT_NOFILE', soft: 20000n, hard: 20000n }],
      warnings: 1,
    },
    {
      name: 'no host facts, no clamping',
      ulimits: [{ name: 'nproc', soft: 10, hard: 20 }],
      want: [{ type: 'RLIMIT_NPROC', soft: 10n, hard: 20n }],
      warnings: 0,
    },
    {
      name: 'a later ulimit of the same name wins',
      ulimits: [
        { name: 'nofile', soft: 1, hard: 2 },
        { name: 'nproc', soft: 5, hard: 5 },
        { name: 'nofile', soft: 3, hard: 4 },
      ],
      want: [
        { type: 'RLIMIT_NPROC', soft: 5n, hard: 5n },
        { type: 'RLIMIT_NOFILE', soft: 3n, hard: 4n },
      ],
      warnings: 0,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = resolveRlimits(c.ulimits, c.host);
      assert.deepEqual(got.rlimits, c.want);
      assert.equal(got.warnings.length, c.warnings);
    });
  }

  const bad: { name: string; ulimit: Ulimit; message: string }[] = [
    { name: 'unknown type', ulimit: { name: 'nofiles', soft: 1, hard: 1 }, message: 'invalid ulimit type: nofiles' },
    {
      name: 'soft above hard',
      ulimit: { name: 'nofile', soft: 10, hard: 5 },
      message: 'ulimit soft limit must be less than or equal to hard limit: 10 > 5',
    },
    { name: 'negative other than -1', ulimit: { name: 'nofile', soft: -2, hard: 5 }, message: 'invalid ulimit value: -2' },
  ];
  for (const c of bad) {
    it(`rejects ${c.name}`, () => {
      assert.throws(
        () => resolveRlimits([c.ulimit]),
        (e: unknown) => isBerthError(e, 'InvalidArgument') && e.message === c.message,
      );
    });
  }
});

describe('parseProcLimits', () => {
  it('reads /proc/self/limits text', () => {
    const text = [
      'Limit                     Soft Limit           Hard Limit           Units     ',
      'Max cpu time              unlimited            unlimited            seconds   ',
      'Max core file size        0                    unlimited            bytes     ',
      'Max open files            20000                20000                files     ',
      'Max nice priority         0                    0                    ',
      '',
    ].join('\n');
    assert.deepEqual(parseProcLimits(text), {
      RLIMIT_CPU: { soft: RLIM_INFINITY, hard: RLIM_INFINITY },
      RLIMIT_CORE: { soft: 0n, hard: RLIM_INFINITY },
      RLIMIT_NOFILE: { soft: 20000n, hard: 20000n },
      RLIMIT_NICE: { soft: 0n, hard: 0n },
    });
  });

  it('fails on text without limits', () => {
    assert.throws(() => parseProcLimits('nothing here'), (e: unknown) => isBerthError(e, 'Internal'));
  });
});

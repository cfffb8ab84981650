import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../../lib/errors.js';
import {
  CAPABILITY_NAMES,
  effectiveCapabilities,
  parseCapabilities,
  readHeldCapabilities,
} from './capabilities.js';
import { DEFAULT_CAPABILITIES } from './defaults.js';

const HELD_HERE = CAPABILITY_NAMES.filter((c) => c !== 'CAP_SYS_RESOURCE');

describe('parseCapabilities', () => {
  const cases: { name: string; input: string[]; want: string[] }[] = [
    { name: 'bare lower case', input: ['net_admin'], want: ['CAP_NET_ADMIN'] },
    { name: 'prefixed mixed case', input: ['Cap_Sys_Admin'], want: ['CAP_SYS_ADMIN'] },
    { name: 'ALL in any case', input: ['all'], want: ['ALL'] },
    { name: 'duplicates folded', input: ['CHOWN', 'cap_chown'], want: ['CAP_CHOWN'] },
    { name: 'last known capability', input: ['checkpoint_restore'], want: ['CAP_CHECKPOINT_RESTORE'] },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(parseCapabilities(c.input), c.want));
  }

  it('rejects an unknown capability with docker text', () => {
    assert.throws(
      () => parseCapabilities(['foo']),
      (e: unknown) => isBerthError(e, 'InvalidArgument') && e.message === 'unknown capability: "CAP_FOO"',
    );
  });
});

describe('effectiveCapabilities', () => {
  const cases: {
    name: string;
    add: string[];
    drop: string[];
    held?: readonly string[];
    want: readonly string[];
  }[] = [
    { name: 'defaults', add: [], drop: [], want: DEFAULT_CAPABILITIES },
    {
      name: 'add one, drop one',
      add: ['NET_ADMIN'],
      drop: ['mknod'],
      want: [...DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_MKNOD'), 'CAP_NET_ADMIN'],
    },
    { name: 'drop ALL then add', add: ['chown', 'kill'], drop: ['ALL'], want: ['CAP_CHOWN', 'CAP_KILL'] },
    { name: 'drop ALL alone', add: [], drop: ['all'], want: [] },
    {
      name: 'add ALL minus drops, bounded by held',
      add: ['ALL'],
      drop: ['SYS_ADMIN'],
      held: HELD_HERE,
      want: HELD_HERE.filter((c) => c !== 'CAP_SYS_ADMIN'),
    },
    {
      name: 'defaults narrowed to held',
      add: [],
      drop: [],
      held: ['CAP_CHOWN', 'CAP_KILL', 'CAP_SYS_ADMIN'],
      want: ['CAP_CHOWN', 'CAP_KILL'],
    },
    { name: 'adding a default is not duplicated', add: ['chown'], drop: [], want: DEFAULT_CAPABILITIES },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(effectiveCapabilities(DEFAULT_CAPABILITIES, c.add, c.drop, c.held), c.want));
  }

  it('refuses to add a capability the daemon lacks', () => {
    assert.throws(
      () => effectiveCapabilities(DEFAULT_CAPABILITIES, ['SYS_RESOURCE'], [], HELD_HERE),
      (e: unknown) => isBerthError(e, 'InvalidArgument') && e.message.includes('CAP_SYS_RESOURCE'),
    );
  });

  it('rejects unknown names in drop as well', () => {
    assert.throws(() => effectiveCapabilities(DEFAULT_CAPABILITIES, [], ['bogus']), /unknown capability: "CAP_BOGUS"/);
  });
});

describe('readHeldCapabilities', () => {
  it('has the full kernel table', () => {
    assert.equal(CAPABILITY_NAMES.length, 41);
    assert.equal(CAPABILITY_NAMES[21], 'CAP_SYS_ADMIN');
    assert.equal(CAPABILITY_NAMES[24], 'CAP_SYS_RESOURCE');
    assert.equal(CAPABILITY_NAMES[40], 'CAP_CHECKPOINT_RESTORE');
  });

  const cases: { name: string; capEff: string; want: readonly string[] }[] = [
    { name: 'all but SYS_RESOURCE (this VM)', capEff: '000001fffeffffff', want: HELD_HERE },
    { name: 'none', capEff: '0000000000000000', want: [] },
    { name: 'CHOWN and KILL', capEff: '0000000000000021', want: ['CAP_CHOWN', 'CAP_KILL'] },
    { name: 'unknown high bits ignored', capEff: 'ffffffffffffffff', want: CAPABILITY_NAMES },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const status = `Name:\tnode\nCapInh:\t0000000000000000\nCapPrm:\t${c.capEff}\nCapEff:\t${c.capEff}\nCapBnd:\t000001ffffffffff\n`;
      assert.deepEqual(readHeldCapabilities(status), c.want);
    });
  }

  it('fails without a CapEff line', () => {
    assert.throws(() => readHeldCapabilities('Name:\tx\n'), (e: unknown) => isBerthError(e, 'Internal'));
  });
});

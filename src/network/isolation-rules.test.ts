import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isolationRules } from './isolation-rules.js';

const chains = { stage1: 'B-ISOLATION-1', stage2: 'B-ISOLATION-2' };

test('isolation rules: a bridge leaving for another bridge is dropped in stage 2; internal drops all crossing traffic', () => {
  const cases = [
    {
      internal: false,
      want: [
        'B-ISOLATION-1 -i br-x ! -o br-x -j B-ISOLATION-2',
        'B-ISOLATION-2 -o br-x -j DROP',
      ],
    },
    {
      internal: true,
      want: [
        'B-ISOLATION-1 -i br-x ! -o br-x -j DROP',
        'B-ISOLATION-1 ! -i br-x -o br-x -j DROP',
        'B-ISOLATION-2 -o br-x -j DROP',
      ],
    },
  ];
  for (const c of cases) {
    const rules = isolationRules(chains, 'br-x', c.internal);
    assert.ok(rules.every((r) => r.table === 'filter'));
    assert.deepEqual(rules.map((r) => `${r.chain} ${r.args.join(' ')}`), c.want);
  }
});

import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import { confirm } from './prompt.js';

async function ask(input: string): Promise<{ yes: boolean; shown: string }> {
  const stdout = new PassThrough();
  let shown = '';
  stdout.on('data', (b: Buffer) => (shown += b.toString()));
  const yes = await confirm({ stdin: Readable.from([input]), stdout, stderr: new PassThrough(), env: {} }, 'Sure?');
  return { yes, shown };
}

test('only y or Y confirms, as docker; the prompt ends with [y/N] and a space', async () => {
  const table: [string, boolean][] = [
    ['y\n', true],
    ['Y\n', true],
    [' y \n', true],
    ['y', true],
    ['yes\n', false],
    ['n\n', false],
    ['\n', false],
    ['', false],
  ];
  for (const [input, expected] of table) {
    const r = await ask(input);
    assert.equal(r.yes, expected, JSON.stringify(input));
    assert.equal(r.shown, 'Sure? [y/N] ');
  }
});

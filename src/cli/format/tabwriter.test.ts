import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DOCKER_TABWRITER, formatTabular, type TabwriterOptions } from './tabwriter.js';

test('docker settings: minwidth 10, padding 3, last cell unpadded', () => {
  const cases: [string, string][] = [
    ['a\tb\n', 'a         b\n'],
    ['CONTAINER ID\tIMAGE\nabc\tbusybox\n', 'CONTAINER ID   IMAGE\nabc            busybox\n'],
    ['x\tyy\tz\nlonger-value\ty\tzz\n', 'x              yy        z\nlonger-value   y         zz\n'],
    ['\t\tc\n', '                    c\n'],
    ['no tabs here\n', 'no tabs here\n'],
    ['', ''],
    ['a\tb', 'a         b'],
  ];
  for (const [input, want] of cases) assert.equal(formatTabular(input), want, JSON.stringify(input));
});

test('columns align per block of consecutive lines', () => {
  // The single-cell middle line ends the first block; the last line starts a new one.
  const input = 'aaaaaaaaaaaa\tb\nplain\nc\td\n';
  assert.equal(formatTabular(input), 'aaaaaaaaaaaa   b\nplain\nc         d\n');
  // A line with fewer cells ends the inner column's block but not the outer one.
  const nested = 'a\tbbbbbbbbbbbbbbb\tc\nd\te\nf\tg\th\n';
  assert.equal(
    formatTabular(nested),
    'a         bbbbbbbbbbbbbbb   c\nd         e\nf         g         h\n',
  );
});

test('widths count code points, not UTF-16 units or bytes', () => {
  assert.equal(formatTabular('é😀\tx\n'), 'é😀        x\n');
});

test('other settings', () => {
  const opts: TabwriterOptions = { minwidth: 0, tabwidth: 8, padding: 1, padchar: '.' };
  assert.equal(formatTabular('a\tbb\tc\naaa\tb\tc\n', opts), 'a...bb.c\naaa.b..c\n');
  const tabs: TabwriterOptions = { minwidth: 0, tabwidth: 8, padding: 1, padchar: '\t' };
  assert.equal(formatTabular('a\tb\nabcdefghij\tc\n', tabs), 'a\t\tb\nabcdefghij\tc\n');
  assert.deepEqual(DOCKER_TABWRITER, { minwidth: 10, tabwidth: 1, padding: 3, padchar: ' ' });
});

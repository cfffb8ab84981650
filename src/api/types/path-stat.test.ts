import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodePathStat, encodePathStat, GoMode, goFileMode, goTime, hasGoMode } from './path-stat.js';

describe('container path stat', () => {
  it('maps st_mode to Go os.FileMode bits', () => {
    const cases: Array<[number, number]> = [
      [0o100644, 0o644],
      [0o040755, 2 ** 31 + 0o755],
      [0o120777, 2 ** 27 + 0o777],
      [0o020620, 2 ** 26 + 2 ** 21 + 0o620],
      [0o060660, 2 ** 26 + 0o660],
      [0o010644, 2 ** 25 + 0o644],
      [0o140755, 2 ** 24 + 0o755],
      [0o104755, 2 ** 23 + 0o755],
      [0o041777, 2 ** 31 + 2 ** 20 + 0o777],
    ];
    for (const [st, want] of cases) assert.equal(goFileMode(st), want, st.toString(8));
    assert.equal(hasGoMode(2 ** 31 + 0o755, GoMode.dir), true);
    assert.equal(hasGoMode(2 ** 27 + 0o777, GoMode.dir), false);
    assert.equal(hasGoMode(2 ** 27 + 0o777, GoMode.symlink), true);
  });

  it('formats times as Go marshals time.Time', () => {
    assert.equal(goTime(1_700_000_000_000_000_000n), '2023-11-14T22:13:20Z');
    assert.equal(goTime(1_700_000_000_123_400_000n), '2023-11-14T22:13:20.1234Z');
    assert.equal(goTime(1_700_000_000_000_000_001n), '2023-11-14T22:13:20.000000001Z');
  });

  it('round-trips the header in field order', () => {
    const s = { name: 'f', size: 6, mode: 0o644, mtime: '2023-11-14T22:13:20Z', linkTarget: '' };
    const header = encodePathStat(s);
    assert.equal(Buffer.from(header, 'base64').toString(), '{"name":"f","size":6,"mode":420,"mtime":"2023-11-14T22:13:20Z","linkTarget":""}');
    assert.deepEqual(decodePathStat(header), s);
    assert.equal(decodePathStat('not json'), null);
    assert.equal(decodePathStat(undefined), null);
  });
});

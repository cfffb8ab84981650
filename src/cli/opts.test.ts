import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parseCpus,
  parseEnvFile,
  parseExtraHost,
  parseGpuRequest,
  parseMount,
  parsePublish,
  parseRestartPolicy,
  parseThrottleBpsDevice,
  parseThrottleIOpsDevice,
  parseUint16,
  parseUlimit,
  parseWeightDevice,
} from './opts.js';

const size = (s: string): number => Number.parseInt(s, 10) * (s.endsWith('m') ? 1024 * 1024 : 1);

test('parses -p publish specs', async (t) => {
  const table: [string, string[], Record<string, { HostIp: string; HostPort: string }[]>][] = [
    ['80', ['80/tcp'], { '80/tcp': [{ HostIp: '', HostPort: '' }] }],
    ['8080:80', ['80/tcp'], { '80/tcp': [{ HostIp: '', HostPort: '8080' }] }],
    ['127.0.0.1::80/udp', ['80/udp'], { '80/udp': [{ HostIp: '127.0.0.1', HostPort: '' }] }],
    ['[::1]:8080:80', ['80/tcp'], { '80/tcp': [{ HostIp: '::1', HostPort: '8080' }] }],
    ['8000-8001:80-81', ['80/tcp', '81/tcp'], { '80/tcp': [{ HostIp: '', HostPort: '8000' }], '81/tcp': [{ HostIp: '', HostPort: '8001' }] }],
    ['8000-8010:80', ['80/tcp'], { '80/tcp': [{ HostIp: '', HostPort: '8000-8010' }] }],
  ];
  for (const [spec, exposed, bindings] of table) {
    await t.test(spec, () => assert.deepEqual(parsePublish(spec), { exposed, bindings }));
  }
});

test('rejects bad publish specs with docker wording', () => {
  assert.throws(() => parsePublish('abc'), /^Error: invalid containerPort: abc$/);
  assert.throws(() => parsePublish('1:2:3:4'), /^Error: invalid IP address: 1:2$/);
  assert.throws(() => parsePublish('80/icmp'), /invalid proto: icmp/);
  assert.throws(() => parsePublish('8000-8002:80-81'), /invalid ranges specified/);
});

test('parses ulimits', () => {
  assert.deepEqual(parseUlimit('nofile=1024:2048'), { Name: 'nofile', Soft: 1024, Hard: 2048 });
  assert.deepEqual(parseUlimit('nproc=10'), { Name: 'nproc', Soft: 10, Hard: 10 });
  assert.throws(() => parseUlimit('nofile'), /invalid ulimit argument: nofile/);
  assert.throws(() => parseUlimit('nofile=a'), /strconv.ParseInt: parsing "a": invalid syntax/);
  assert.throws(() => parseUlimit('bogus=1'), /invalid ulimit type: bogus/);
  assert.throws(() => parseUlimit('nofile=5:1'), /soft limit must be less than or equal to hard limit: 5 > 1/);
});

test('parses --cpus into NanoCpus', () => {
  assert.equal(parseCpus('1.5'), 1_500_000_000);
  assert.equal(parseCpus('0.25'), 250_000_000);
  assert.equal(parseCpus('3/2'), 1_500_000_000);
  assert.throws(() => parseCpus('abc'), /failed to parse abc as a rational number/);
});

test('parses restart policies', () => {
  assert.deepEqual(parseRestartPolicy('always'), { Name: 'always' });
  assert.deepEqual(parseRestartPolicy('on-failure:3'), { Name: 'on-failure', MaximumRetryCount: 3 });
  assert.throws(() => parseRestartPolicy('on-failure:x'), /maximum retry count must be an integer/);
  assert.throws(() => parseRestartPolicy(':3'), /no policy provided before colon/);
});

test('parses --mount', () => {
  assert.deepEqual(parseMount('type=bind,source=/a,target=/b,readonly', size), { Type: 'bind', Source: '/a', Target: '/b', ReadOnly: true });
  assert.deepEqual(parseMount('type=tmpfs,dst=/t,tmpfs-size=64m,tmpfs-mode=1770', size), {
    Type: 'tmpfs',
    Target: '/t',
    TmpfsOptions: { SizeBytes: 64 * 1024 * 1024, Mode: 0o1770 },
  });
  assert.deepEqual(parseMount('src=data,dst=/d,volume-nocopy', size), { Type: 'volume', Source: 'data', Target: '/d', VolumeOptions: { NoCopy: true } });
  assert.throws(() => parseMount('type=bind,src=/a', size), /target is required/);
  assert.throws(() => parseMount('type=volume,dst=/a,bind-propagation=shared', size), /cannot mix 'bind-\*' options/);
});

test('parses env files and add-host', () => {
  assert.deepEqual(parseEnvFile('# c\nA=1\n\n  B=two words\nHOME\nUNSET\n', { HOME: '/root' }), ['A=1', 'B=two words', 'HOME=/root']);
  assert.equal(parseExtraHost('db:10.0.0.2'), 'db:10.0.0.2');
  assert.equal(parseExtraHost('db=::1'), 'db:::1');
  assert.throws(() => parseExtraHost('db'), /bad format for add-host/);
});

test('parseGpuRequest: docker/cli\'s GpuOpts', () => {
  const req = (Driver: string, Count: number, DeviceIDs: string[] | null, Capabilities: string[][], Options: Record<string, string> = {}) => ({ Driver, Count, DeviceIDs, Capabilities, Options });
  assert.deepEqual(parseGpuRequest('all'), req('', -1, null, [['gpu']]));
  assert.deepEqual(parseGpuRequest('2'), req('', 2, null, [['gpu']]));
  assert.deepEqual(parseGpuRequest('driver=nvidia'), req('nvidia', 1, null, [['gpu']]));
  assert.deepEqual(parseGpuRequest('"device=0,1",capabilities=utility'), req('', 0, ['0', '1'], [['utility', 'gpu']]));
  assert.deepEqual(parseGpuRequest('count=1,"options=a=b,c"'), req('', 1, null, [['gpu']], { a: 'b', c: '' }));
  assert.throws(() => parseGpuRequest('some'), /^Error: invalid count \(some\): value must be either "all" or an integer: invalid syntax$/);
  assert.throws(() => parseGpuRequest('all,count=2'), /gpu request key 'count' can be specified only once/);
  assert.throws(() => parseGpuRequest('foo=bar'), /unexpected key 'foo' in 'foo=bar'/);
});

test('block I/O device flags as docker/cli parses them', () => {
  assert.deepEqual(parseThrottleBpsDevice('/dev/sda:1mb'), { Path: '/dev/sda', Rate: 1048576 });
  assert.deepEqual(parseThrottleBpsDevice('/dev/sda:1000'), { Path: '/dev/sda', Rate: 1000 });
  assert.deepEqual(parseThrottleIOpsDevice('/dev/sda:100'), { Path: '/dev/sda', Rate: 100 });
  assert.deepEqual(parseWeightDevice('/dev/sda:10'), { Path: '/dev/sda', Weight: 10 });
  assert.deepEqual(parseWeightDevice('/dev/sda:0'), { Path: '/dev/sda', Weight: 0 });
  const bps = 'The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb';
  const table: [(s: string) => unknown, string, string][] = [
    [parseThrottleBpsDevice, '/dev/sda', 'bad format: /dev/sda'],
    [parseThrottleBpsDevice, ':1mb', 'bad format: :1mb'],
    [parseThrottleBpsDevice, 'sda:1mb', 'bad format for device path: sda:1mb'],
    [parseThrottleBpsDevice, '/dev/sda:foo', `invalid rate for device: /dev/sda:foo. ${bps}`],
    [parseThrottleBpsDevice, '/dev/sda:-1', `invalid rate for device: /dev/sda:-1. ${bps}`],
    [parseThrottleIOpsDevice, '/dev/sda:1.5', 'invalid rate for device: /dev/sda:1.5. The correct format is <device-path>:<number>. Number must be a positive integer'],
    [parseThrottleIOpsDevice, '/dev/sda:1mb', 'invalid rate for device: /dev/sda:1mb. The correct format is <device-path>:<number>. Number must be a positive integer'],
    [parseWeightDevice, '/dev/sda:9', 'invalid weight for device: /dev/sda:9'],
    [parseWeightDevice, '/dev/sda:1001', 'invalid weight for device: /dev/sda:1001'],
    [parseWeightDevice, '/dev/sda:70000', 'invalid weight for device: /dev/sda:70000'],
  ];
  for (const [parse, spec, message] of table) assert.throws(() => parse(spec), { message }, spec);
});

test('uint16 flags: pflag\'s ParseUint errors', () => {
  assert.equal(parseUint16('300'), 300);
  assert.throws(() => parseUint16('-1'), { message: 'strconv.ParseUint: parsing "-1": invalid syntax' });
  assert.throws(() => parseUint16('70000'), { message: 'strconv.ParseUint: parsing "70000": value out of range' });
});

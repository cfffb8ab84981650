import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG_FILE, parseDaemonArgs, type ConfigFileReader } from './config.js';

const files = (byPath: Record<string, string>): ConfigFileReader => (path) => byPath[path] ?? null;
const none: ConfigFileReader = () => null;

test('flags set the config; the socket follows the exec root unless -H chose it', () => {
  const cfg = parseDaemonArgs(['--exec-root', '/run/x', '--bip=10.9.0.1/24', '--dns', '10.0.0.2', '--dns', '10.0.0.3', '-l', 'warn'], none)!;
  assert.equal(cfg.runRoot, '/run/x');
  assert.equal(cfg.socketPath, '/run/x/berth.sock');
  assert.equal(cfg.bip, '10.9.0.1/24');
  assert.deepEqual(cfg.dns, ['10.0.0.2', '10.0.0.3']);
  assert.equal(cfg.logLevel, 'warn');
  assert.equal(parseDaemonArgs(['--exec-root', '/run/x', '-H', 'unix:///run/y.sock'], none)!.socketPath, '/run/y.sock');
});

test('flag errors name the flag', () => {
  assert.throws(() => parseDaemonArgs(['--bip', '10.0.0.1'], none), /invalid value "10.0.0.1" for flag --bip: invalid CIDR address/);
  assert.throws(() => parseDaemonArgs(['--max-concurrent-downloads', '0'], none), /invalid value "0" for flag --max-concurrent-downloads: must be a positive integer/);
  assert.throws(() => parseDaemonArgs(['--nosuch'], none), /unknown flag: --nosuch/);
  assert.throws(() => parseDaemonArgs(['--bip'], none), /flag needs an argument: --bip/);
  assert.throws(() => parseDaemonArgs(['-H', 'tcp://0.0.0.0:2375'], none), /berthd listens on a unix socket only/);
});

test('the default config file applies when present, with dockerd key names and types', () => {
  const cfg = parseDaemonArgs([], files({ [DEFAULT_CONFIG_FILE]: JSON.stringify({ bip: '10.8.0.1/24', dns: ['10.0.0.9'], 'insecure-registries': ['http://reg.test:5000'], 'max-concurrent-downloads': 5, 'exec-root': '/run/z' }) }))!;
  assert.equal(cfg.bip, '10.8.0.1/24');
  assert.deepEqual(cfg.dns, ['10.0.0.9']);
  assert.deepEqual(cfg.insecureRegistries, ['reg.test:5000']);
  assert.equal(cfg.maxConcurrentDownloads, 5);
  assert.equal(cfg.socketPath, '/run/z/berth.sock');
  assert.equal(parseDaemonArgs([], none)!.bip, undefined);
});

test("log-driver and log-opts: flags or the file's object, checked as a container's log config", () => {
  assert.deepEqual(parseDaemonArgs([], none)!.logConfig, { Type: 'json-file', Config: {} });
  assert.deepEqual(parseDaemonArgs(['--log-driver', 'local', '--log-opt', 'max-size=5m', '--log-opt', 'max-file=2'], none)!.logConfig, { Type: 'local', Config: { 'max-size': '5m', 'max-file': '2' } });
  const at = (text: string) => files({ '/c.json': text });
  assert.deepEqual(parseDaemonArgs(['--config-file', '/c.json'], at('{"log-driver":"json-file","log-opts":{"max-size":"10m","max-file":"3"}}'))!.logConfig, { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } });
  assert.throws(() => parseDaemonArgs(['--config-file', '/c.json'], at('{"log-opts":["max-size=1m"]}')), /"log-opts" must be an object of strings/);
  assert.throws(() => parseDaemonArgs(['--config-file', '/c.json'], at('{"log-driver":"syslog"}')), /invalid default log configuration: log driver syslog is not supported by berth/);
  assert.throws(() => parseDaemonArgs(['--log-opt', 'max-size'], none), /invalid value "max-size" for flag --log-opt: must be key=value/);
  assert.throws(
    () => parseDaemonArgs(['--config-file', '/c.json', '--log-opt', 'max-size=1m'], at('{"log-opts":{"max-size":"2m","compress":"true"}}')),
    /log-opts: \(from flag: max-size=1m, from file: map\[compress:true max-size:2m\]\)/,
  );
});

test('--config-file names another file; a missing one is an error', () => {
  const read = files({ '/etc/b.json': '{"log-level":"debug"}' });
  assert.equal(parseDaemonArgs(['--config-file', '/etc/b.json'], read)!.logLevel, 'debug');
  assert.throws(() => parseDaemonArgs(['--config-file', '/etc/missing.json'], read), /unable to configure the berth daemon with file \/etc\/missing.json: no such file/);
});

test('the file is refused as dockerd refuses it: unknown keys, keys also given as flags, bad JSON, bad types and values', () => {
  const at = (text: string) => files({ '/c.json': text });
  assert.throws(() => parseDaemonArgs(['--config-file', '/c.json'], at('{"bip":"10.1.0.1/24","colour":1,"size":2}')), /the following directives don't match any configuration option: colour, size/);
  assert.throws(
    () => parseDaemonArgs(['--config-file', '/c.json', '--bip', '10.2.0.1/24'], at('{"bip":"10.1.0.1/24"}')),
    /specified both as a flag and in the configuration file: bip: \(from flag: 10.2.0.1\/24, from file: 10.1.0.1\/24\)/,
  );
  assert.throws(() => parseDaemonArgs(['--config-file', '/c.json'], at('{"bip":')), /unable to configure the berth daemon with file \/c.json: .*JSON/);
  assert.throws(() => parseDaemonArgs(['--config-file', '/c.json'], at('[1]')), /must hold a JSON object/);
  assert.throws(() => parseDaemonArgs(['--config-file', '/c.json'], at('{"dns":"10.0.0.1"}')), /"dns" must be a list of strings/);
  assert.throws(() => parseDaemonArgs(['--config-file', '/c.json'], at('{"bip":"nope"}')), /invalid value "nope" for "bip" in \/c.json: invalid CIDR address/);
});

test("default-cgroupns-mode: private unless set, host or private from a flag or the file, dockerd's error otherwise", () => {
  assert.equal(parseDaemonArgs([], none)!.defaultCgroupnsMode, 'private');
  assert.equal(parseDaemonArgs(['--default-cgroupns-mode', 'host'], none)!.defaultCgroupnsMode, 'host');
  assert.equal(parseDaemonArgs(['--config-file', '/c.json'], files({ '/c.json': '{"default-cgroupns-mode":"host"}' }))!.defaultCgroupnsMode, 'host');
  assert.throws(() => parseDaemonArgs(['--default-cgroupns-mode', 'shared'], none), { message: 'default cgroup namespace mode (shared) is invalid; use "host" or "private"' });
});

test('cpu-rt-period and cpu-rt-runtime: 0 unless set, positive integers', () => {
  const cfg = parseDaemonArgs(['--cpu-rt-runtime', '95000'], none)!;
  assert.deepEqual([cfg.cpuRtPeriod, cfg.cpuRtRuntime], [0, 95000]);
  assert.equal(parseDaemonArgs(['--config-file', '/c.json'], files({ '/c.json': '{"cpu-rt-period":500000}' }))!.cpuRtPeriod, 500000);
  assert.throws(() => parseDaemonArgs(['--cpu-rt-runtime', 'x'], none), /invalid value "x" for flag --cpu-rt-runtime: must be a positive integer/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerResolvConf, embeddedResolvConf, hostsFile, writeEtcFiles } from './container-files.js';

test('resolv.conf drops loopback resolvers a container cannot reach', () => {
  const host = 'search example.org\nnameserver 127.0.0.53\nnameserver 10.0.0.2\nnameserver ::1\noptions edns0\n';
  assert.equal(containerResolvConf(host), 'search example.org\nnameserver 10.0.0.2\noptions edns0\n');
});

test("resolv.conf with the daemon's --dns: those servers in place of the host's", () => {
  const host = 'search example.org\nnameserver 127.0.0.53\nnameserver 10.0.0.2\noptions edns0\n';
  assert.equal(containerResolvConf(host, { servers: ['192.0.2.53', '192.0.2.54'] }), 'nameserver 192.0.2.53\nnameserver 192.0.2.54\nsearch example.org\noptions edns0\n');
});

test('resolv.conf with --dns-search and --dns-option: they replace the host\'s; a search of "." means none', () => {
  const host = 'search example.org\nnameserver 10.0.0.2\noptions edns0\n';
  assert.equal(containerResolvConf(host, { search: ['a.test', 'b.test'], options: ['ndots:2'] }), 'nameserver 10.0.0.2\nsearch a.test b.test\noptions ndots:2\n');
  assert.equal(containerResolvConf(host, { search: ['.'] }), 'nameserver 10.0.0.2\noptions edns0\n');
  assert.equal(embeddedResolvConf(host, '127.0.0.11', { search: ['a.test'], options: ['timeout:2'] }), 'nameserver 127.0.0.11\nsearch a.test\noptions timeout:2 ndots:0\n');
  assert.equal(embeddedResolvConf(host, '127.0.0.11', { options: ['ndots:3'] }), 'nameserver 127.0.0.11\nsearch example.org\noptions ndots:3\n');
});

test('resolv.conf on a user network: the embedded DNS only, host search and options kept, ndots:0', () => {
  const host = '# comment\nsearch example.org\nnameserver 127.0.0.53\nnameserver 10.0.0.2\noptions edns0 ndots:3\n';
  assert.equal(embeddedResolvConf(host, '127.0.0.11'), 'nameserver 127.0.0.11\n# comment\nsearch example.org\noptions edns0 ndots:0\n');
  assert.equal(embeddedResolvConf('', '127.0.0.11'), 'nameserver 127.0.0.11\noptions ndots:0\n');
});

test('hosts file names the container when it has an address', () => {
  assert.match(hostsFile('abc', []), /^127\.0\.0\.1\tlocalhost\n/);
  assert.doesNotMatch(hostsFile('abc', []), /abc/);
  assert.match(hostsFile('abc', ['172.17.0.2']), /\n172\.17\.0\.2\tabc\n$/);
  assert.match(hostsFile('abc', ['172.17.0.2', '172.18.0.3']), /\n172\.17\.0\.2\tabc\n172\.18\.0\.3\tabc\n$/);
});

test('hosts file: the extra hosts after the loopback names, before the container\'s own addresses', () => {
  const text = hostsFile('abc', ['172.17.0.2'], [{ name: 'db', ip: '10.0.0.2' }, { name: 'v6', ip: '2001:db8::1' }]);
  assert.match(text, /\nff02::2\tip6-allrouters\n10\.0\.0\.2\tdb\n2001:db8::1\tv6\n172\.17\.0\.2\tabc\n$/);
});

test('hosts file on the host network: the host\'s, or the loopback names and the extra hosts when there are any', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-etc-'));
  try {
    const paths = { hostnamePath: join(dir, 'hostname'), hostsPath: join(dir, 'hosts'), resolvConfPath: join(dir, 'resolv.conf') };
    writeEtcFiles(paths, { hostname: 'x', domainname: '', hostNetwork: true, addresses: [] });
    assert.equal(readFileSync(paths.hostsPath, 'utf8'), readFileSync('/etc/hosts', 'utf8'));
    writeEtcFiles(paths, { hostname: 'x', domainname: '', hostNetwork: true, addresses: [], extraHosts: [{ name: 'db', ip: '10.0.0.2' }] });
    assert.equal(readFileSync(paths.hostsPath, 'utf8'), hostsFile('', [], [{ name: 'db', ip: '10.0.0.2' }]));
    assert.match(readFileSync(paths.hostsPath, 'utf8'), /^127\.0\.0\.1\tlocalhost\n[^]*\n10\.0\.0\.2\tdb\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

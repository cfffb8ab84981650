// A node:test reporter for scripts/compat-report.sh: groups the top-level tests of the client suites
// by client and API area and prints a table of passes, failures and skips, then the failures.
//
// Naming convention (documented in the README's testing section):
// - client: client-<x>.test.js files belong to client <x>; in the other (docker CLI) suites a test
//   named `<berth|docker>: …` belongs to that CLI, any other test to `shared` (raw API, or one
//   scenario that is not run per client);
// - area: every `[area]` tag in a test's name (one of AREAS; other brackets are text), else the
//   file's area from FILE_AREAS below, else the file's name.
import { basename } from 'node:path';

const AREAS = new Set(['archive', 'build', 'containers', 'events', 'exec', 'images', 'networks', 'projects', 'registry', 'stats', 'system', 'volumes']);

const FILE_AREAS = {
  'build': 'build',
  'client-compose': 'projects',
  'commit': 'images',
  'container-commands': 'containers',
  'container-errors': 'containers',
  'container-flags': 'containers',
  'containers-basic': 'containers',
  'images': 'images',
  'namespaces': 'containers',
  'network-bridge': 'networks',
  'network-user': 'networks',
  'registry': 'registry',
  'registry-archive': 'registry',
  'security': 'containers',
  'tty': 'containers',
  'volumes': 'volumes',
};

function classify(file, name) {
  const stem = basename(file ?? '').replace(/\.test\.js$/, '');
  const tags = [...name.matchAll(/\[([a-z]+)\]/g)].map((m) => m[1]).filter((t) => AREAS.has(t));
  const areas = tags.length ? tags : [FILE_AREAS[stem] ?? stem];
  let client = 'shared';
  if (stem.startsWith('client-')) client = stem.slice('client-'.length);
  else if (/^(berth|docker): /.test(name)) client = name.slice(0, name.indexOf(':'));
  return { client, areas };
}

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

export default async function* compatReporter(source) {
  const results = [];
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { name, nesting, file, skip, todo, details } = event.data;
    if (nesting !== 0) continue;
    const status = skip !== undefined && skip !== false ? 'skip' : todo !== undefined && todo !== false ? 'skip' : event.type === 'test:pass' ? 'pass' : 'fail';
    const reason = status === 'skip' ? (typeof skip === 'string' ? skip : typeof todo === 'string' ? todo : '') : status === 'fail' ? String(details?.error?.cause?.message ?? details?.error?.message ?? '').split('\n')[0] : '';
    results.push({ ...classify(file, name), name, file: basename(file ?? ''), status, reason });
  }
  const clients = [...new Set(results.map((r) => r.client))].sort();
  const areas = [...new Set(results.flatMap((r) => r.areas))].sort();
  const cell = (rs) => {
    if (!rs.length) return '-';
    const n = (s) => rs.filter((r) => r.status === s).length;
    const skipped = n('skip');
    return `${n('pass')}/${rs.length - skipped}${n('fail') ? ' FAIL' : ''}${skipped ? ` (${skipped} skip)` : ''}`;
  };
  const rows = [['client', ...areas, 'all']];
  for (const client of clients) {
    const mine = results.filter((r) => r.client === client);
    rows.push([client, ...areas.map((a) => cell(mine.filter((r) => r.areas.includes(a)))), cell(mine)]);
  }
  rows.push(['all', ...areas.map((a) => cell(results.filter((r) => r.areas.includes(a)))), cell(results)]);
  yield `\nCompatibility report: passed/run per client and API area\n\n${table(rows)}\n`;
  const notable = results.filter((r) => r.status !== 'pass');
  if (notable.length) {
    yield `\n${notable.map((r) => `${r.status === 'fail' ? 'FAIL' : 'skip'}  ${r.file}: ${r.name}${r.reason ? `\n      ${r.reason}` : ''}`).join('\n')}\n`;
  }
}

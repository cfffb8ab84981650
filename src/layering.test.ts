/**
 * Holds the import table of DESIGN.md ("Modules (src/)"): every import in src/ (static, export-from,
 * dynamic `import()`, and `import('x').T` type references) must point at a module its own module may
 * import. The check is a pure function of (file, parsed imports); the last test runs it on the tree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// Longer paths first, so `store/meta/x.ts` is not taken for a module named `store`.
const MODULES = [
  'store/content',
  'store/meta',
  'store/snapshot',
  'store/gc',
  'api/types',
  'api/server',
  'api/client',
  'lib',
  'oci',
  'image',
  'distribution',
  'runtime',
  'network',
  'volume',
  'build',
  'engine',
  'daemon',
  'cli',
  'bin',
] as const;
type Module = (typeof MODULES)[number];

interface Rule {
  /** Modules it may import anything from. */
  readonly imports: readonly Module[];
  /** Modules it may import only types from (`import type`, `import('x').T`). */
  readonly typeImports?: readonly Module[];
  /** Whether npm packages are allowed at all (`node:*` always is). */
  readonly packages: boolean;
  /** npm packages refused even so. */
  readonly deniedPackages?: readonly string[];
}

const STORE: readonly Module[] = ['store/content', 'store/meta', 'store/snapshot', 'store/gc'];
const BELOW_ENGINE: readonly Module[] = [
  'lib',
  'oci',
  ...STORE,
  'image',
  'distribution',
  'runtime',
  'network',
  'volume',
  'build',
];

const RULES: Readonly<Record<Module, Rule>> = {
  lib: { imports: [], packages: false },
  oci: { imports: ['lib'], packages: true },
  'store/content': { imports: ['lib', 'oci'], packages: true },
  'store/meta': { imports: ['lib', 'oci'], packages: true },
  // Snapshot records live in the metadata store's database (one transaction domain).
  'store/snapshot': { imports: ['lib', 'oci', 'store/meta'], packages: true },
  'store/gc': { imports: ['lib', 'oci', 'store/content', 'store/meta', 'store/snapshot'], packages: true },
  image: { imports: ['lib', 'oci', ...STORE], packages: true },
  distribution: { imports: ['lib', 'oci', 'store/content'], packages: true },
  runtime: { imports: ['lib', 'oci'], typeImports: ['store/snapshot'], packages: true },
  network: { imports: ['lib', 'oci', 'store/meta'], packages: true },
  volume: { imports: ['lib', 'store/meta'], packages: true },
  build: { imports: ['lib', 'oci'], packages: true },
  engine: { imports: BELOW_ENGINE, packages: true },
  'api/types': { imports: ['lib'], packages: true },
  // oci holds pure spec types and parsers; the wire mapping needs familiar image names.
  'api/server': { imports: ['lib', 'oci', 'api/types', 'engine'], packages: true },
  'api/client': { imports: ['lib', 'api/types'], packages: true },
  // Nothing imports the executable entry, bin.
  daemon: { imports: [...BELOW_ENGINE, 'engine', 'api/types', 'api/server', 'api/client'], packages: true },
  // The CLI is a thin API client: no engine code, and none of the engine's native packages.
  cli: {
    // Reference parsing is client-side too (docker/cli normalises names before it asks).
    imports: ['lib', 'oci', 'api/types', 'api/client'],
    packages: true,
    deniedPackages: ['better-sqlite3', 'node-unix-socket'],
  },
  bin: { imports: ['cli', 'daemon'], packages: true },
};

interface ImportRef {
  readonly specifier: string;
  readonly typeOnly: boolean;
}

/** The module a path relative to src/ (posix separators) belongs to, or undefined. */
function moduleOf(rel: string): Module | undefined {
  return MODULES.find((m) => rel.startsWith(`${m}/`));
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function allowedList(rule: Rule): string {
  const types = (rule.typeImports ?? []).map((m) => `${m} (types)`);
  const all = [...rule.imports, ...types];
  return all.length > 0 ? all.join(', ') : 'node:* only';
}

/** Every broken rule in one file's imports, as `file: import 'spec' -> why`. */
function violations(file: string, imports: readonly ImportRef[]): string[] {
  const from = moduleOf(file);
  if (from === undefined) return [`${file}: is in no module of the table`];
  const rule = RULES[from];
  const out: string[] = [];
  for (const { specifier, typeOnly } of imports) {
    const why = (reason: string) => out.push(`${file}: import '${specifier}' -> ${reason}`);
    if (specifier.startsWith('node:') || isBuiltin(specifier)) continue;
    if (specifier.startsWith('.')) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
      const to = target.startsWith('../') ? undefined : moduleOf(target);
      if (to === undefined) {
        why(`${target} is outside every module of src/`);
      } else if (to !== from && !rule.imports.includes(to)) {
        if (rule.typeImports?.includes(to)) {
          if (!typeOnly) why(`${from} may import only types from ${to} (use \`import type\`)`);
        } else {
          why(`${from} may not import ${to}; ${from} may import ${allowedList(rule)}`);
        }
      }
    } else if (specifier.startsWith('/')) {
      why('absolute paths are not modules');
    } else if (specifier.startsWith('<computed')) {
      why('a computed specifier cannot be checked');
    } else if (!rule.packages) {
      why(`${from} may import node:* only, not npm package ${packageName(specifier)}`);
    } else if (rule.deniedPackages?.includes(packageName(specifier))) {
      why(`${from} may not import the engine-side package ${packageName(specifier)}`);
    }
  }
  return out;
}

/** Every module specifier in a TypeScript source, with whether only types come through it. */
function importsOf(fileName: string, text: string): ImportRef[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const out: ImportRef[] = [];
  const literal = (n: ts.Node | undefined) => (n !== undefined && ts.isStringLiteralLike(n) ? n.text : undefined);
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      // `import { type A }` with nothing else is elided by tsc, so it is type-only too.
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      out.push({ specifier: literal(node.moduleSpecifier)!, typeOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined) {
      const typeOnly =
        node.isTypeOnly ||
        (node.exportClause !== undefined &&
          ts.isNamedExports(node.exportClause) &&
          node.exportClause.elements.every((e) => e.isTypeOnly));
      out.push({ specifier: literal(node.moduleSpecifier)!, typeOnly });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      // A computed specifier cannot be checked, so it is reported as itself.
      out.push({ specifier: literal(node.arguments[0]) ?? `<computed: ${node.arguments[0]?.getText(sf)}>`, typeOnly: false });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const spec = literal(node.argument.literal);
      if (spec !== undefined) out.push({ specifier: spec, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

test('importsOf finds static, re-export, dynamic and type imports', () => {
  const src = [
    "import a from './a.js';",
    "import type { B } from '../b.js';",
    "import { type C } from './c.js';",
    "import { type D, e } from './d.js';",
    "import './side-effect.js';",
    "export { f } from './f.js';",
    "export type { G } from './g.js';",
    "export * from './h.js';",
    "const m = await import('./lazy.js');",
    "let t: import('./t.js').T;",
    "const s = 'import x from \"./not-an-import.js\"'; // import('./nor-this.js')",
  ].join('\n');
  assert.deepEqual(importsOf('x.ts', src), [
    { specifier: './a.js', typeOnly: false },
    { specifier: '../b.js', typeOnly: true },
    { specifier: './c.js', typeOnly: true },
    { specifier: './d.js', typeOnly: false },
    { specifier: './side-effect.js', typeOnly: false },
    { specifier: './f.js', typeOnly: false },
    { specifier: './g.js', typeOnly: true },
    { specifier: './h.js', typeOnly: false },
    { specifier: './lazy.js', typeOnly: false },
    { specifier: './t.js', typeOnly: true },
  ]);
  assert.deepEqual(importsOf('x.ts', 'await import(name);'), [{ specifier: '<computed: name>', typeOnly: false }]);
});

test('violations applies the DESIGN.md import table', () => {
  const v = (file: string, specifier: string, typeOnly = false) => violations(file, [{ specifier, typeOnly }]);
  const ok: [string, string, boolean?][] = [
    ['lib/errors.ts', 'node:fs'],
    ['lib/errors.ts', 'fs'],
    ['lib/errors.ts', './logger.js'],
    ['oci/digest.ts', '../lib/errors.js'],
    ['store/meta/meta-store.ts', 'better-sqlite3'],
    ['store/meta/meta-store.ts', '../../oci/ids.js'],
    ['store/gc/gc.ts', '../content/content-store.js'],
    ['image/layer/apply.ts', '../../store/snapshot/snapshot-manager.js'],
    ['runtime/rootfs.ts', '../store/snapshot/snapshot-manager.js', true],
    ['engine/engine.ts', '../runtime/rootfs.js'],
    ['api/server/server.ts', '../../engine/engine.js'],
    ['api/server/routes/images.ts', '../wire/images.js'],
    ['daemon/main.ts', '../api/server/server.js'],
    ['cli/main.ts', '../api/client/engine-client.js'],
    ['cli/main.ts', 'tar-stream'],
    ['bin/berth.ts', '../cli/main.js'],
    ['bin/berth.ts', '../daemon/main.js'],
  ];
  for (const [file, spec, typeOnly] of ok) assert.deepEqual(v(file, spec, typeOnly), [], `${file} -> ${spec}`);

  const bad: [string, string, boolean, RegExp][] = [
    ['lib/errors.ts', '../oci/digest.js', false, /lib may not import oci; lib may import node:\* only/],
    ['lib/x.ts', 'tar-stream', false, /lib may import node:\* only, not npm package tar-stream/],
    ['oci/digest.ts', '../store/content/content-store.js', false, /oci may not import store\/content/],
    ['store/meta/m.ts', '../content/content-store.js', false, /store\/meta may not import store\/content/],
    ['distribution/d.ts', '../store/meta/meta-store.js', false, /distribution may not import store\/meta/],
    ['runtime/rootfs.ts', '../store/snapshot/snapshot-manager.js', false, /only types from store\/snapshot/],
    ['runtime/rootfs.ts', '../store/meta/meta-store.js', true, /runtime may not import store\/meta/],
    ['engine/engine.ts', '../api/types/index.js', true, /engine may not import api\/types/],
    ['api/server/server.ts', '../../store/meta/meta-store.js', false, /api\/server may not import store\/meta/],
    ['api/client/c.ts', '../server/server.js', false, /api\/client may not import api\/server/],
    ['cli/main.ts', '../engine/engine.js', false, /cli may not import engine/],
    ['cli/commands/ps.ts', '../../daemon/main.js', false, /cli may not import daemon/],
    ['cli/main.ts', 'better-sqlite3', false, /engine-side package better-sqlite3/],
    ['daemon/main.ts', '../cli/main.js', false, /daemon may not import cli/],
    ['bin/berth.ts', '../engine/engine.js', false, /bin may not import engine/],
    ['engine/engine.ts', '../../test/e2e/harness.js', false, /outside every module/],
    ['engine/engine.ts', '/work/x.js', false, /absolute paths/],
  ];
  for (const [file, spec, typeOnly, want] of bad) {
    const got = v(file, spec, typeOnly);
    assert.equal(got.length, 1, `${file} -> ${spec}: ${got.join('; ')}`);
    assert.match(got[0]!, want);
    assert.ok(got[0]!.startsWith(`${file}: import '${spec}'`), got[0]);
  }
  assert.deepEqual(violations('store/x.ts', []), ['store/x.ts: is in no module of the table']);
  assert.deepEqual(violations('cli/registry.ts', [{ specifier: '<computed: name>', typeOnly: false }]), [
    "cli/registry.ts: import '<computed: name>' -> a computed specifier cannot be checked",
  ]);
});

test('src/ keeps the import table', () => {
  // This file runs as dist/src/layering.test.js; the sources sit in src/ beside dist/.
  const srcRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');
  const files = (readdirSync(srcRoot, { recursive: true }) as string[])
    .map((f) => f.split(path.sep).join('/'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .sort();
  assert.ok(files.length > 50, `found only ${files.length} sources under ${srcRoot}`);
  const found = files.flatMap((f) => violations(f, importsOf(f, readFileSync(path.join(srcRoot, f), 'utf8'))));
  assert.equal(found.length, 0, `${found.length} import(s) break DESIGN.md's table:\n${found.join('\n')}`);
});

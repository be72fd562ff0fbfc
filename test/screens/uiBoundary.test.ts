/**
 * The UI never reaches a warehouse except through the service (issue 17): no file under src/screens or
 * src/components imports an engine, the engine interface, openWarehouse or a warehouse client, either itself
 * or through the modules it loads.
 *
 * Read from the source with TypeScript's parser. Value imports (and re-exports and dynamic imports) are
 * followed from file to file, as Node would load them. A type-only import loads nothing, so it is not
 * followed; but a UI file may not name a forbidden module even for a type (its types come from the service
 * boundary, src/data/service/requests.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** What the UI must not load: engines, the engine interface, what opens a warehouse, and the clients themselves. */
const FORBIDDEN: { test: (module: string) => boolean; what: string }[] = [
  { test: (m) => m === 'src/data/engine.ts', what: 'the engine interface' },
  { test: (m) => m === 'src/data/openWarehouse.ts', what: 'openWarehouse' },
  { test: (m) => m.startsWith('src/data/duckdb/'), what: 'the DuckDB engine' },
  { test: (m) => m.startsWith('src/data/bigquery/'), what: 'the BigQuery engine' },
  { test: (m) => /(^|\/)slices(\/|\.ts$)/.test(m), what: 'slices' },
  { test: (m) => m === '@duckdb/node-api' || m.startsWith('@google-cloud/'), what: 'a warehouse client' },
];

type Import = { module: string; typeOnly: boolean };

/** A relative specifier as the repository file it names (".js" in source means the .ts or .tsx beside it); a package by its name. */
function resolveSpecifier(from: string, specifier: string): string {
  if (!specifier.startsWith('.')) return specifier;
  const base = resolve(dirname(join(ROOT, from)), specifier).replace(/\.js$/, '');
  for (const candidate of [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) if (existsSync(candidate)) return relative(ROOT, candidate);
  // Not on disk (the compiler would refuse it): named as the .ts file, for the tests below of made-up files.
  return relative(ROOT, `${base}.ts`);
}

function importsOf(file: string, text = readFileSync(join(ROOT, file), 'utf8')): Import[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found: Import[] = [];
  const add = (specifier: ts.Expression | undefined, typeOnly: boolean) => {
    if (!specifier || !ts.isStringLiteral(specifier)) return;
    found.push({ module: resolveSpecifier(file, specifier.text), typeOnly });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      // `import { type A, type B } from` loads nothing either (the compiler and esbuild drop it).
      const named = clause?.namedBindings;
      const onlyTypes =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (!clause.name && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier, onlyTypes);
    } else if (ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const uiFiles = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? uiFiles(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );

/** Every way a UI file reaches a forbidden module: "a -> b -> src/data/duckdb/engine.ts (the DuckDB engine)". */
function boundaryViolations(starts: readonly string[], read: (file: string) => Import[] = importsOf): string[] {
  const violations: string[] = [];
  const forbidden = (m: string) => FORBIDDEN.find((f) => f.test(m));
  // Direct imports, type-only ones included.
  for (const file of starts)
    for (const { module, typeOnly } of read(file)) {
      const hit = forbidden(module);
      const line = `${file} -> ${module}${typeOnly ? ' (type)' : ''}`;
      if (hit) violations.push(`${line}: ${hit.what}`);
    }
  // What loading them loads: breadth first, so each path shown is a shortest one.
  const reachedBy = new Map<string, string[]>(starts.map((s) => [s, [s]]));
  const queue = [...starts];
  while (queue.length) {
    const file = queue.shift()!;
    const chain = reachedBy.get(file)!;
    if (!file.startsWith('src/')) continue; // a package: its own imports are not followed
    for (const { module, typeOnly } of read(file)) {
      if (typeOnly || reachedBy.has(module)) continue;
      reachedBy.set(module, [...chain, module]);
      const hit = forbidden(module);
      if (hit && chain.length > 1) violations.push(`${[...chain, module].join(' -> ')}: ${hit.what}`);
      if (!hit) queue.push(module);
    }
  }
  return violations;
}

describe('the UI and the warehouse', () => {
  const starts = [...uiFiles('src/screens'), ...uiFiles('src/components')];

  it('finds the UI files', () => {
    expect(starts).toContain('src/screens/LookupScreen.tsx');
    expect(starts).toContain('src/components/keyBus.tsx');
  });

  it('no screen or component imports an engine, engine.ts or openWarehouse, directly or through what it loads', () => {
    expect(boundaryViolations(starts)).toEqual([]);
  });

  it('would see a screen that reached an engine through a module in between, or named engine.ts for a type', () => {
    const files: Record<string, string> = {
      'src/screens/Bad.tsx': "import { helper } from '../data/helper.js';\nimport type { PageKey } from '../data/engine.js';",
      'src/data/helper.ts': "import { type A } from '../data/x.js';\nexport { openEngine } from './openWarehouse.js';",
    };
    const read = (file: string) => (file in files ? importsOf(file, files[file]) : []);
    expect(boundaryViolations(['src/screens/Bad.tsx'], read)).toEqual([
      'src/screens/Bad.tsx -> src/data/engine.ts (type): the engine interface',
      'src/screens/Bad.tsx -> src/data/helper.ts -> src/data/openWarehouse.ts: openWarehouse',
    ]);
  });

  it('does not follow a type-only import: it loads nothing', () => {
    const read = (file: string) =>
      file === 'src/components/Demo.tsx'
        ? importsOf(file, "import type { SeedProgress } from '../data/demo/seed.js';")
        : file === 'src/data/demo/seed.ts'
          ? importsOf(file)
          : [];
    expect(boundaryViolations(['src/components/Demo.tsx'], read)).toEqual([]);
  });
});

/**
 * Google's ZetaSQL analyzer as a test oracle for the BigQuery SQL: the
 * analyzer server from @fivetrandevelopers/zetasql runs on a free loopback
 * port (one per test file, i.e. per worker), with a catalog of the three event
 * tables, the audit and approvals tables and the stage tables, every language feature,
 * product mode EXTERNAL. A statement that does not resolve (unknown column,
 * wrong type, undeclared parameter, a value where a parameter belongs) fails
 * the test. Temporary tables a statement creates are returned, so a test can
 * put them in the catalog of the statements after it.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import type { StageConfig } from '../../src/data/config.js';
import type { ParamType, QueryParameter } from '../../src/data/bigquery/params.js';
import type { BigqueryTables } from '../../src/data/bigquery/names.js';
import { TABLE_SCHEMAS } from '../../src/data/model.js';

const require = createRequire(import.meta.url);
const zetasql = require('@fivetrandevelopers/zetasql') as typeof import('@fivetrandevelopers/zetasql');

export type TypeProto = { typeKind: string; arrayType?: { elementType: TypeProto }; structType?: { field: { fieldName: string; fieldType: TypeProto }[] } };
const T = (typeKind: string): TypeProto => ({ typeKind });

const KIND: Record<string, string> = {
  STRING: 'TYPE_STRING',
  INT64: 'TYPE_INT64',
  FLOAT64: 'TYPE_DOUBLE',
  BOOL: 'TYPE_BOOL',
  TIMESTAMP: 'TYPE_TIMESTAMP',
  JSON: 'TYPE_JSON',
};

export function typeProto(t: ParamType): TypeProto {
  if (t.type === 'ARRAY') return { typeKind: 'TYPE_ARRAY', arrayType: { elementType: typeProto(t.arrayType) } };
  if (t.type === 'STRUCT')
    return { typeKind: 'TYPE_STRUCT', structType: { field: t.structTypes.map((f) => ({ fieldName: f.name, fieldType: typeProto(f.type) })) } };
  return T(KIND[t.type]!);
}

/** The production schema (the one doctor checks), in ZetaSQL's type names. */
const columns = (role: keyof typeof TABLE_SCHEMAS): [string, string][] => TABLE_SCHEMAS[role].map(([n, t]) => [n, `TYPE_${t}`]);

/** A column's type: a ZetaSQL type kind (TYPE_STRING...) or a whole type. */
export type ColumnType = string | TypeProto;
export type ExtraTable = { name: string; columns: [string, ColumnType][] };

const table = (name: string, columns: [string, ColumnType][]) => ({
  name,
  column: columns.map(([n, k]) => ({ name: n, type: typeof k === 'string' ? T(k) : k })),
});

/** The catalog: production tables by their full backquoted path, plus any extra tables (temporary tables, INFORMATION_SCHEMA). */
export function catalogTables(t: BigqueryTables, stages: readonly StageConfig[], extra: ExtraTable[] = []) {
  return [
    table(t.events, columns('events')),
    table(t.exceptions, columns('exceptions')),
    table(t.exclusions, columns('exclusions')),
    table(t.audit, columns('audit')),
    table(t.approvals, columns('approvals')),
    ...stages.map((s) =>
      table(`${t.stageDataset}.${s.name}`, [
        ...columns('events'),
        ['is_exception', 'TYPE_BOOL'],
        ...s.columns.map((c): [string, string] => [c.name, 'TYPE_STRING']),
      ]),
    ),
    ...extra.map((e) => table(e.name, e.columns)),
  ];
}

/**
 * This ZetaSQL predates JSON_SET's `create_if_missing =>` argument, so the
 * builtin is swapped for BigQuery's current signature rather than the SQL
 * being bent to the old one: JSON_SET(json, path, value[, path, value...]
 * [, create_if_missing => BOOL]).
 */
const JSON_SET = {
  namePath: ['JSON_SET'],
  group: 'BigQuery',
  mode: 'SCALAR',
  signature: [
    {
      argument: [
        { kind: 'ARG_TYPE_FIXED', type: T('TYPE_JSON'), numOccurrences: 1, options: { cardinality: 'REQUIRED' } },
        // One or more (path, value) pairs; the values of one call may differ in type.
        { kind: 'ARG_TYPE_FIXED', type: T('TYPE_STRING'), numOccurrences: 1, options: { cardinality: 'REPEATED' } },
        { kind: 'ARG_TYPE_ARBITRARY', numOccurrences: 1, options: { cardinality: 'REPEATED' } },
        {
          kind: 'ARG_TYPE_FIXED',
          type: T('TYPE_BOOL'),
          numOccurrences: 1,
          options: { cardinality: 'OPTIONAL', argumentName: 'create_if_missing', namedArgumentKind: 'NAMED_ONLY', mustBeConstant: false },
        },
      ],
      returnType: { kind: 'ARG_TYPE_FIXED', type: T('TYPE_JSON'), options: { cardinality: 'REQUIRED' } },
      contextId: 0,
    },
  ],
  options: { allowExternalUsage: true },
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export type Analyzer = {
  /**
   * Resolves the statement against the catalog; rejects with the analyzer's one-line message. Returns the
   * temporary table the statement creates (CREATE TEMP TABLE), if it does, with its resolved columns.
   */
  analyze(statement: string, params?: readonly QueryParameter[], extraTables?: ExtraTable[]): Promise<ExtraTable | undefined>;
  stop(): void;
};

type Node = { [key: string]: unknown };

/** A resolved type without the response's nulls and descriptors, as a catalog takes it. */
function cleanType(t: Node): TypeProto {
  const out: TypeProto = { typeKind: t.typeKind as string };
  const array = t.arrayType as { elementType: Node } | null;
  const struct = t.structType as { field: { fieldName: string; fieldType: Node }[] } | null;
  if (array) out.arrayType = { elementType: cleanType(array.elementType) };
  if (struct) out.structType = { field: struct.field.map((f) => ({ fieldName: f.fieldName, fieldType: cleanType(f.fieldType) })) };
  return out;
}

/** The first node under one of `names`, searching the resolved statement's wrappers. */
function find(node: unknown, names: readonly string[], depth = 0): Node | undefined {
  if (!node || typeof node !== 'object' || depth > 6) return undefined;
  for (const [k, v] of Object.entries(node)) {
    if (names.includes(k) && v) return v as Node;
    const inner = k.startsWith('resolved') ? find(v, names, depth + 1) : undefined;
    if (inner) return inner;
  }
  return undefined;
}

const CREATE_TEMP = new Set([3, 'CREATE_TEMP']);

/** The table a CREATE TEMP TABLE [AS SELECT] creates, from its resolved statement. */
function createdTemp(resolved: unknown): ExtraTable | undefined {
  const node = find(resolved, ['resolvedCreateTableAsSelectStmtNode', 'resolvedCreateTableStmtNode']);
  const base = node?.parent as { columnDefinitionList?: { name: string; type: Node }[]; parent?: { namePath?: string[]; createScope?: unknown } } | undefined;
  if (!base?.parent || !CREATE_TEMP.has(base.parent.createScope as never)) return undefined;
  return { name: (base.parent.namePath ?? []).join('.'), columns: (base.columnDefinitionList ?? []).map((c) => [c.name, cleanType(c.type)]) };
}

export async function startAnalyzer(t: BigqueryTables, stages: readonly StageConfig[]): Promise<Analyzer> {
  const server = join(dirname(require.resolve('@fivetrandevelopers/zetasql')), 'zetasql', 'remote_server.so');
  const port = await freePort();
  const child: ChildProcess = execFile(server, ['127.0.0.1', String(port)]);
  child.stdout?.resume();
  child.stderr?.resume();
  zetasql.ZetaSQLClient.init(port);
  const client = zetasql.ZetaSQLClient.getInstance();
  for (let i = 0; ; i++) {
    try {
      if (await client.testConnection()) break;
    } catch {
      // the server is still starting
    }
    if (i > 100) throw new Error(`ZetaSQL analyzer did not start on port ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const language = await new zetasql.LanguageOptions().enableMaximumLanguageFeatures();
  const options = language.options as Record<string, unknown>;
  options.productMode = 'PRODUCT_EXTERNAL';
  options.supportedStatementKinds = [];
  const languageOptions = language.serialize();
  return {
    async analyze(statement, params = [], extraTables = []) {
      const simpleCatalog = {
        name: 'bigquery',
        table: catalogTables(t, stages, extraTables),
        builtinFunctionOptions: { languageOptions, excludeFunctionIds: ['FN_JSON_SET'] },
        customFunction: [JSON_SET],
      };
      try {
        const response = (await client.analyze({
          sqlStatement: statement,
          simpleCatalog,
          options: {
            languageOptions,
            errorMessageMode: 'ERROR_MESSAGE_ONE_LINE',
            parameterMode: 'PARAMETER_NAMED',
            queryParameters: params.map((p) => ({ name: p.name, type: typeProto(p.parameterType) })),
          },
        } as never)) as unknown as { resolvedStatement?: unknown } | undefined;
        return createdTemp(response?.resolvedStatement);
      } catch (error) {
        const e = error as { details?: string; message?: string };
        throw new Error(`ZetaSQL rejected:\n${statement}\n--> ${e.details ?? e.message}`);
      }
    },
    stop() {
      child.kill('SIGKILL');
    },
  };
}

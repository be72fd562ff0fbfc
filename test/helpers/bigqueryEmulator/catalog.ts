/**
 * What one statement can see, as the evaluator's catalog. BigQuery resolves
 * `t` (a temp table, or the default dataset's), `_SESSION.t`, `dataset.t`,
 * `project.dataset.t` and `` `project.dataset.t` `` (also for
 * INFORMATION_SCHEMA views); the evaluator's SimpleCatalog only serves rows
 * for top-level tables, so every multi-part name is rewritten in the text to
 * one backquoted flat name (`` `p.d.t` ``) that the catalog holds.
 *
 * Reading a table inside a transaction reads the transaction's own copy.
 */
import { BigqueryError, errors } from './errors.js';
import { informationSchema } from './informationSchema.js';
import { pseudoColumns, pseudoValues, type Row, type Store, type Table } from './store.js';
import type { TypeProto, ValueProto } from './values.js';
import type { Catalog, ColumnProto, NamedParam, TableProto } from './zetasql.js';

export type Transaction = { id: string; rows: Map<Table, Row[]>; written: Table[]; versions: Map<Table, number> };

export type Session = { id: string; project: string; location: string; temps: Map<string, Table>; tx?: Transaction };

export type Scope = {
  store: Store;
  project: string;
  location: string;
  defaultDataset?: { projectId: string; datasetId: string };
  /** Temp tables: the session's, or the script's own. */
  temps: Map<string, Table>;
  session?: Session;
  tx?: Transaction;
  params: NamedParam[];
  /** The whole job text, for `at [line:column]`. */
  script: string;
  isScript: boolean;
};

export type Source = { key: string; table?: Table; view?: { columns: { name: string; type: TypeProto }[]; rows: ValueProto[][] } };

/** A hidden primary key, so UPDATE and DELETE say exactly which stored rows they touched. */
export const ROW_ID = '__emulator_row_id';

export const flatten = (segments: readonly string[]) => segments.flatMap((s) => s.split('.'));

export function resolve(segments: readonly string[], scope: Scope): Source {
  const flat = flatten(segments);
  const { store } = scope;
  const lookup = (project: string, dataset: string, name: string, key: string): Source => {
    const d = store.dataset(project, dataset);
    if (!d || d.location !== scope.location) throw errors.datasetNotFound(project, dataset, scope.location);
    const table = store.tables.get(`${project}.${dataset}.${name}`);
    if (!table) throw errors.tableNotFound(project, dataset, name, scope.location);
    return { key, table };
  };
  if (flat.length === 1) {
    const temp = scope.temps.get(flat[0]!);
    if (temp) return { key: flat[0]!, table: temp };
    if (scope.defaultDataset) return lookup(scope.defaultDataset.projectId, scope.defaultDataset.datasetId, flat[0]!, flat[0]!);
    throw new BigqueryError('invalid', `Table "${flat[0]}" must be qualified with a dataset (e.g. dataset.table).`);
  }
  if (flat.length === 2 && flat[0]!.toUpperCase() === '_SESSION') {
    const temp = scope.session && scope.temps.get(flat[1]!);
    if (!temp) throw new BigqueryError('notFound', `Not found: Table _SESSION.${flat[1]}`, 404);
    return { key: flat[1]!, table: temp };
  }
  const info = flat.findIndex((s) => s.toUpperCase() === 'INFORMATION_SCHEMA');
  if (info >= 1 && info === flat.length - 2 && info <= 2) {
    const [project, dataset] = info === 1 ? [scope.project, flat[0]!] : [flat[0]!, flat[1]!];
    const d = store.dataset(project, dataset);
    if (!d || d.location !== scope.location) throw errors.datasetNotFound(project, dataset, scope.location);
    const viewName = flat[info + 1]!.toUpperCase();
    const view = informationSchema(store, project, dataset, viewName);
    if (!view) throw errors.tableNotFound(project, dataset, `INFORMATION_SCHEMA.${viewName}`, scope.location);
    return { key: `${project}.${dataset}.INFORMATION_SCHEMA.${viewName}`, view };
  }
  if (flat.length === 2) return lookup(scope.project, flat[0]!, flat[1]!, `${scope.project}.${flat[0]}.${flat[1]}`);
  if (flat.length === 3) return lookup(flat[0]!, flat[1]!, flat[2]!, flat.join('.'));
  throw new BigqueryError('invalid', `Invalid table name: ${segments.join('.')}`);
}

/** The rows a statement in this scope reads: a transaction's own copy of a table it already changed. */
export const rowsRead = (table: Table, scope: Pick<Scope, 'tx'>) => (!table.temp && scope.tx?.rows.get(table)) || table.rows;

/**
 * The evaluator's catalog for these sources: columns (pseudo-columns of
 * ingestion-time tables included), and with `content` the rows; with
 * `rowIds` each table also gets the hidden primary key.
 */
export function catalogOf(sources: Iterable<Source>, scope: Pick<Scope, 'tx'>, options: { content: boolean; rowIds: boolean }): Catalog {
  const tables: TableProto[] = [];
  const content: Record<string, ValueProto[][]> = {};
  const seen = new Set<string>();
  for (const s of sources) {
    if (seen.has(s.key)) continue;
    seen.add(s.key);
    let columns: ColumnProto[];
    let rows: ValueProto[][] = [];
    if (s.table) {
      const t = s.table;
      columns = [...t.schema.map((f, i) => ({ name: f.name, type: t.types[i]! })), ...pseudoColumns(t).map((p) => ({ ...p, isPseudoColumn: true }))];
      if (options.content) rows = rowsRead(t, scope).map((r) => [...r.cells, ...pseudoValues(t, r), ...(options.rowIds ? [{ int64Value: String(r.id) }] : [])]);
    } else {
      columns = s.view!.columns.map((c) => ({ ...c }));
      if (options.content) rows = s.view!.rows.map((r, i) => [...r, ...(options.rowIds ? [{ int64Value: String(-1 - i) }] : [])]);
    }
    const table: TableProto = { name: s.key, column: columns };
    if (options.rowIds) {
      table.column = [...columns, { name: ROW_ID, type: { typeKind: 'TYPE_INT64' }, isPseudoColumn: true }];
      table.primaryKeyColumnIndex = [columns.length];
    }
    tables.push(table);
    if (options.content) content[s.key] = rows;
  }
  return { tables, content: options.content ? content : undefined };
}

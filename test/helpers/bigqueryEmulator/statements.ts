/**
 * One statement of a job: rewritten for the evaluator's catalog (catalog.ts),
 * analyzed by ZetaSQL (which decides what kind of statement it is and
 * rejects what BigQuery's analyzer would), then evaluated. Transaction
 * control (BEGIN / COMMIT / ROLLBACK) is left to the script (script.ts).
 *
 * DML goes through the evaluator's EvaluateModify: INSERT reports the new
 * rows; UPDATE and DELETE report the hidden primary key of every row they
 * touched (tables carry one, see catalog.ts), so the stored rows change
 * exactly as the evaluator decided. MERGE is refused: the reference
 * evaluator has no MERGE.
 */
import { innermost } from './ast.js';
import { catalogOf, flatten, resolve, type Scope, type Source } from './catalog.js';
import { BigqueryError, errors } from './errors.js';
import { applyEdits, jsonSetEdits, lineColumn, offsetOf, originalOffset, paths, tokenize, topLevelKeyword, type Edit, type Token } from './sqlText.js';
import type { Row, Table } from './store.js';
import { restField } from './types.js';
import { clean, isNull, timestampMicros, type TypeProto, type ValueProto } from './values.js';
import { ZetaSqlError, type ColumnProto, type Zetasql } from './zetasql.js';

export type Statement = { text: string; start: number; tables: string[][] };

export type Prepared = { stmt: Statement; sql: string; edits: Edit[]; sources: Source[]; tokens: Token[] };

export type StatementResult =
  | { kind: 'query'; statementType: 'SELECT'; columns: ColumnProto[]; rows: ValueProto[][] }
  | { kind: 'dml'; statementType: 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE_TABLE'; inserted: number; updated: number; deleted: number }
  | { kind: 'control'; statementType: 'BEGIN_TRANSACTION' | 'COMMIT_TRANSACTION' | 'ROLLBACK_TRANSACTION' }
  | { kind: 'other'; statementType: string };

export const STATEMENT_TYPE: Record<string, string> = {
  resolvedQueryStmtNode: 'SELECT',
  resolvedInsertStmtNode: 'INSERT',
  resolvedUpdateStmtNode: 'UPDATE',
  resolvedDeleteStmtNode: 'DELETE',
  resolvedMergeStmtNode: 'MERGE',
  resolvedTruncateStmtNode: 'TRUNCATE_TABLE',
  resolvedCreateTableStmtNode: 'CREATE_TABLE',
  resolvedCreateTableAsSelectStmtNode: 'CREATE_TABLE_AS_SELECT',
  resolvedDropStmtNode: 'DROP_TABLE',
  resolvedBeginStmtNode: 'BEGIN_TRANSACTION',
  resolvedCommitStmtNode: 'COMMIT_TRANSACTION',
  resolvedRollbackStmtNode: 'ROLLBACK_TRANSACTION',
  resolvedAssertStmtNode: 'ASSERT',
};

/** Statement kinds BigQuery runs inside a transaction (DDL only on temp tables). */
export const ALLOWED_IN_TRANSACTION = new Set([
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'MERGE',
  'TRUNCATE_TABLE',
  'ASSERT',
  'COMMIT_TRANSACTION',
  'ROLLBACK_TRANSACTION',
]);

/** Where a statement starts (its first token, after any comment), as an offset in the job text. */
export const statementStart = (stmt: Statement) => stmt.start + (tokenize(stmt.text)[0]?.start ?? 0);

/**
 * An error of a statement as BigQuery words it: ZetaSQL's `[at l:c]` becomes
 * BigQuery's `at [l:c]` in the job's own text; inside a script (observed
 * from the service: "Query error: DDL statements are not supported in a
 * transaction, ... at [1:323]") the message is prefixed and located.
 */
export function statementError(error: unknown, stmt: Statement, scope: Pick<Scope, 'script' | 'isScript'>, prepared?: Prepared): BigqueryError {
  let message: string;
  let at: number | undefined;
  let reason = 'invalidQuery';
  let code = 400;
  if (error instanceof ZetaSqlError) {
    message = error.message;
    const m = /\s*\[at (\d+):(\d+)\]$/.exec(message);
    if (m) {
      message = message.slice(0, m.index);
      const sql = prepared?.sql ?? stmt.text;
      at = stmt.start + originalOffset(offsetOf(sql, Number(m[1]), Number(m[2])), prepared?.edits ?? []);
    }
  } else if (error instanceof BigqueryError) {
    if (!scope.isScript || error.reason !== 'invalidQuery' || error.message.startsWith('bigquery emulator:')) return error;
    ({ message, reason, code } = error);
  } else {
    throw error;
  }
  if (scope.isScript) {
    const [line, column] = lineColumn(scope.script, at ?? statementStart(stmt));
    return new BigqueryError(reason, `Query error: ${message} at [${line}:${column}]`, code);
  }
  return new BigqueryError(reason, at === undefined ? message : `${message} at [${lineColumn(scope.script, at).join(':')}]`, code);
}

export function prepare(stmt: Statement, scope: Scope): Prepared {
  const tokens = tokenize(stmt.text);
  const sources: (Source & { segments: string[] })[] = [];
  const lenient = tokens[0]?.value.toUpperCase() === 'DROP';
  for (const segments of stmt.tables) {
    try {
      sources.push({ ...resolve(segments, scope), segments: flatten(segments) });
    } catch (e) {
      // DROP TABLE IF EXISTS names a table that may not exist: the statement itself decides.
      if (!lenient) throw e;
    }
  }
  const edits: Edit[] = [];
  for (const p of paths(tokens)) {
    if (p.segments.length < 2) continue;
    const s = sources.find((x) => x.segments.length === p.segments.length && x.segments.every((seg, i) => seg === p.segments[i]));
    if (s) edits.push({ start: p.start, end: p.end, text: `\`${s.key}\`` });
  }
  const json = jsonSetEdits(tokens);
  if (json.unsupported) {
    throw errors.notEmulated(
      `JSON_SET(..., ${json.unsupported}) cannot be emulated: this ZetaSQL's JSON_SET predates create_if_missing and always creates missing members`,
    );
  }
  const all = [...edits, ...json.edits];
  return { stmt, sql: applyEdits(stmt.text, all), edits: all, sources, tokens };
}

export async function analyze(
  z: Zetasql,
  prepared: Prepared,
  scope: Scope,
): Promise<{ kind: string; body: Record<string, any>; ast: Record<string, unknown> }> {
  try {
    const ast = await z.analyze(prepared.sql, catalogOf(prepared.sources, scope, { content: false, rowIds: false }), scope.params);
    return { ...innermost(ast), ast };
  } catch (e) {
    throw statementError(e, prepared.stmt, scope, prepared);
  }
}

/** Writes a table's rows: temp tables at once, others into the open transaction, or committed. */
export function writeRows(table: Table, rows: Row[], scope: Scope) {
  if (table.temp) {
    table.rows = rows;
    return;
  }
  if (scope.tx) {
    if (!scope.tx.written.includes(table)) scope.tx.written.push(table);
    scope.tx.rows.set(table, rows);
    return;
  }
  scope.store.commit(table, rows);
}

/** ZetaSQL knows no column modes: a REQUIRED column written NULL is refused here (wording not verified against the service). */
function requireValues(table: Table, rows: { cells: ValueProto[] }[], prepared: Prepared, scope: Scope) {
  for (const row of rows) {
    table.schema.forEach((f, i) => {
      if (f.mode === 'REQUIRED' && isNull(row.cells[i]))
        throw statementError(new BigqueryError('invalidQuery', `Required field ${f.name} cannot be null`), prepared.stmt, scope);
    });
  }
}

const schemaOf = (columns: { name: string; type: TypeProto }[]) => columns.map((c) => restField(c.name, c.type));

function tempTable(scope: Scope, name: string, columns: { name: string; type: TypeProto }[]): Table {
  return scope.store.newTable(scope.session ? '_SESSION' : '_SCRIPT', '', name, schemaOf(columns), true);
}

export async function execute(z: Zetasql, prepared: Prepared, analyzed: { kind: string; body: Record<string, any> }, scope: Scope): Promise<StatementResult> {
  const { kind, body } = analyzed;
  const statementType = STATEMENT_TYPE[kind] ?? kind;
  const run = async <T>(f: () => Promise<T>) => {
    try {
      return await f();
    } catch (e) {
      throw statementError(e, prepared.stmt, scope, prepared);
    }
  };
  const target = (key: string) => {
    const s = prepared.sources.find((x) => x.key === key);
    if (!s?.table) throw errors.notEmulated(`cannot modify ${key}`);
    return s.table;
  };
  const content = (rowIds: boolean) => catalogOf(prepared.sources, scope, { content: true, rowIds });
  const { store } = scope;

  switch (kind) {
    case 'resolvedQueryStmtNode': {
      const r = await run(() => z.query(prepared.sql, content(false), scope.params));
      return { kind: 'query', statementType: 'SELECT', columns: r.columns, rows: r.rows };
    }
    case 'resolvedInsertStmtNode': {
      const r = await run(() => z.modify(prepared.sql, content(false), scope.params));
      const table = target(r.table);
      const n = table.schema.length;
      const now = store.now();
      const added: Row[] = r.rows.map((row) => {
        const cells = (row.cell ?? []).map(clean);
        // An ingestion-time table's _PARTITIONTIME may be written; otherwise rows land in today's partition.
        const pt = cells[n];
        return {
          id: store.rowId(),
          cells: cells.slice(0, n),
          insertedAt: table.partitioning && !table.partitioning.field && pt && !isNull(pt) ? timestampMicros(pt) : now,
        };
      });
      requireValues(table, added, prepared, scope);
      writeRows(table, [...(scope.tx?.rows.get(table) ?? table.rows), ...added], scope);
      return { kind: 'dml', statementType: 'INSERT', inserted: added.length, updated: 0, deleted: 0 };
    }
    case 'resolvedUpdateStmtNode':
    case 'resolvedDeleteStmtNode': {
      const r = await run(() => z.modify(prepared.sql, content(true), scope.params));
      const table = target(r.table);
      const n = table.schema.length;
      const id = (row: { oldPrimaryKey?: ValueProto[] }) => Number(row.oldPrimaryKey?.[0]?.int64Value);
      const current = (!table.temp && scope.tx?.rows.get(table)) || table.rows;
      if (kind === 'resolvedDeleteStmtNode') {
        const gone = new Set(r.rows.map(id));
        writeRows(
          table,
          current.filter((row) => !gone.has(row.id)),
          scope,
        );
        return { kind: 'dml', statementType: 'DELETE', inserted: 0, updated: 0, deleted: gone.size };
      }
      const updated = new Map(r.rows.map((row) => [id(row), (row.cell ?? []).slice(0, n).map(clean)]));
      requireValues(
        table,
        [...updated.values()].map((cells) => ({ cells })),
        prepared,
        scope,
      );
      writeRows(
        table,
        current.map((row) => (updated.has(row.id) ? { ...row, cells: updated.get(row.id)! } : row)),
        scope,
      );
      return { kind: 'dml', statementType: 'UPDATE', inserted: 0, updated: updated.size, deleted: 0 };
    }
    case 'resolvedTruncateStmtNode': {
      const table = prepared.sources[0]?.table;
      if (!table) throw errors.notEmulated('TRUNCATE TABLE of this target');
      writeRows(table, [], scope);
      return { kind: 'dml', statementType: 'TRUNCATE_TABLE', inserted: 0, updated: 0, deleted: 0 };
    }
    case 'resolvedMergeStmtNode':
      throw errors.notEmulated('MERGE is not emulated: the ZetaSQL reference evaluator has no MERGE (use INSERT/UPDATE/DELETE)');
    case 'resolvedBeginStmtNode':
    case 'resolvedCommitStmtNode':
    case 'resolvedRollbackStmtNode':
      return { kind: 'control', statementType: statementType as 'BEGIN_TRANSACTION' };
    case 'resolvedCreateTableStmtNode':
    case 'resolvedCreateTableAsSelectStmtNode': {
      const create = body.parent.parent as { namePath: string[]; createScope?: string; createMode?: string };
      const columns = (body.parent.columnDefinitionList ?? []) as { name: string; type: TypeProto }[];
      if (create.createScope !== 'CREATE_TEMP') {
        // A permanent table from its column list (evfix's own tables: doctor --create-audit). Not in a transaction.
        if (kind === 'resolvedCreateTableAsSelectStmtNode') throw errors.notEmulated('CREATE TABLE ... AS SELECT of a permanent table is not emulated');
        const path = flatten(create.namePath);
        const [p, d, t] = path.length === 3 ? path : path.length === 2 ? [scope.project, ...path] : [];
        if (!p || !d || !t)
          throw statementError(
            new BigqueryError('invalidQuery', `Table name "${path.join('.')}" missing dataset while no default dataset is set in the request.`),
            prepared.stmt,
            scope,
          );
        if (!store.dataset(p, d)) throw errors.datasetNotFound(p, d);
        if (store.tables.has(`${p}.${d}.${t}`)) {
          if (create.createMode === 'CREATE_IF_NOT_EXISTS') return { kind: 'other', statementType };
          throw statementError(new BigqueryError('invalidQuery', `Already Exists: Table ${p}:${d}.${t}`), prepared.stmt, scope);
        }
        const defined = columns as { name: string; type: TypeProto; annotations?: { notNull?: boolean } }[];
        const schema = defined.map((c) => restField(c.name, c.type, c.annotations?.notNull ? 'REQUIRED' : undefined));
        store.tables.set(`${p}.${d}.${t}`, store.newTable(p, d, t, schema, false));
        return { kind: 'other', statementType };
      }
      const name = create.namePath.join('.');
      if (scope.temps.has(name) && create.createMode === 'CREATE_IF_NOT_EXISTS') return { kind: 'other', statementType };
      if (scope.temps.has(name) && create.createMode !== 'CREATE_OR_REPLACE') {
        throw statementError(new BigqueryError('invalidQuery', `Already Exists: Table ${name}`), prepared.stmt, scope);
      }
      const table = tempTable(scope, name, columns);
      if (kind === 'resolvedCreateTableAsSelectStmtNode') {
        const tokens = tokenize(prepared.sql);
        const as = topLevelKeyword(tokens, 'AS', tokens.findIndex((t) => t.value.toUpperCase() === 'TABLE') + 2);
        const r = await run(() => z.query(prepared.sql.slice(tokens[as]!.end), content(false), scope.params));
        table.rows = r.rows.map((cells) => ({ id: store.rowId(), cells: cells.map(clean), insertedAt: store.now() }));
      }
      scope.temps.set(name, table);
      return { kind: 'other', statementType };
    }
    case 'resolvedDropStmtNode': {
      const path = flatten(body.namePath as string[]);
      const name = path.length === 2 && path[0]!.toUpperCase() === '_SESSION' ? path[1]! : path.length === 1 ? path[0]! : undefined;
      if (String(body.objectType).toUpperCase() !== 'TABLE') throw errors.notEmulated(`DROP ${body.objectType} is not emulated`);
      if (name !== undefined && scope.temps.has(name)) {
        scope.temps.delete(name);
        return { kind: 'other', statementType };
      }
      const [p, d, t] = path.length === 3 ? path : path.length === 2 ? [scope.project, ...path] : [];
      if (!p || !d || !t) {
        if (body.isIfExists) return { kind: 'other', statementType };
        throw statementError(new BigqueryError('invalidQuery', `Not found: Table ${path.join('.')}`), prepared.stmt, scope);
      }
      if (!store.tables.has(`${p}.${d}.${t}`)) {
        if (body.isIfExists) return { kind: 'other', statementType };
        throw errors.tableNotFound(p, d, t);
      }
      store.tables.delete(`${p}.${d}.${t}`);
      return { kind: 'other', statementType };
    }
    case 'resolvedAssertStmtNode': {
      const tokens = tokenize(prepared.sql);
      const first = tokens.findIndex((t) => t.value.toUpperCase() === 'ASSERT');
      // ASSERT <expression> [AS 'description']: the description is the statement's last token.
      const last = body.description !== undefined && tokens[tokens.length - 2]?.value.toUpperCase() === 'AS' ? tokens.length - 2 : tokens.length;
      const expression = prepared.sql.slice(tokens[first]!.end, tokens[last - 1]!.end);
      const r = await run(() => z.query(`SELECT (${expression})`, content(false), scope.params));
      if (r.rows[0]?.[0]?.boolValue !== true) {
        const description = body.description as string | undefined;
        throw statementError(new BigqueryError('invalidQuery', description ?? `Assertion failed: ${expression.trim()}`), prepared.stmt, scope);
      }
      return { kind: 'other', statementType: 'ASSERT' };
    }
    default:
      throw errors.notEmulated(`${statementType} statements are not emulated`);
  }
}

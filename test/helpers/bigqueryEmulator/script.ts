/**
 * A query job's text as BigQuery runs it: split into statements by ZetaSQL's
 * parser (a syntax error anywhere fails the job before anything runs), then
 * statement by statement, each analyzed only when reached (as BigQuery's
 * child jobs are), so DML before a failing statement stays done unless it
 * ran inside a transaction:
 *
 * - BEGIN TRANSACTION starts a snapshot: DML writes the transaction's own
 *   copies, visible to the rest of the transaction only; COMMIT applies them
 *   all at once, unless another job changed a written table since BEGIN
 *   (then "Transaction is aborted due to concurrent update"); ROLLBACK, a
 *   failing statement, or the end of a script without COMMIT discard them
 *   (in a session the transaction stays open across jobs instead).
 * - inside a transaction only DML, SELECT, ASSERT and temp-table DDL run.
 * - the job's result is its last SELECT's.
 */
import { analyze, ALLOWED_IN_TRANSACTION, execute, prepare, statementError, STATEMENT_TYPE, type Statement } from './statements.js';
import type { Scope, Transaction } from './catalog.js';
import { billedBytes, estimate } from './estimate.js';
import { BigqueryError, errors } from './errors.js';
import { restField, type SchemaField } from './types.js';
import { tokenize } from './sqlText.js';
import { tablePath } from './store.js';
import type { TypeProto, ValueProto } from './values.js';
import { ZetaSqlError, type Zetasql } from './zetasql.js';
import { randomBytes } from 'node:crypto';

const PROCEDURAL = new Set([
  'DECLARE',
  'SET',
  'IF',
  'LOOP',
  'WHILE',
  'REPEAT',
  'FOR',
  'CALL',
  'EXECUTE',
  'RAISE',
  'RETURN',
  'BREAK',
  'CONTINUE',
  'LEAVE',
  'ITERATE',
  'CASE',
  'EXCEPTION',
]);

/** The statements of a job, as ZetaSQL's parser splits them (offsets in the job text, trailing `;` removed). */
export async function split(z: Zetasql, text: string): Promise<Statement[]> {
  const bytes = Buffer.from(text);
  const charAt = (byte: number) => bytes.subarray(0, byte).toString().length;
  const out: Statement[] = [];
  let pos = 0;
  while (tokenize(bytes.subarray(pos).toString()).length) {
    let next: { end: number; tables: string[][] };
    try {
      next = await z.nextStatement(text, pos);
    } catch (e) {
      const first = tokenize(bytes.subarray(pos).toString())[0]!;
      if (
        (first.kind === 'ident' && PROCEDURAL.has(first.value.toUpperCase())) ||
        (/^BEGIN$/i.test(first.value) && !/^\s*BEGIN\s+TRANSACTION/i.test(bytes.subarray(pos).toString().slice(first.start)))
      ) {
        throw errors.notEmulated(`procedural statements (${first.value.toUpperCase()} ...) are not emulated`);
      }
      if (e instanceof ZetaSqlError) {
        // The parser locates syntax errors in the whole job text already.
        throw new BigqueryError('invalidQuery', e.message.replace(/\s*\[at (\d+):(\d+)\]$/, ' at [$1:$2]'));
      }
      throw e;
    }
    let stmt = bytes.subarray(pos, next.end).toString();
    const tokens = tokenize(stmt);
    if (tokens.at(-1)?.text === ';') stmt = stmt.slice(0, tokens.at(-1)!.start);
    out.push({ text: stmt, start: charAt(pos), tables: next.tables });
    pos = next.end;
  }
  return out;
}

export type QueryResult = { columns: { name: string; type: TypeProto }[]; rows: ValueProto[][] };

export type Outcome = {
  statementType: string;
  /** The last SELECT's result (columns and rows), if any. */
  result?: QueryResult;
  inserted: number;
  updated: number;
  deleted: number;
  bytesProcessed: bigint;
  bytesBilled: bigint;
  statements: number;
};

export type RunControl = {
  maximumBytesBilled?: bigint;
  /** A test's bytes estimate for the whole job, instead of ours. */
  estimate?: bigint;
  cancelled(): boolean;
  /** The `concurrent-update` fault: the next COMMIT (or DML outside a transaction) is aborted. */
  concurrentUpdate: boolean;
};

function beginTransaction(scope: Scope): Transaction {
  const tx: Transaction = { id: randomBytes(8).toString('hex'), rows: new Map(), written: [], versions: new Map() };
  for (const t of scope.store.tables.values()) tx.versions.set(t, t.version);
  scope.tx = tx;
  if (scope.session) scope.session.tx = tx;
  return tx;
}
function endTransaction(scope: Scope) {
  scope.tx = undefined;
  if (scope.session) scope.session.tx = undefined;
}

const isTempDdl = (kind: string, body: Record<string, any>, scope: Scope) =>
  ((kind === 'resolvedCreateTableStmtNode' || kind === 'resolvedCreateTableAsSelectStmtNode') && body.parent?.parent?.createScope === 'CREATE_TEMP') ||
  (kind === 'resolvedDropStmtNode' && scope.temps.has((body.namePath as string[]).filter((s) => s.toUpperCase() !== '_SESSION').join('.')));

export async function run(z: Zetasql, statements: readonly Statement[], scope: Scope, control: RunControl): Promise<Outcome> {
  const out: Outcome = {
    statementType: statements.length > 1 ? 'SCRIPT' : 'SELECT',
    inserted: 0,
    updated: 0,
    deleted: 0,
    bytesProcessed: 0n,
    bytesBilled: 0n,
    statements: statements.length,
  };
  if (control.estimate !== undefined) {
    out.bytesProcessed = control.estimate;
    out.bytesBilled = control.estimate ? billedBytes([control.estimate]) : 0n;
    if (control.maximumBytesBilled !== undefined && out.bytesBilled > control.maximumBytesBilled)
      throw errors.bytesBilled(control.maximumBytesBilled, out.bytesBilled);
  }
  try {
    for (const stmt of statements) {
      if (control.cancelled()) throw errors.stopped();
      let prepared;
      try {
        prepared = prepare(stmt, scope);
      } catch (e) {
        throw statementError(e, stmt, scope);
      }
      const analyzed = await analyze(z, prepared, scope);
      const type = STATEMENT_TYPE[analyzed.kind] ?? analyzed.kind;
      if (statements.length === 1) out.statementType = type;
      if (scope.tx && !ALLOWED_IN_TRANSACTION.has(type) && !isTempDdl(analyzed.kind, analyzed.body, scope)) {
        const message =
          type === 'BEGIN_TRANSACTION'
            ? 'Nested transactions are not supported'
            : 'DDL statements are not supported in a transaction, except for those creating or droping temporary tables or temporary functions.';
        throw statementError(new BigqueryError('invalidQuery', message), stmt, scope);
      }
      if (!scope.tx && (type === 'COMMIT_TRANSACTION' || type === 'ROLLBACK_TRANSACTION')) {
        throw statementError(new BigqueryError('invalidQuery', `${type.replace('_', ' ')} is used outside of a transaction`), stmt, scope);
      }
      // Each statement is a child job: checked against the filter requirement and the byte limit on its own.
      let est;
      try {
        est = estimate(prepared, analyzed.ast, scope);
      } catch (e) {
        throw statementError(e, stmt, scope);
      }
      if (control.estimate === undefined) {
        const billed = billedBytes(est.perTable.values());
        if (control.maximumBytesBilled !== undefined && billed > control.maximumBytesBilled) throw errors.bytesBilled(control.maximumBytesBilled, billed);
        out.bytesProcessed += est.bytes;
        out.bytesBilled += billed;
      }
      if (control.concurrentUpdate && (type === 'COMMIT_TRANSACTION' || (!scope.tx && ['INSERT', 'UPDATE', 'DELETE'].includes(type)))) {
        const table = scope.tx?.written[0] ?? prepared.sources[0]?.table;
        const path = table ? tablePath(table) : 'unknown';
        throw scope.tx
          ? errors.concurrentUpdate(path, scope.tx.id)
          : new BigqueryError('invalidQuery', `Could not serialize access to table ${path.replace('.', ':')} due to concurrent update`);
      }
      const r = await execute(z, prepared, analyzed, scope);
      if (r.kind === 'query') out.result = { columns: r.columns, rows: r.rows };
      if (r.kind === 'dml') {
        out.inserted += r.inserted;
        out.updated += r.updated;
        out.deleted += r.deleted;
      }
      if (r.kind === 'control') {
        if (r.statementType === 'BEGIN_TRANSACTION') beginTransaction(scope);
        else if (r.statementType === 'ROLLBACK_TRANSACTION') endTransaction(scope);
        else {
          const tx = scope.tx!;
          for (const t of tx.written) if (t.version !== (tx.versions.get(t) ?? 0)) throw errors.concurrentUpdate(tablePath(t), tx.id);
          for (const t of tx.written) scope.store.commit(t, tx.rows.get(t)!);
          endTransaction(scope);
        }
      }
    }
    // A script that ends inside its transaction is rolled back; a session keeps it open for its next job.
    if (scope.tx && !scope.session) endTransaction(scope);
    return out;
  } catch (e) {
    if (scope.tx) endTransaction(scope);
    throw e;
  }
}

export type DryRun = { bytes: bigint; billed: bigint; statementType: string; schema?: SchemaField[]; tables: Set<string> };

/**
 * A dry run: every statement analyzed (temp tables a statement creates are
 * known to the ones after it), the filter requirement checked, bytes
 * estimated; nothing evaluated.
 */
export async function dryRun(z: Zetasql, statements: readonly Statement[], scope: Scope, override?: bigint): Promise<DryRun> {
  const local: Scope = { ...scope, temps: new Map(scope.temps), tx: undefined };
  const out: DryRun = { bytes: 0n, billed: 0n, statementType: statements.length > 1 ? 'SCRIPT' : 'SELECT', tables: new Set() };
  for (const stmt of statements) {
    let prepared;
    try {
      prepared = prepare(stmt, local);
    } catch (e) {
      throw statementError(e, stmt, local);
    }
    const { kind, body, ast } = await analyze(z, prepared, local);
    if (statements.length === 1) out.statementType = STATEMENT_TYPE[kind] ?? kind;
    try {
      const est = estimate(prepared, ast, local);
      out.bytes += est.bytes;
      out.billed += billedBytes(est.perTable.values());
    } catch (e) {
      throw statementError(e, stmt, local);
    }
    for (const s of prepared.sources) if (s.table && !s.table.temp) out.tables.add(tablePath(s.table));
    if (kind === 'resolvedQueryStmtNode' && statements.length === 1) {
      out.schema = ((body.outputColumnList ?? []) as { name: string; column: { type: TypeProto } }[]).map((c, i) =>
        restField(c.name || `f${i}_`, c.column.type),
      );
    }
    if ((kind === 'resolvedCreateTableStmtNode' || kind === 'resolvedCreateTableAsSelectStmtNode') && body.parent.parent.createScope === 'CREATE_TEMP') {
      const columns = (body.parent.columnDefinitionList ?? []) as { name: string; type: TypeProto }[];
      const name = (body.parent.parent.namePath as string[]).join('.');
      local.temps.set(
        name,
        scope.store.newTable(
          '_SCRIPT',
          '',
          name,
          columns.map((c) => restField(c.name, c.type)),
          true,
        ),
      );
    }
  }
  if (override !== undefined) {
    out.bytes = override;
    out.billed = override ? billedBytes([override]) : 0n;
  }
  return out;
}

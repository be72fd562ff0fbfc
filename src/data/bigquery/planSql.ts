/**
 * Each kind of plan in GoogleSQL: the `WITH` its facts and apply read, and the statements apply runs. Every
 * statement is set-based (a million events are one INSERT ... SELECT, computed by BigQuery) and every read of
 * the three tables is bounded on event_created_at by parameters.
 */
import type { EditProgram } from '../json/editProgram.js';
import { APPROVAL_COLUMN_SPECS, AUDIT_COLUMN_SPECS, EVENT_COLUMN_NAMES } from '../model.js';
import type { Definition } from '../plan.js';
import { valueColumns } from '../selection.js';
import { quoteIdent, quoteTable, TS, type BigqueryTables } from './names.js';
import * as p from './params.js';
import { editedCte, rowHash, selectedCte } from './selectionSql.js';
import { effectiveCte, inWindow, unresolvedOriginals } from './stageSql.js';

const RAW = EVENT_COLUMN_NAMES.join(', ');

/** "count:xor" of a set of row hashes: the fingerprint facts read and apply re-reads. */
export const FINGERPRINT = (hash: string) => `FORMAT('%d:%d', COUNT(*), IFNULL(BIT_XOR(${hash}), 0))`;

/** The transaction's time, from the audit row written first in it: every row of the plan carries the same. */
export const appliedAt = (t: BigqueryTables) => `(SELECT applied_at FROM ${quoteTable(t.audit)} WHERE plan_id = @plan_id)`;

/** `WITH effective, selected, edited`: an update's events and their edited documents (with the summary's columns for facts). */
export function updateWith(t: BigqueryTables, def: Definition, program: EditProgram, ps: p.Params, summary = false): string {
  return `WITH ${effectiveCte(t)},
${selectedCte(def.selection, ps)},
${editedCte(program, valueColumns(def.selection), ps, summary)}`;
}

/** The temporary table apply edits an update's events into, in its transaction. */
export const EDITED = 'evfix_edited';

export const updateEdited = (withSql: string, valueCount: number) =>
  `CREATE TEMP TABLE ${EDITED} AS\n${withSql}\nSELECT *, ${rowHash('edited', valueCount)} AS row_hash FROM edited`;

export const updateGuard = () => `SELECT ${FINGERPRINT('row_hash')} AS fingerprint, COUNTIF(problem IS NOT NULL) AS problems FROM ${EDITED}`;

export function updateInsert(t: BigqueryTables, withSql: string): string {
  return `INSERT INTO ${quoteTable(t.exceptions)}
  (${RAW}, exception_added_timestamp, exception_description, is_event_update)
${withSql}
SELECT event_created_at, event_id, event_name, user_id, event_external_reference_id, event_advisor_id,
  after, event_ingested_at, ${appliedAt(t)}, @description, TRUE
FROM edited
WHERE problem IS NULL AND NOT unchanged`;
}

/** Copies of a group in ingestion order: the order the duplicates screen numbers them in. */
// The copy the stage stands for comes first: the earliest ingested, a copy of unknown ingestion time last
// (BigQuery puts NULLs first in ascending order unless told).
export const COPY_ORDER = 'l.event_ingested_at NULLS LAST, l.event_created_at, TO_JSON_STRING(l.event_data)';

export function dedupeWith(t: BigqueryTables, def: Definition, ps: p.Params): string {
  const named = def.selection.ids ? `\n  WHERE event_id IN UNNEST(${ps.set(p.stringArray('ids', def.selection.ids))})` : '';
  const choices = def.keep?.choices ?? [];
  const latest = ps.set(p.bool('keep_latest', def.keep?.order === 'latest'));
  const chosen = choices.length
    ? ps.set(
        p.structArray(
          'choices',
          [
            ['event_id', 'STRING'],
            ['copy_index', 'INT64'],
          ],
          choices.map(([event_id, copy_index]) => ({ event_id, copy_index })),
        ),
      )
    : undefined;
  return `WITH live AS (
  SELECT e.* FROM ${unresolvedOriginals(t)}
), grouped AS (
  SELECT event_id, COUNT(*) AS copies FROM live${named}
  GROUP BY event_id HAVING COUNT(*) > 1
), copies AS (
  SELECT l.*, g.copies, ROW_NUMBER() OVER (PARTITION BY l.event_id ORDER BY ${COPY_ORDER}) - 1 AS copy_index
  FROM live AS l JOIN grouped AS g USING (event_id)
), chosen AS (
  SELECT c.*, c.copy_index = ${chosen ? `IFNULL(ch.copy_index, IF(${latest}, c.copies - 1, 0))` : `IF(${latest}, c.copies - 1, 0)`} AS kept,
    FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(${EVENT_COLUMN_NAMES.map((col) => (col === 'event_data' ? 'TO_JSON_STRING(c.event_data)' : `c.${col}`)).join(', ')}))) AS row_hash
  FROM copies AS c${chosen ? `\n  LEFT JOIN UNNEST(${chosen}) AS ch ON ch.event_id = c.event_id` : ''}
)`;
}

export function dedupeInserts(t: BigqueryTables, withSql: string) {
  return {
    exclusions: `INSERT INTO ${quoteTable(t.exclusions)}
  (event_created_at, event_id, event_name, exclusion_added_timestamp, exclusion_description)
${withSql}
SELECT DISTINCT event_created_at, event_id, event_name, ${appliedAt(t)}, @description
FROM chosen`,
    exceptions: `INSERT INTO ${quoteTable(t.exceptions)}
  (${RAW}, exception_added_timestamp, exception_description, is_event_update)
${withSql}
SELECT ${RAW}, ${appliedAt(t)}, @description, FALSE
FROM chosen WHERE kept`,
  };
}

/** Exclude: every original of the named event_ids in the window, whether already excluded, and exceptions of the ids. */
export function excludeWith(t: BigqueryTables, ps: p.Params, ids: readonly string[]): string {
  const named = ps.set(p.stringArray('ids', ids));
  return `WITH named AS (SELECT DISTINCT event_id FROM UNNEST(${named}) AS event_id),
originals AS (
  SELECT e.*, x.event_id IS NOT NULL AS excluded,
    FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(${EVENT_COLUMN_NAMES.map((c) => (c === 'event_data' ? 'TO_JSON_STRING(e.event_data)' : `e.${c}`)).join(', ')}, x.event_id IS NOT NULL))) AS row_hash
  FROM ${quoteTable(t.events)} AS e
  LEFT JOIN (SELECT DISTINCT event_id, event_created_at FROM ${quoteTable(t.exclusions)} AS x0 WHERE ${inWindow('x0')}) AS x
    ON x.event_id = e.event_id AND x.event_created_at = e.event_created_at
  WHERE e.event_id IN (SELECT event_id FROM named) AND ${inWindow('e')}
), corrected AS (
  SELECT DISTINCT event_id FROM ${quoteTable(t.exceptions)} AS c
  WHERE c.event_id IN (SELECT event_id FROM named) AND c.event_created_at >= @horizon
)`;
}

export const excludeCheck = (withSql: string) => `${withSql}
SELECT n.event_id,
  COUNT(o.event_id) AS originals,
  COUNTIF(o.event_name = @event_name) AS of_stage,
  COUNTIF(o.event_name = @event_name AND o.excluded) AS excluded,
  ANY_VALUE(IF(o.event_name <> @event_name, o.event_name, NULL)) AS other_name,
  LOGICAL_OR(c.event_id IS NOT NULL) AS corrected
FROM named AS n
LEFT JOIN originals AS o ON o.event_id = n.event_id
LEFT JOIN corrected AS c ON c.event_id = n.event_id
GROUP BY n.event_id
ORDER BY n.event_id`;

export function excludeInsert(t: BigqueryTables, withSql: string): string {
  return `INSERT INTO ${quoteTable(t.exclusions)}
  (event_created_at, event_id, event_name, exclusion_added_timestamp, exclusion_description)
${withSql}
SELECT DISTINCT event_created_at, event_id, event_name, ${appliedAt(t)}, @description
FROM originals WHERE event_name = @event_name AND NOT excluded`;
}

const INSERT_FIELDS = [
  ['event_created_at', 'TIMESTAMP'],
  ['event_id', 'STRING'],
  ['user_id', 'STRING'],
  ['event_external_reference_id', 'STRING'],
  ['event_advisor_id', 'STRING'],
  ['event_data', 'STRING'],
  ['event_ingested_at', 'TIMESTAMP'],
] as const;

export const insertRowsParam = (def: Definition) => p.structArray('rows', INSERT_FIELDS, def.rows ?? []);

/** Insert: the rows of the originals and exceptions that already hold one of the inserted event_ids (there must be none). */
export function insertExisting(t: BigqueryTables, rows: string): string {
  const hits = (table: string, a: string) => `SELECT ${a}.event_id, ${TS(`${a}.event_created_at`)} AS created,
    FARM_FINGERPRINT(CONCAT(${a}.event_id, '|', ${TS(`${a}.event_created_at`)})) AS row_hash
  FROM ${quoteTable(table)} AS ${a} WHERE ${a}.event_id IN (SELECT r.event_id FROM UNNEST(${rows}) AS r) AND ${a}.event_created_at >= @horizon`;
  return `WITH existing AS (
  ${hits(t.events, 'e')}
  UNION ALL
  ${hits(t.exceptions, 'c')}
)`;
}

export function insertRows(t: BigqueryTables, rows: string): string {
  return `INSERT INTO ${quoteTable(t.exceptions)}
  (${RAW}, exception_added_timestamp, exception_description, is_event_update)
SELECT r.event_created_at, r.event_id, @event_name, r.user_id, r.event_external_reference_id, r.event_advisor_id,
  PARSE_JSON(r.event_data), r.event_ingested_at, ${appliedAt(t)}, @description, FALSE
FROM UNNEST(${rows}) AS r`;
}

/** Revert: the rows an applied plan wrote, found by the time and description they were written with. */
const written = (a: string, added: string, described: string) =>
  `${a}.${added} = @written_at AND ${a}.${described} = @written_description AND ${a}.event_name = @event_name AND ${inWindow(a)}`;

export function revertTouched(t: BigqueryTables): string {
  return `WITH touched AS (
  SELECT 'exception' AS tbl, c.event_created_at, c.event_id,
    FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(c.event_created_at, c.event_id, TO_JSON_STRING(c.event_data), c.event_ingested_at, c.is_event_update))) AS row_hash
  FROM ${quoteTable(t.exceptions)} AS c WHERE ${written('c', 'exception_added_timestamp', 'exception_description')}
  UNION ALL
  SELECT 'exclusion', x.event_created_at, x.event_id, FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(x.event_created_at, x.event_id))) AS row_hash
  FROM ${quoteTable(t.exclusions)} AS x WHERE ${written('x', 'exclusion_added_timestamp', 'exclusion_description')}
)`;
}

/** The first exception rows a revert deletes, with their documents: the plan's sample. */
export const revertSample = (
  t: BigqueryTables,
  limit: string,
) => `SELECT c.event_id, ${TS('c.event_created_at')} AS created, TO_JSON_STRING(c.event_data) AS doc
FROM ${quoteTable(t.exceptions)} AS c
WHERE ${written('c', 'exception_added_timestamp', 'exception_description')}
ORDER BY c.event_created_at, c.event_id
LIMIT ${limit}`;

/** The revert that already deleted a plan's rows, if any. */
export const revertedBy = (t: BigqueryTables) => `SELECT plan_id FROM ${quoteTable(t.audit)} WHERE revert_of = @reverted_plan LIMIT 1`;

export function revertDeletes(t: BigqueryTables) {
  return {
    exceptions: `DELETE FROM ${quoteTable(t.exceptions)} AS c\nWHERE ${written('c', 'exception_added_timestamp', 'exception_description')}`,
    exclusions: `DELETE FROM ${quoteTable(t.exclusions)} AS x\nWHERE ${written('x', 'exclusion_added_timestamp', 'exclusion_description')}`,
  };
}

/** The audit row, first in the transaction: its applied_at (the server's clock) is the time of every row. */
export function auditInsert(t: BigqueryTables): string {
  const names = AUDIT_COLUMN_SPECS.map((c) => c.name);
  return `INSERT INTO ${quoteTable(t.audit)} (${names.map(quoteIdent).join(', ')})
VALUES (${AUDIT_COLUMN_SPECS.map((c) => (c.name === 'applied_at' ? 'CURRENT_TIMESTAMP()' : `@audit_${c.name}`)).join(', ')})`;
}

/** Guards as queries (BigQuery documents SELECT, DML and temporary DDL inside a transaction, not ASSERT). */
export const alreadyAppliedGuard = (t: BigqueryTables) =>
  `SELECT IF(EXISTS(SELECT 1 FROM ${quoteTable(t.audit)} WHERE plan_id = @plan_id), ERROR('evfix-already-applied'), 0)`;

export const fingerprintGuard = (guard: string) => `SELECT IF(fingerprint = @fingerprint, 0, ERROR(CONCAT('evfix-stale ', fingerprint))) FROM (\n${guard}\n)`;

export const problemGuard = (guard: string) => `SELECT IF(problems = 0, 0, ERROR(CONCAT('evfix-problems ', CAST(problems AS STRING)))) FROM (\n${guard}\n)`;

export const revertedGuard = (t: BigqueryTables) =>
  `SELECT IF(EXISTS(SELECT 1 FROM ${quoteTable(t.audit)} WHERE revert_of = @reverted_plan), ERROR('evfix-already-reverted'), 0)`;

/**
 * Approval required: the approval the audit row names (@audit_approved_by at @audit_approved_at) is in the
 * approvals table, for this plan id and fingerprint, by someone other than the plan's author and the operator
 * applying it; read in the apply's transaction.
 */
export const approvalGuard = (t: BigqueryTables) =>
  `SELECT IF(EXISTS(SELECT 1 FROM ${quoteTable(t.approvals)} WHERE plan_id = @plan_id AND fingerprint = @fingerprint
    AND approved_by = @audit_approved_by AND approved_at = @audit_approved_at
    AND approved_by <> @plan_author AND approved_by <> @audit_operator), 0, ERROR('evfix-not-approved'))`;

/** approve: this operator has not approved this plan id and fingerprint already. */
export const approvedTwiceGuard = (t: BigqueryTables) =>
  `SELECT IF(EXISTS(SELECT 1 FROM ${quoteTable(t.approvals)} WHERE plan_id = @plan_id AND fingerprint = @fingerprint AND approved_by = @approver), ERROR('evfix-approved-twice'), 0)`;

/** The approval row; its approved_at is the server's clock. */
export const approvalInsert = (
  t: BigqueryTables,
) => `INSERT INTO ${quoteTable(t.approvals)} (${APPROVAL_COLUMN_SPECS.map((c) => quoteIdent(c.name)).join(', ')})
VALUES (@plan_id, @fingerprint, @approver, CURRENT_TIMESTAMP(), @approver_host, @plan_author, @plan_kind, @plan_stage, @description, @approval_note)`;

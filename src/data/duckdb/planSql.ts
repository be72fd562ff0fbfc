/**
 * The statements of each kind of plan in DuckDB's SQL: what `facts` reads when a plan is made, and what apply
 * runs. Every statement is set-based: a million selected events are one INSERT ... SELECT, and their rows never
 * leave DuckDB. Each plan kind has a `touched` query (the rows the plan depends on, with their fingerprint
 * hashes) that both the facts and apply's re-check read, so the two cannot disagree about what was checked.
 */
import type { StageConfig } from '../config.js';
import type { EditProgram } from '../json/editProgram.js';
import { EVENT_COLUMN_NAMES } from '../model.js';
import type { Definition } from '../plan.js';
import { valueColumns } from '../selection.js';
import { quoteTable, type TableNames } from './names.js';
import { editedCte, IDS_TABLE, rowHash, selectedCte, standingCopiesSql, type Params } from './selectionSql.js';
import { unresolvedOriginals } from './stageSql.js';

const RAW = EVENT_COLUMN_NAMES.join(', ');

/** The window and the stage's event, bound once per statement. */
export function windowParams(p: Params, stage: StageConfig, window: { from: string; until: string }, horizon: string) {
  p.set('event_name', stage.event_name);
  p.set('from', window.from);
  p.set('until', window.until);
  p.set('horizon', horizon);
}

/**
 * The statements that choose an update's events into SELECTED_TABLE (see standingCopiesSql), each with whether
 * the edits change it (problem, unchanged) and, for a plan's `facts`, the values before and after at each path.
 */
export function updateSelectSql(t: TableNames, def: Definition, program: EditProgram, p: Params, facts = false) {
  return standingCopiesSql(t, def.selection, p, { program, facts });
}

/** The events of SELECTED_TABLE the edits change, read whole and edited: `edited`. */
export function updateEditedSql(t: TableNames, def: Definition, program: EditProgram, p: Params): { with: string; native: boolean } {
  const columns = valueColumns(def.selection);
  const edited = editedCte(program, columns, p);
  return {
    native: edited.native,
    with: `WITH ${selectedCte(t, def.selection, undefined, true)},
${edited.sql}`,
  };
}

/** The rows an update writes: the edited events the edits change (and, when skipping, apply to). */
export function updateInsertSql(t: TableNames, withSql: string, p: Params): string {
  return `INSERT INTO ${quoteTable(t.exceptions)}
  (${RAW}, exception_added_timestamp, exception_description, is_event_update)
${withSql}
SELECT event_created_at, event_id, event_name, user_id, event_external_reference_id, event_advisor_id,
  after::JSON, event_ingested_at, ${p.set('applied_at', '')}::TIMESTAMP, ${p.set('description', '')}, true
FROM edited`;
}

/**
 * Dedupe: the unresolved duplicate groups of the window (all, or those named), each copy with its place in
 * ingestion order and whether it is the one kept: the operator's choice for its group, else the earliest or
 * the latest ingested.
 *
 * Groups are counted on keys alone, and whole rows are read only for the copies of those groups: a CTE of
 * every live row with its event_data (millions of rows in a month) would be materialised for its two uses and
 * spill, which made a dedupe several times slower than the two statements an operator writes by hand.
 */
export function dedupeWith(t: TableNames, def: Definition, p: Params, choicesTable: string | undefined): string {
  const named = def.selection.ids ? ` AND e.event_id IN (SELECT event_id FROM ${IDS_TABLE})` : '';
  const latest = p.set('keep_latest', def.keep?.order === 'latest');
  return `WITH grouped AS (
  SELECT e.event_id, count(*) AS copies FROM ${unresolvedOriginals(t)}${named}
  GROUP BY e.event_id HAVING count(*) > 1
), copies AS (
  SELECT l.*,
    row_number() OVER (PARTITION BY l.event_id ORDER BY ${COPY_ORDER}) - 1 AS copy_index
  FROM (SELECT e.*, g.copies FROM ${unresolvedOriginals(t).replace(/ AS e\n/, ' AS e JOIN grouped AS g ON g.event_id = e.event_id\n')}) AS l
), chosen AS (
  SELECT c.*, c.copy_index = coalesce(${choicesTable ? 'ch.copy_index' : 'NULL'}, CASE WHEN ${latest} THEN c.copies - 1 ELSE 0 END) AS kept,
    ${rowHash('c', 0).replace(', c.is_exception', ', false')} AS row_hash
  FROM copies AS c${choicesTable ? `\n  LEFT JOIN ${choicesTable} AS ch ON ch.event_id = c.event_id` : ''}
)`;
}

/** The copies a dedupe writes for, chosen once in apply's transaction. */
export const CHOSEN_TABLE = 'evfix_chosen';

/** Copies of a group in ingestion order; the same order the duplicates screen shows them in. */
// The copy the stage stands for comes first: the earliest ingested, a copy of unknown ingestion time last.
export const COPY_ORDER = 'l.event_ingested_at NULLS LAST, l.event_created_at, CAST(l.event_data AS VARCHAR)';

export function dedupeInsertSql(t: TableNames, withSql: string, p: Params) {
  return {
    exclusions: `INSERT INTO ${quoteTable(t.exclusions)}
  (event_created_at, event_id, event_name, exclusion_added_timestamp, exclusion_description)
${withSql}
SELECT DISTINCT event_created_at, event_id, event_name, ${p.set('applied_at', '')}::TIMESTAMP, ${p.set('description', '')}
FROM chosen`,
    exceptions: `INSERT INTO ${quoteTable(t.exceptions)}
  (${RAW}, exception_added_timestamp, exception_description, is_event_update)
${withSql}
SELECT ${RAW}, ${p.set('applied_at', '')}::TIMESTAMP, ${p.set('description', '')}, false
FROM chosen WHERE kept`,
  };
}

/**
 * Exclude: every original of the named event_ids in the window, with whether it is already excluded and
 * whether its event_id has exception rows (which exclusions would not take out of the stage table).
 */
export function excludeWith(t: TableNames): string {
  return `WITH named AS (SELECT DISTINCT event_id FROM ${IDS_TABLE}),
originals AS (
  SELECT e.*, x.event_id IS NOT NULL AS excluded,
    hash(${EVENT_COLUMN_NAMES.map((c) => (c === 'event_data' ? 'CAST(e.event_data AS VARCHAR)' : `e.${c}`)).join(', ')}, x.event_id IS NOT NULL) AS row_hash
  FROM ${quoteTable(t.events)} AS e
  JOIN named USING (event_id)
  LEFT JOIN (SELECT DISTINCT event_id, event_created_at FROM ${quoteTable(t.exclusions)}
             WHERE event_created_at >= $from AND event_created_at < $until) AS x
    ON x.event_id = e.event_id AND x.event_created_at = e.event_created_at
  WHERE e.event_created_at >= $from AND e.event_created_at < $until
), corrected AS (
  SELECT DISTINCT event_id FROM ${quoteTable(t.exceptions)}
  WHERE event_id IN (SELECT event_id FROM named) AND event_created_at >= $horizon
)`;
}

/** Per named id: how many originals, of this stage's event, already excluded, and whether it has exceptions. */
export function excludeCheckSql(t: TableNames): string {
  return `${excludeWith(t)}
SELECT n.event_id,
  count(o.event_id)::BIGINT AS originals,
  count(o.event_id) FILTER (WHERE o.event_name = $event_name)::BIGINT AS of_stage,
  count(o.event_id) FILTER (WHERE o.event_name = $event_name AND o.excluded)::BIGINT AS excluded,
  any_value(o.event_name) FILTER (WHERE o.event_name <> $event_name) AS other_name,
  bool_or(c.event_id IS NOT NULL) AS corrected
FROM named AS n
LEFT JOIN originals AS o ON o.event_id = n.event_id
LEFT JOIN corrected AS c ON c.event_id = n.event_id
GROUP BY n.event_id
ORDER BY n.event_id`;
}

export function excludeInsertSql(t: TableNames, p: Params): string {
  return `INSERT INTO ${quoteTable(t.exclusions)}
  (event_created_at, event_id, event_name, exclusion_added_timestamp, exclusion_description)
${excludeWith(t)}
SELECT DISTINCT event_created_at, event_id, event_name, ${p.set('applied_at', '')}::TIMESTAMP, ${p.set('description', '')}
FROM originals WHERE event_name = $event_name AND NOT excluded`;
}

export const INSERT_TABLE = 'evfix_insert';

/** Insert: the rows of the three tables that already hold one of the inserted event_ids (there must be none). */
export function insertExistingSql(t: TableNames): string {
  const hits = (table: string, a: string) => `SELECT ${a}.event_id, strftime(${a}.event_created_at, '%Y-%m-%d %H:%M:%S.%f') AS created,
    hash(${a}.event_id, ${a}.event_created_at, ${a}.event_name) AS row_hash
  FROM ${quoteTable(table)} AS ${a} WHERE ${a}.event_id IN (SELECT event_id FROM ${INSERT_TABLE}) AND ${a}.event_created_at >= $horizon`;
  return `WITH existing AS (
  ${hits(t.events, 'e')}
  UNION ALL
  ${hits(t.exceptions, 'c')}
)`;
}

export function insertRowsSql(t: TableNames, p: Params): string {
  return `INSERT INTO ${quoteTable(t.exceptions)}
  (${RAW}, exception_added_timestamp, exception_description, is_event_update)
SELECT event_created_at, event_id, $event_name, user_id, event_external_reference_id, event_advisor_id,
  event_data::JSON, event_ingested_at, ${p.set('applied_at', '')}::TIMESTAMP, ${p.set('description', '')}, false
FROM ${INSERT_TABLE}`;
}

/** Revert: the rows an applied plan wrote, found by the time and description they were written with. */
export function revertedRowsWhere(a: string): string {
  return `${a}.event_name = $event_name AND ${a}.event_created_at >= $from AND ${a}.event_created_at < $until`;
}

export function revertTouchedSql(t: TableNames): string {
  return `WITH touched AS (
  SELECT 'exception' AS tbl, event_created_at, event_id,
    hash(event_created_at, event_id, CAST(event_data AS VARCHAR), event_ingested_at, is_event_update) AS row_hash
  FROM ${quoteTable(t.exceptions)} AS c
  WHERE c.exception_added_timestamp = $written_at::TIMESTAMP AND c.exception_description = $written_description AND ${revertedRowsWhere('c')}
  UNION ALL
  SELECT 'exclusion', event_created_at, event_id, hash(event_created_at, event_id) AS row_hash
  FROM ${quoteTable(t.exclusions)} AS x
  WHERE x.exclusion_added_timestamp = $written_at::TIMESTAMP AND x.exclusion_description = $written_description AND ${revertedRowsWhere('x')}
)`;
}

export function revertDeleteSql(t: TableNames) {
  return {
    exceptions: `DELETE FROM ${quoteTable(t.exceptions)} AS c
WHERE c.exception_added_timestamp = $written_at::TIMESTAMP AND c.exception_description = $written_description AND ${revertedRowsWhere('c')}`,
    exclusions: `DELETE FROM ${quoteTable(t.exclusions)} AS x
WHERE x.exclusion_added_timestamp = $written_at::TIMESTAMP AND x.exclusion_description = $written_description AND ${revertedRowsWhere('x')}`,
  };
}

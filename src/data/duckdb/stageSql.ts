/**
 * The create_stage_table rules in DuckDB's dialect, and the stage rebuild built on them.
 *
 * For event $event_name created in [$from, $until), the stage table holds:
 *  1. the originals, minus those whose (event_id, event_created_at) is excluded,
 *  2. minus originals whose event_id has an exception row of the same event name,
 *  3. plus, per event_id, the latest exception row of the event name (by exception_added_timestamp, then
 *     event_ingested_at), decided over every exception since $horizon, and kept only if it falls in the window.
 * The BigQuery engine renders the same rules (bigquery/stageSql.ts); `test/data/stageRules.test.ts` holds both
 * to an independent model of them.
 */
import type { StageConfig } from '../config.js';
import { EVENT_COLUMN_NAMES } from '../model.js';
import { quoteIdent, quoteTable, type TableNames } from './names.js';

const RAW = EVENT_COLUMN_NAMES.join(', ');
const cols = (alias: string) => EVENT_COLUMN_NAMES.map((c) => `${alias}.${c}`).join(', ');

/** The stage table's relation: stage_schema.name, or the relation the dbt manifest names (config). */
export const stageTable = (t: TableNames, stage: StageConfig) =>
  stage.relation ? `${stage.relation.dataset}.${stage.relation.table}` : `${t.stageSchema}.${stage.name}`;

/** Originals (as `e`) of $event_name created in [$from, $until) that no exclusion and no exception resolves (rules 1 and 2). */
export function unresolvedOriginals(t: TableNames): string {
  return `${quoteTable(t.events)} AS e
  ANTI JOIN ${quoteTable(t.exclusions)} AS x ON x.event_id = e.event_id AND x.event_created_at = e.event_created_at
  ANTI JOIN (SELECT DISTINCT event_id FROM ${quoteTable(t.exceptions)}
             WHERE event_name = $event_name AND event_created_at >= $horizon) AS c ON c.event_id = e.event_id
  WHERE e.event_name = $event_name AND e.event_created_at >= $from AND e.event_created_at < $until`;
}

/**
 * The rules as a CTE named `effective`: the event's columns and is_exception. Anti joins rather than NOT EXISTS:
 * DuckDB decorrelates NOT EXISTS by first gathering every candidate row with all its columns.
 *
 * With `rowids`, also `rid`: the row's id in its own table (originals or exceptions, told by is_exception), which
 * a later statement of the same transaction joins on to read that very row again.
 */
export function effectiveCte(t: TableNames, options: { rowids?: boolean } = {}): string {
  const rid = (a: string) => (options.rowids ? `, ${a}.rowid AS rid` : '');
  return `effective AS (
  SELECT ${cols('e')}, false AS is_exception${rid('e')}
  FROM ${unresolvedOriginals(t)}
  UNION ALL
  SELECT ${RAW}, true AS is_exception${options.rowids ? ', rid' : ''}
  FROM (SELECT ${cols('c')}${rid('c')} FROM ${quoteTable(t.exceptions)} AS c
        WHERE c.event_name = $event_name AND c.event_created_at >= $horizon
        QUALIFY row_number() OVER (PARTITION BY c.event_id
                  ORDER BY c.exception_added_timestamp DESC, c.event_ingested_at DESC) = 1) AS latest
  WHERE event_created_at >= $from AND event_created_at < $until
)`;
}

/** The schema a stage table lives in (a manifest's relation may name one of its own). */
export const createStageSchemaSql = (t: TableNames, stage: StageConfig) => `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(stageTable(t, stage).split('.')[0]!)}`;

export function createStageSql(t: TableNames, stage: StageConfig): string {
  const flat = stage.columns.map((c) => `, ${quoteIdent(c.name)} VARCHAR`).join('');
  return `CREATE TABLE IF NOT EXISTS ${quoteTable(stageTable(t, stage))} (
  event_created_at TIMESTAMP NOT NULL, event_id VARCHAR NOT NULL, event_name VARCHAR NOT NULL,
  user_id VARCHAR, event_external_reference_id VARCHAR, event_advisor_id VARCHAR,
  event_data JSON, event_ingested_at TIMESTAMP, is_exception BOOLEAN NOT NULL${flat})`;
}

/**
 * A stage column's value, as BigQuery's JSON_VALUE gives it: the scalar at the path as text; NULL for an
 * object, an array, a JSON null or a missing path.
 */
const flatValue = (i: number) =>
  `CASE WHEN json_type(event_data, $path_${i}) IN ('OBJECT', 'ARRAY', 'NULL') THEN NULL ELSE json_extract_string(event_data, $path_${i}) END`;

/** Incremental rerun: the window's rows are deleted and recomputed (run inside one transaction). */
export function rerunStageSql(t: TableNames, stage: StageConfig): { remove: string; insert: string } {
  const target = quoteTable(stageTable(t, stage));
  const flatNames = stage.columns.map((c) => `, ${quoteIdent(c.name)}`).join('');
  const flatValues = stage.columns.map((_, i) => `, ${flatValue(i)}`).join('');
  return {
    remove: `DELETE FROM ${target} WHERE event_created_at >= $from`,
    insert: `INSERT INTO ${target} (${RAW}, is_exception${flatNames})
WITH ${effectiveCte(t)}
SELECT ${RAW}, is_exception${flatValues}
FROM effective`,
  };
}

/** What a rerun would do, counted without writing: the window's rows now, and the rows it would write. */
export function rerunPreviewSql(t: TableNames, stage: StageConfig): { removes: string; writes: string } {
  return {
    removes: `SELECT count(*)::BIGINT AS n FROM ${quoteTable(stageTable(t, stage))} WHERE event_created_at >= $from`,
    writes: `WITH ${effectiveCte(t)}
SELECT count(*)::BIGINT AS n FROM effective`,
  };
}

/**
 * The SQL the embedded engine runs. Identifiers come from the validated config
 * and are quoted; every value is a named parameter ($name). These strings are
 * also what operators read on the confirm screen, so they stay short and tidy.
 */
import type { StageConfig } from '../config.js';

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
export const quoteTable = (dotted: string) => dotted.split('.').map(quoteIdent).join('.');

export type TableNames = { events: string; exceptions: string; exclusions: string; stageSchema: string };

const TS = (col: string) => `strftime(${col}, '%Y-%m-%d %H:%M:%S.%f')`;

/**
 * A row read back as one JSON array in a single VARCHAR column, `packed`:
 * the event's columns as canonical text (microsecond timestamps, event_data
 * as its exact text), then `extra` expressions. One string per row instead of
 * eight is what makes reading 100,000 rows take a fraction of a second: the
 * driver's cost is per value decoded, and JSON.parse is native.
 */
export const packedEvent = (alias: string, extra: string[] = []) =>
  `json_array(${[
    TS(`${alias}.event_created_at`),
    `${alias}.event_id`,
    `${alias}.event_name`,
    `${alias}.user_id`,
    `${alias}.event_external_reference_id`,
    `${alias}.event_advisor_id`,
    `CAST(${alias}.event_data AS VARCHAR)`,
    TS(`${alias}.event_ingested_at`),
    ...extra,
  ].join(', ')})::VARCHAR AS packed`;

/** An exclusions row packed the same way: created_at, event_id, event_name, description, added_at. */
const packedExclusion = (a: string) =>
  `json_array(${TS(`${a}.event_created_at`)}, ${a}.event_id, ${a}.event_name, ${a}.exclusion_description, ${TS(`${a}.exclusion_added_timestamp`)})::VARCHAR AS packed`;
const packedException = (a: string) => packedEvent(a, [`${a}.exception_description`, `${a}.is_event_update`, TS(`${a}.exception_added_timestamp`)]);

const RAW_COLUMNS =
  'event_created_at, event_id, event_name, user_id, event_external_reference_id, event_advisor_id, event_data, event_ingested_at';

export function createTablesSql(t: TableNames): string[] {
  const schemas = new Set([t.events, t.exceptions, t.exclusions].map((n) => n.split('.')[0]!));
  schemas.add(t.stageSchema);
  const eventCols = `event_created_at TIMESTAMP NOT NULL, event_id VARCHAR NOT NULL, event_name VARCHAR NOT NULL,
  user_id VARCHAR, event_external_reference_id VARCHAR, event_advisor_id VARCHAR,
  event_data JSON, event_ingested_at TIMESTAMP`;
  return [
    ...[...schemas].map((s) => `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(s)}`),
    `CREATE TABLE IF NOT EXISTS ${quoteTable(t.events)} (${eventCols})`,
    `CREATE TABLE IF NOT EXISTS ${quoteTable(t.exceptions)} (${eventCols},
  exception_added_timestamp TIMESTAMP NOT NULL, exception_description VARCHAR NOT NULL, is_event_update BOOLEAN NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${quoteTable(t.exclusions)} (event_created_at TIMESTAMP NOT NULL, event_id VARCHAR NOT NULL,
  event_name VARCHAR, exclusion_added_timestamp TIMESTAMP NOT NULL, exclusion_description VARCHAR NOT NULL)`,
  ];
}

export function createStageSql(t: TableNames, stage: StageConfig): string {
  const flat = stage.columns.map((c) => `, ${quoteIdent(c.name)} VARCHAR`).join('');
  return `CREATE TABLE IF NOT EXISTS ${quoteTable(`${t.stageSchema}.${stage.name}`)} (
  event_created_at TIMESTAMP NOT NULL, event_id VARCHAR NOT NULL, event_name VARCHAR NOT NULL,
  user_id VARCHAR, event_external_reference_id VARCHAR, event_advisor_id VARCHAR,
  event_data JSON, event_ingested_at TIMESTAMP, is_exception BOOLEAN NOT NULL${flat})`;
}

/**
 * The create_stage_table semantics as a CTE named `effective`: for event
 * $event_name created in [$since, $until):
 *  1. originals, minus those whose (event_id, event_created_at) is excluded,
 *  2. minus originals whose event_id has any exception row,
 *  3. plus the latest exception row (by exception_added_timestamp) of each event_id.
 * (Anti joins for 1 and 2: see unresolvedOriginals.)
 */
export function effectiveCte(t: TableNames): string {
  const ev = quoteTable(t.events), exc = quoteTable(t.exceptions), excl = quoteTable(t.exclusions);
  return `effective AS (
  SELECT ${RAW_COLUMNS}, false AS is_exception
  FROM ${ev} AS e
  ANTI JOIN ${excl} AS x ON x.event_id = e.event_id AND x.event_created_at = e.event_created_at
  ANTI JOIN ${exc} AS c ON c.event_id = e.event_id
  WHERE e.event_name = $event_name AND e.event_created_at >= $since AND e.event_created_at < $until
  UNION ALL
  SELECT ${RAW_COLUMNS}, true AS is_exception
  FROM ${exc} AS c
  WHERE c.event_name = $event_name AND c.event_created_at >= $since AND c.event_created_at < $until
  QUALIFY row_number() OVER (PARTITION BY c.event_id
            ORDER BY c.exception_added_timestamp DESC, c.event_ingested_at DESC) = 1
)`;
}

/** Incremental rerun: the window's rows are deleted and recomputed (run inside one transaction). */
export function rerunStageSql(t: TableNames, stage: StageConfig): { remove: string; insert: string } {
  const target = quoteTable(`${t.stageSchema}.${stage.name}`);
  const flatNames = stage.columns.map((c) => `, ${quoteIdent(c.name)}`).join('');
  const flatValues = stage.columns.map((c, i) => `, json_extract_string(event_data, $path_${i})`).join('');
  return {
    remove: `DELETE FROM ${target} WHERE event_created_at >= $since`,
    insert: `INSERT INTO ${target} (${RAW_COLUMNS}, is_exception${flatNames})
WITH ${effectiveCte(t)}
SELECT ${RAW_COLUMNS}, is_exception${flatValues}
FROM effective`,
  };
}

/** What a rerun would do, counted without writing: the window's rows now, and the rows it would write. */
export function rerunPreviewSql(t: TableNames, stage: StageConfig): { removes: string; writes: string } {
  return {
    removes: `SELECT count(*)::BIGINT AS n FROM ${quoteTable(`${t.stageSchema}.${stage.name}`)} WHERE event_created_at >= $since`,
    writes: `WITH ${effectiveCte(t)}
SELECT count(*)::BIGINT AS n FROM effective`,
  };
}

/**
 * Original copies (as `e`) of $event_name since $since that no exclusion or
 * exception resolves. Anti joins rather than NOT EXISTS: DuckDB decorrelates
 * NOT EXISTS by first gathering every candidate row with all its columns
 * (event_data included), 160 MB for 200,000 copies where these take 70 MB.
 */
function unresolvedOriginals(t: TableNames): string {
  const ev = quoteTable(t.events), exc = quoteTable(t.exceptions), excl = quoteTable(t.exclusions);
  return `${ev} AS e
  ANTI JOIN ${excl} AS x ON x.event_id = e.event_id AND x.event_created_at = e.event_created_at
  ANTI JOIN ${exc} AS c ON c.event_id = e.event_id
  WHERE e.event_name = $event_name AND e.event_created_at >= $since`;
}

/** The original copies of the window that no exclusion or exception resolves, and the event_ids seen more than once. */
function liveCopies(t: TableNames): string {
  return `live AS (
  SELECT * FROM ${unresolvedOriginals(t)}
), dup AS (SELECT event_id FROM live GROUP BY event_id HAVING count(*) > 1)`;
}

/** Original copies of event_ids seen more than once in the window and not yet resolved. */
export function eventIdDuplicatesSql(t: TableNames): string {
  return `WITH ${liveCopies(t)}
SELECT ${packedEvent('live')}
FROM live JOIN dup USING (event_id)
ORDER BY live.event_id, live.event_ingested_at, live.event_created_at`;
}

/**
 * One row per unresolved duplicate group: what the list of groups shows,
 * without the copies (100,000 groups load as 100,000 short rows). Copies are
 * identical when every compared column and the event_data text agree.
 */
export function duplicateGroupsSql(t: TableNames): string {
  return `WITH ${slimLiveCopies(t)}
SELECT json_array(event_id, count(*), ${TS('min(event_ingested_at)')}, ${TS('max(event_ingested_at)')},
                  min(content) = max(content))::VARCHAR AS packed
FROM live
GROUP BY event_id
HAVING count(*) > 1
ORDER BY min(event_ingested_at), event_id`;
}

/**
 * The same copies as liveCopies, narrowed to what counting and listing groups
 * need: a hash stands in for each copy's content, so no event_data is held
 * while 100,000 groups are grouped.
 */
function slimLiveCopies(t: TableNames): string {
  return `live AS (
  SELECT e.event_id, e.event_ingested_at,
         hash(e.event_created_at, e.event_name, e.user_id, e.event_external_reference_id, e.event_advisor_id, CAST(e.event_data AS VARCHAR)) AS content
  FROM ${unresolvedOriginals(t)}
)`;
}

/** The copies of the groups whose event_id is in evfix_ids. */
export function duplicateCopiesOfSql(t: TableNames): string {
  return `WITH ${liveCopies(t)}
SELECT ${packedEvent('live')}
FROM live JOIN dup USING (event_id)
WHERE live.event_id IN (SELECT event_id FROM evfix_ids)
ORDER BY live.event_id, live.event_ingested_at, live.event_created_at`;
}

export function duplicateGroupCountSql(t: TableNames): string {
  return `WITH ${slimLiveCopies(t)}
SELECT count(*)::BIGINT AS n FROM (SELECT event_id FROM live GROUP BY event_id HAVING count(*) > 1)`;
}

/** How many rows the stage table shows for the window: the effective CTE's count, without carrying its columns. */
export function stageSummarySql(t: TableNames): string {
  const ev = quoteTable(t.events), exc = quoteTable(t.exceptions), excl = quoteTable(t.exclusions);
  return `SELECT (SELECT count(*) FROM ${ev} AS e
        WHERE e.event_name = $event_name AND e.event_created_at >= $since AND e.event_created_at < $until
          AND NOT EXISTS (SELECT 1 FROM ${excl} AS x
                          WHERE x.event_id = e.event_id AND x.event_created_at = e.event_created_at)
          AND NOT EXISTS (SELECT 1 FROM ${exc} AS c WHERE c.event_id = e.event_id))
     + (SELECT count(DISTINCT c.event_id) FROM ${exc} AS c
        WHERE c.event_name = $event_name AND c.event_created_at >= $since AND c.event_created_at < $until) AS events`;
}

/** Effective events whose value at $path is shared by more than one event_id. */
export function businessKeyDuplicatesSql(t: TableNames): string {
  return `WITH ${effectiveCte(t)},
keyed AS (
  SELECT *, json_extract_string(event_data, $path) AS business_key
  FROM effective WHERE json_extract_string(event_data, $path) IS NOT NULL
), shared AS (
  SELECT business_key FROM keyed GROUP BY business_key HAVING count(DISTINCT event_id) > 1
)
SELECT ${packedEvent('keyed', ['keyed.is_exception', 'keyed.business_key'])}
FROM keyed JOIN shared USING (business_key)
ORDER BY keyed.business_key, keyed.event_created_at, keyed.event_id`;
}

export function effectiveForKeysSql(t: TableNames): string {
  return `WITH ${effectiveCte(t)}
SELECT ${packedEvent('effective', ['effective.is_exception'])}
FROM effective JOIN evfix_keys AS k
  ON k.event_id = effective.event_id AND k.event_created_at = effective.event_created_at
ORDER BY effective.event_id, effective.event_ingested_at`;
}

/** Candidates for a structured filter; $text narrows string values, the exact JSON comparison is done by the caller. */
export function matchingSql(t: TableNames, narrowByText: boolean): string {
  return `WITH ${effectiveCte(t)}
SELECT ${packedEvent('effective', ['effective.is_exception'])}
FROM effective
WHERE json_extract(event_data, $path) IS NOT NULL${narrowByText ? `
  AND json_extract_string(event_data, $path) = $text` : ''}
ORDER BY effective.event_created_at, effective.event_id, effective.event_ingested_at`;
}

export function stateSql(t: TableNames) {
  const range = (a: string) =>
    `${a}.event_id IN (SELECT event_id FROM evfix_ids) AND ${a}.event_created_at >= $from AND ${a}.event_created_at < $until`;
  return {
    sources: `SELECT ${packedEvent('e')} FROM ${quoteTable(t.events)} AS e WHERE ${range('e')}`,
    exceptions: `SELECT ${packedException('c')}
FROM ${quoteTable(t.exceptions)} AS c WHERE ${range('c')}`,
    exclusions: `SELECT ${packedExclusion('x')}
FROM ${quoteTable(t.exclusions)} AS x WHERE ${range('x')}`,
  };
}

/**
 * One fingerprint of what the three tables hold for the event_ids in
 * evfix_ids, created in [$from, $until): per table a row count and the XOR of
 * row hashes. Read with a plan's state and again inside apply's transaction:
 * when equal, nothing changed and the plan's rows need not be re-read and
 * compared one by one. (Unequal never writes: apply then compares in detail.)
 */
export function stateFingerprintSql(t: TableNames): string {
  const range = (a: string) => `${a}.event_id IN (SELECT event_id FROM evfix_ids) AND ${a}.event_created_at >= $from AND ${a}.event_created_at < $until`;
  const cols = 'event_created_at, event_id, event_name, user_id, event_external_reference_id, event_advisor_id, CAST(event_data AS VARCHAR), event_ingested_at';
  const part = (table: string, a: string, columns: string) =>
    `(SELECT count(*)::VARCHAR || ':' || coalesce(bit_xor(hash(${columns.split(', ').map((c) => (c.startsWith('CAST(') ? c.replace('(', `(${a}.`) : `${a}.${c}`)).join(', ')})), 0)::VARCHAR
    FROM ${quoteTable(table)} AS ${a} WHERE ${range(a)})`;
  return `SELECT ${part(t.events, 'e', cols)} || '|' ||
  ${part(t.exceptions, 'c', `${cols}, exception_added_timestamp, exception_description, is_event_update`)} || '|' ||
  ${part(t.exclusions, 'x', 'event_created_at, event_id, event_name, exclusion_added_timestamp, exclusion_description')} AS fingerprint`;
}

export function lookupSql(t: TableNames, withCreatedAt: boolean) {
  const where = (a: string) => `${a}.event_id = $event_id${withCreatedAt ? ` AND ${a}.event_created_at = $created_at` : ''}`;
  return {
    sources: `SELECT ${packedEvent('e')} FROM ${quoteTable(t.events)} AS e WHERE ${where('e')} ORDER BY e.event_ingested_at`,
    exceptions: `SELECT ${packedException('c')}
FROM ${quoteTable(t.exceptions)} AS c WHERE ${where('c')} ORDER BY c.exception_added_timestamp`,
    exclusions: `SELECT ${packedExclusion('x')}
FROM ${quoteTable(t.exclusions)} AS x WHERE ${where('x')} ORDER BY x.exclusion_added_timestamp`,
  };
}

/** Where an apply's rows come from: the temp tables (see staging.ts), or a SELECT over them. */
export type StagedSources = { exclusions: string; exceptions: string };
export const PLAN_TABLES: StagedSources = { exclusions: 'evfix_plan_exclusions', exceptions: 'evfix_plan_exceptions' };
export const REMOVAL_TABLES: StagedSources = { exclusions: 'evfix_remove_exclusions', exceptions: 'evfix_remove_exceptions' };

/** Apply: rows inserted set-wise with the apply time, from the temp tables or from a SELECT over packed rows (staging.ts). */
export function applyInsertSql(t: TableNames, from: StagedSources = PLAN_TABLES) {
  return {
    exclusions: `INSERT INTO ${quoteTable(t.exclusions)}
  (event_created_at, event_id, event_name, exclusion_added_timestamp, exclusion_description)
SELECT event_created_at, event_id, event_name, $applied_at, exclusion_description
FROM ${from.exclusions}`,
    exceptions: `INSERT INTO ${quoteTable(t.exceptions)}
  (${RAW_COLUMNS}, exception_added_timestamp, exception_description, is_event_update)
SELECT ${RAW_COLUMNS}, $applied_at, exception_description, is_event_update
FROM ${from.exceptions}`,
  };
}

/** Revert: deletes exactly the rows an earlier plan wrote (same keys, description and added time). */
export function applyDeleteSql(t: TableNames, from: StagedSources = REMOVAL_TABLES) {
  return {
    exclusions: `DELETE FROM ${quoteTable(t.exclusions)} AS x
USING ${from.exclusions} AS r
WHERE x.event_id = r.event_id AND x.event_created_at = r.event_created_at
  AND x.exclusion_added_timestamp = r.added_at AND x.exclusion_description = r.description`,
    exceptions: `DELETE FROM ${quoteTable(t.exceptions)} AS c
USING ${from.exceptions} AS r
WHERE c.event_id = r.event_id AND c.event_created_at = r.event_created_at
  AND c.exception_added_timestamp = r.added_at AND c.exception_description = r.description`,
  };
}

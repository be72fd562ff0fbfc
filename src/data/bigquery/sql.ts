/**
 * The GoogleSQL the BigQuery engine runs: the same statements as the embedded
 * engine, in BigQuery's dialect. Identifiers come from the validated config
 * and are backquoted; every value is a named parameter (@name), so no value
 * ever reaches the SQL text. Every read of the three event tables bounds
 * event_created_at by parameters, so daily partitions are pruned and tables
 * with require_partition_filter accept the query.
 *
 * Timestamps leave BigQuery as canonical text (FORMAT_TIMESTAMP with %E6S)
 * and event_data as TO_JSON_STRING, so nothing passes through a JS Date or a
 * JS number on the way in.
 */
import type { StageConfig } from '../config.js';

export type BigqueryTables = {
  events: string;
  exceptions: string;
  exclusions: string;
  /** project.dataset of the stage tables. */
  stageDataset: string;
};

/** `project.dataset.table`, as one backquoted path (names are validated: no backquotes can occur). */
export const quoteTable = (path: string) => `\`${path}\``;
export const quoteIdent = (name: string) => `\`${name}\``;

const TS = (col: string) => `FORMAT_TIMESTAMP('%Y-%m-%d %H:%M:%E6S', ${col}, 'UTC')`;

export const eventColumns = (alias: string) =>
  [
    `${TS(`${alias}.event_created_at`)} AS event_created_at`,
    `${alias}.event_id`,
    `${alias}.event_name`,
    `${alias}.user_id`,
    `${alias}.event_external_reference_id`,
    `${alias}.event_advisor_id`,
    `TO_JSON_STRING(${alias}.event_data) AS event_data`,
    `${TS(`${alias}.event_ingested_at`)} AS event_ingested_at`,
  ].join(', ');

const RAW_COLUMNS =
  'event_created_at, event_id, event_name, user_id, event_external_reference_id, event_advisor_id, event_data, event_ingested_at';
const rawColumns = (alias: string) => RAW_COLUMNS.split(', ').map((c) => `${alias}.${c}`).join(', ');

/** The window every read is bounded by: [@since, @until) on event_created_at. */
const inWindow = (alias: string, from = '@since', until = '@until') =>
  `${alias}.event_created_at >= ${from} AND ${alias}.event_created_at < ${until}`;

/** Original copies (as `e`) of @event_name in the window that no exclusion or exception resolves. */
function unresolvedOriginals(t: BigqueryTables): string {
  const ev = quoteTable(t.events), exc = quoteTable(t.exceptions), excl = quoteTable(t.exclusions);
  return `${ev} AS e
  WHERE e.event_name = @event_name AND ${inWindow('e')}
    AND NOT EXISTS (SELECT 1 FROM ${excl} AS x
                    WHERE x.event_id = e.event_id AND x.event_created_at = e.event_created_at
                      AND ${inWindow('x')})
    AND NOT EXISTS (SELECT 1 FROM ${exc} AS c
                    WHERE c.event_id = e.event_id AND ${inWindow('c', '@lookup_from')})`;
}

/**
 * create_stage_table as a CTE named `effective` (see the embedded engine):
 * originals minus excluded copies, minus event_ids with an exception, plus the
 * latest exception of each event_id. Exception and exclusion lookups are
 * bounded from @lookup_from (the window start minus the duplicate window),
 * which finds every row that can concern an event of the window.
 */
export function effectiveCte(t: BigqueryTables): string {
  const exc = quoteTable(t.exceptions);
  return `effective AS (
  SELECT ${rawColumns('e')}, FALSE AS is_exception
  FROM ${unresolvedOriginals(t)}
  UNION ALL
  SELECT ${rawColumns('c')}, TRUE AS is_exception
  FROM ${exc} AS c
  WHERE c.event_name = @event_name AND ${inWindow('c')}
  QUALIFY ROW_NUMBER() OVER (PARTITION BY c.event_id
            ORDER BY c.exception_added_timestamp DESC, c.event_ingested_at DESC) = 1
)`;
}

export function stageSummarySql(t: BigqueryTables): string {
  return `WITH ${effectiveCte(t)}
SELECT COUNT(*) AS events FROM effective`;
}

function liveCopies(t: BigqueryTables): string {
  return `live AS (
  SELECT e.* FROM ${unresolvedOriginals(t)}
), dup AS (SELECT event_id FROM live GROUP BY event_id HAVING COUNT(*) > 1)`;
}

export function duplicateGroupCountSql(t: BigqueryTables): string {
  return `WITH ${liveCopies(t)}
SELECT COUNT(*) AS n FROM dup`;
}

/** Original copies of event_ids seen more than once in the window and not yet resolved. */
export function eventIdDuplicatesSql(t: BigqueryTables): string {
  return `WITH ${liveCopies(t)}
SELECT ${eventColumns('live')}
FROM live JOIN dup USING (event_id)
ORDER BY live.event_id, live.event_ingested_at, live.event_created_at`;
}

/** One row per unresolved duplicate group (see the embedded engine). */
export function duplicateGroupsSql(t: BigqueryTables): string {
  return `WITH ${liveCopies(t)}
SELECT live.event_id, CAST(COUNT(*) AS STRING) AS copies,
  ${TS('MIN(live.event_ingested_at)')} AS first_ingested, ${TS('MAX(live.event_ingested_at)')} AS last_ingested,
  COUNT(DISTINCT TO_JSON_STRING(STRUCT(live.event_created_at, live.event_name, live.user_id, live.event_external_reference_id,
                                       live.event_advisor_id, TO_JSON_STRING(live.event_data)))) = 1 AS identical
FROM live JOIN dup USING (event_id)
GROUP BY live.event_id
ORDER BY MIN(live.event_ingested_at), live.event_id`;
}

/** The copies of the groups whose event_id is in @event_ids. */
export function duplicateCopiesOfSql(t: BigqueryTables): string {
  return `WITH ${liveCopies(t)}
SELECT ${eventColumns('live')}
FROM live JOIN dup USING (event_id)
WHERE live.event_id IN UNNEST(@event_ids)
ORDER BY live.event_id, live.event_ingested_at, live.event_created_at`;
}

/** Effective events whose value at @path is shared by more than one event_id. */
export function businessKeyDuplicatesSql(t: BigqueryTables): string {
  return `WITH ${effectiveCte(t)},
keyed AS (
  SELECT *, JSON_VALUE(event_data, @path) AS business_key
  FROM effective WHERE JSON_VALUE(event_data, @path) IS NOT NULL
), shared AS (
  SELECT business_key FROM keyed GROUP BY business_key HAVING COUNT(DISTINCT event_id) > 1
)
SELECT ${eventColumns('keyed')}, keyed.is_exception, keyed.business_key
FROM keyed JOIN shared USING (business_key)
ORDER BY keyed.business_key, keyed.event_created_at, keyed.event_id`;
}

/** The effective version of the keys in @keys (ARRAY<STRUCT<event_id, event_created_at>>). */
export function effectiveForKeysSql(t: BigqueryTables): string {
  return `WITH ${effectiveCte(t)}
SELECT ${eventColumns('effective')}, effective.is_exception
FROM effective JOIN UNNEST(@keys) AS k
  ON k.event_id = effective.event_id AND k.event_created_at = effective.event_created_at
ORDER BY effective.event_id, effective.event_ingested_at`;
}

/** Candidates for a structured filter; @text narrows string values, the exact JSON comparison is the caller's. */
export function matchingSql(t: BigqueryTables, narrowByText: boolean): string {
  return `WITH ${effectiveCte(t)}
SELECT ${eventColumns('effective')}, effective.is_exception
FROM effective
WHERE JSON_QUERY(event_data, @path) IS NOT NULL${narrowByText ? `
  AND JSON_VALUE(event_data, @path) = @text` : ''}
ORDER BY effective.event_created_at, effective.event_id, effective.event_ingested_at`;
}

const exceptionColumns = (a: string) =>
  `${eventColumns(a)}, ${a}.exception_description, ${a}.is_event_update,
  ${TS(`${a}.exception_added_timestamp`)} AS exception_added_timestamp`;
const exclusionColumns = (a: string) =>
  `${TS(`${a}.event_created_at`)} AS event_created_at, ${a}.event_id, ${a}.event_name, ${a}.exclusion_description,
  ${TS(`${a}.exclusion_added_timestamp`)} AS exclusion_added_timestamp`;

/** The rows of the three tables for the event_ids in @event_ids, created in [@from, @until). */
export function stateSql(t: BigqueryTables) {
  const where = (a: string) => `${a}.event_id IN UNNEST(@event_ids) AND ${inWindow(a, '@from')}`;
  return {
    sources: `SELECT ${eventColumns('e')} FROM ${quoteTable(t.events)} AS e WHERE ${where('e')}`,
    exceptions: `SELECT ${exceptionColumns('c')}
FROM ${quoteTable(t.exceptions)} AS c WHERE ${where('c')}`,
    exclusions: `SELECT ${exclusionColumns('x')}
FROM ${quoteTable(t.exclusions)} AS x WHERE ${where('x')}`,
  };
}

/**
 * One fingerprint of everything the three tables hold for a plan's events:
 * read before the apply script is submitted, and asserted equal inside its
 * transaction, so a write that lands in between fails the script.
 */
export function stateFingerprintSql(t: BigqueryTables): string {
  const where = (a: string) => `${a}.event_id IN UNNEST(@event_ids) AND ${inWindow(a, '@from')}`;
  const fp = (table: string, a: string) =>
    `(SELECT FORMAT('%d:%d', COUNT(*), IFNULL(BIT_XOR(FARM_FINGERPRINT(TO_JSON_STRING(${a}))), 0))
    FROM ${quoteTable(table)} AS ${a} WHERE ${where(a)})`;
  return `SELECT CONCAT(
  ${fp(t.events, 'e')}, '|',
  ${fp(t.exceptions, 'c')}, '|',
  ${fp(t.exclusions, 'x')}) AS fingerprint`;
}

/** Lookup by event_id, optionally one event_created_at; bounded by @from/@until like every read. */
export function lookupSql(t: BigqueryTables, withCreatedAt: boolean) {
  const where = (a: string) =>
    `${a}.event_id = @event_id AND ${inWindow(a, '@from')}${withCreatedAt ? ` AND ${a}.event_created_at = @created_at` : ''}`;
  return {
    sources: `SELECT ${eventColumns('e')} FROM ${quoteTable(t.events)} AS e WHERE ${where('e')} ORDER BY e.event_ingested_at`,
    exceptions: `SELECT ${exceptionColumns('c')}
FROM ${quoteTable(t.exceptions)} AS c WHERE ${where('c')} ORDER BY c.exception_added_timestamp`,
    exclusions: `SELECT ${exclusionColumns('x')}
FROM ${quoteTable(t.exclusions)} AS x WHERE ${where('x')} ORDER BY x.exclusion_added_timestamp`,
  };
}

/** Where apply's rows come from: array parameters, or a scratch table a load job filled. */
export type RowSource = { kind: 'parameters' } | { kind: 'scratch'; exclusions: string; exceptions: string; removeExclusions: string; removeExceptions: string };

const from = (source: RowSource, param: string, scratch: (s: Extract<RowSource, { kind: 'scratch' }>) => string) =>
  source.kind === 'parameters' ? `UNNEST(@${param})` : quoteTable(scratch(source));

/**
 * The apply script: one transaction whose ASSERT re-checks the state the plan
 * was decided on, then set-based inserts and deletes. BigQuery rolls the whole
 * transaction back when any statement fails.
 */
export function applyScript(t: BigqueryTables, counts: { exclusions: number; exceptions: number; removeExclusions: number; removeExceptions: number }, source: RowSource) {
  const statements: { label: string; sql: string }[] = [];
  statements.push({ label: 'begin', sql: 'BEGIN TRANSACTION' });
  statements.push({
    label: 'precondition',
    sql: `ASSERT (
  ${stateFingerprintSql(t).replace(/\n/g, '\n  ')}
) = @expected_fingerprint
AS 'evfix: the rows of the events in this plan changed after they were checked; nothing was written'`,
  });
  if (counts.exclusions) {
    statements.push({
      label: 'insert exclusions',
      sql: `INSERT INTO ${quoteTable(t.exclusions)}
  (event_created_at, event_id, event_name, exclusion_added_timestamp, exclusion_description)
SELECT r.event_created_at, r.event_id, r.event_name, @applied_at, r.exclusion_description
FROM ${from(source, 'exclusion_rows', (s) => s.exclusions)} AS r`,
    });
  }
  if (counts.exceptions) {
    statements.push({
      label: 'insert exceptions',
      sql: `INSERT INTO ${quoteTable(t.exceptions)}
  (${RAW_COLUMNS}, exception_added_timestamp, exception_description, is_event_update)
SELECT r.event_created_at, r.event_id, r.event_name, r.user_id, r.event_external_reference_id, r.event_advisor_id,
  PARSE_JSON(r.event_data), r.event_ingested_at, @applied_at, r.exception_description, r.is_event_update
FROM ${from(source, 'exception_rows', (s) => s.exceptions)} AS r`,
    });
  }
  const remove = (table: string, a: string, added: string, description: string, rows: string) => `DELETE FROM ${quoteTable(table)} AS ${a}
WHERE ${inWindow(a, '@from')}
  AND EXISTS (SELECT 1 FROM ${rows} AS r
              WHERE r.event_id = ${a}.event_id AND r.event_created_at = ${a}.event_created_at
                AND r.added_at = ${a}.${added} AND r.description = ${a}.${description})`;
  if (counts.removeExclusions) {
    statements.push({
      label: 'delete exclusions',
      sql: remove(t.exclusions, 'x', 'exclusion_added_timestamp', 'exclusion_description', from(source, 'remove_exclusions', (s) => s.removeExclusions)),
    });
  }
  if (counts.removeExceptions) {
    statements.push({
      label: 'delete exceptions',
      sql: remove(t.exceptions, 'c', 'exception_added_timestamp', 'exception_description', from(source, 'remove_exceptions', (s) => s.removeExceptions)),
    });
  }
  statements.push({ label: 'commit', sql: 'COMMIT TRANSACTION' });
  return statements;
}

/** The stage rerun without dbt: the window deleted and recomputed, in one transaction. */
export function rerunStageScript(t: BigqueryTables, stage: StageConfig) {
  const target = quoteTable(`${t.stageDataset}.${stage.name}`);
  const flatNames = stage.columns.map((c) => `, ${quoteIdent(c.name)}`).join('');
  const flatValues = stage.columns.map((_, i) => `, JSON_VALUE(event_data, @path_${i})`).join('');
  return [
    { label: 'begin', sql: 'BEGIN TRANSACTION' },
    { label: 'delete window', sql: `DELETE FROM ${target} WHERE event_created_at >= @since` },
    {
      label: 'insert window',
      sql: `INSERT INTO ${target} (${RAW_COLUMNS}, is_exception${flatNames})
WITH ${effectiveCte(t)}
SELECT ${RAW_COLUMNS}, is_exception${flatValues}
FROM effective`,
    },
    { label: 'commit', sql: 'COMMIT TRANSACTION' },
  ];
}

/** What a rerun would do, counted without writing: the window's rows now, and the rows it would write. */
export function rerunPreviewSql(t: BigqueryTables, stage: StageConfig): string {
  const target = quoteTable(`${t.stageDataset}.${stage.name}`);
  return `WITH ${effectiveCte(t)}
SELECT (SELECT COUNT(*) FROM ${target} WHERE event_created_at >= @since) AS removes,
       (SELECT COUNT(*) FROM effective) AS writes`;
}

/** Columns of the configured tables, for `evfix doctor`. */
export function columnsSql(dataset: string): string {
  return `SELECT table_name, column_name, data_type
FROM ${quoteTable(`${dataset}.INFORMATION_SCHEMA.COLUMNS`)}
WHERE table_name IN UNNEST(@tables)
ORDER BY table_name, ordinal_position`;
}

export const joinScript = (statements: readonly { sql: string }[]) => statements.map((s) => `${s.sql};`).join('\n');

/**
 * The BigQuery engine's reads: what the screens list, lookups, the audit table, and INFORMATION_SCHEMA for
 * doctor. Timestamps leave BigQuery as canonical text and event_data as TO_JSON_STRING, so nothing passes
 * through a JS Date or a JS number on the way in.
 */
import type { AuditFilter } from '../engine.js';
import { APPROVAL_COLUMN_SPECS, AUDIT_COLUMN_SPECS, EVENT_COLUMN_NAMES, EVENT_COLUMN_SPECS } from '../model.js';
import { quoteIdent, quoteTable, TS, type BigqueryTables } from './names.js';
import * as p from './params.js';
import { COPY_ORDER } from './planSql.js';
import { effectiveCte, inWindow, unresolvedOriginals } from './stageSql.js';

/** The event's columns as text, under their own names. */
export const eventColumns = (alias: string) =>
  EVENT_COLUMN_NAMES.map((c) =>
    c === 'event_data'
      ? `TO_JSON_STRING(${alias}.event_data) AS event_data`
      : EVENT_COLUMN_SPECS.find((s) => s.name === c)!.type === 'TIMESTAMP'
        ? `${TS(`${alias}.${c}`)} AS ${c}`
        : `${alias}.${c}`,
  ).join(', ');

const exceptionColumns = (a: string) =>
  `${eventColumns(a)}, ${a}.exception_description, ${a}.is_event_update, ${TS(`${a}.exception_added_timestamp`)} AS exception_added_timestamp`;
const exclusionColumns = (a: string) =>
  `${TS(`${a}.event_created_at`)} AS event_created_at, ${a}.event_id, ${a}.event_name, ${a}.exclusion_description, ${TS(`${a}.exclusion_added_timestamp`)} AS exclusion_added_timestamp`;

function liveCopies(t: BigqueryTables): string {
  return `live AS (
  SELECT e.* FROM ${unresolvedOriginals(t)}
), dup AS (SELECT event_id FROM live GROUP BY event_id HAVING COUNT(*) > 1)`;
}

export function stageSummarySql(t: BigqueryTables): string {
  return `WITH ${effectiveCte(t)}, ${liveCopies(t)}
SELECT (SELECT COUNT(*) FROM effective) AS events, (SELECT COUNT(*) FROM dup) AS duplicate_groups`;
}

/** event_ids the stage table holds more than once in the window (its partitions pruned by the window). */
export const stageDuplicatesSql = (table: string) => `SELECT COUNT(*) AS n FROM (
  SELECT event_id FROM ${quoteTable(table)} AS s WHERE ${inWindow('s')}
  GROUP BY event_id HAVING COUNT(*) > 1)`;

/** One row per unresolved duplicate group. */
export function duplicateGroupsSql(t: BigqueryTables): string {
  return `WITH ${liveCopies(t)}
SELECT live.event_id, CAST(COUNT(*) AS STRING) AS copies,
  ${TS('MIN(live.event_ingested_at)')} AS first_ingested, ${TS('MAX(live.event_ingested_at)')} AS last_ingested,
  COUNT(DISTINCT TO_JSON_STRING(STRUCT(live.event_created_at, live.event_name, live.user_id, live.event_external_reference_id,
                                       live.event_advisor_id, TO_JSON_STRING(live.event_data)))) = 1 AS identical
FROM live JOIN dup USING (event_id)
GROUP BY live.event_id
ORDER BY MIN(live.event_ingested_at) NULLS LAST, live.event_id`;
}

/** The copies of the groups whose event_id is in @ids, in the order dedupe numbers them. */
export function groupCopiesSql(t: BigqueryTables): string {
  return `WITH ${liveCopies(t)}
SELECT ${eventColumns('l')}
FROM live AS l JOIN dup USING (event_id)
WHERE l.event_id IN UNNEST(@ids)
ORDER BY l.event_id, ${COPY_ORDER}`;
}

/** Effective events whose scalar value at @path is shared by more than one event_id. */
export function businessKeySql(t: BigqueryTables): string {
  return `WITH ${effectiveCte(t)},
keyed AS (
  SELECT *, JSON_VALUE(event_data, @path) AS business_key
  FROM effective WHERE JSON_VALUE(event_data, @path) IS NOT NULL
), shared AS (
  SELECT business_key FROM keyed GROUP BY business_key HAVING COUNT(DISTINCT event_id) > 1
)
SELECT ${eventColumns('keyed')}, keyed.is_exception, keyed.business_key
FROM keyed JOIN shared USING (business_key)
ORDER BY keyed.business_key, keyed.event_created_at, keyed.event_id, keyed.event_ingested_at NULLS LAST`;
}

/** Lookup by event_id, optionally one event_created_at; bounded by @from/@until like every read. */
export function lookupSql(t: BigqueryTables, withCreatedAt: boolean) {
  const where = (a: string) => `${a}.event_id = @event_id AND ${inWindow(a)}${withCreatedAt ? ` AND ${a}.event_created_at = @created_at` : ''}`;
  return {
    sources: `SELECT ${eventColumns('e')} FROM ${quoteTable(t.events)} AS e WHERE ${where('e')} ORDER BY e.event_ingested_at NULLS LAST`,
    exceptions: `SELECT ${exceptionColumns('c')} FROM ${quoteTable(t.exceptions)} AS c WHERE ${where('c')} ORDER BY c.exception_added_timestamp`,
    exclusions: `SELECT ${exclusionColumns('x')} FROM ${quoteTable(t.exclusions)} AS x WHERE ${where('x')} ORDER BY x.exclusion_added_timestamp`,
  };
}

export function auditReadSql(t: BigqueryTables, filter: AuditFilter, ps: p.Params): string {
  const where: string[] = [];
  if (filter.planId) where.push(`a.plan_id = ${ps.add('plan', (n) => p.string(n, filter.planId!))}`);
  if (filter.stage) where.push(`a.stage = ${ps.add('stage', (n) => p.string(n, filter.stage!))}`);
  if (filter.operator) where.push(`a.operator = ${ps.add('operator', (n) => p.string(n, filter.operator!))}`);
  if (filter.since) where.push(`a.applied_at >= ${ps.add('since', (n) => p.timestamp(n, filter.since!))}`);
  return `SELECT a.plan_id, a.kind, a.stage, a.description, a.operator, a.host, a.selection, a.counts, a.fingerprint, a.job_id,
  ${TS('a.applied_at')} AS applied_at, a.ticket, a.approved_by, ${TS('a.approved_at')} AS approved_at, r.plan_id AS reverted_by, a.revert_of, ${TS('a.oldest')} AS oldest
FROM ${quoteTable(t.audit)} AS a
LEFT JOIN ${quoteTable(t.audit)} AS r ON r.revert_of = a.plan_id${where.length ? `\nWHERE ${where.join(' AND ')}` : ''}
ORDER BY a.applied_at DESC
LIMIT ${ps.set(p.limit(filter.limit ?? 500))}`;
}

/** Columns of tables of one dataset, for doctor and for --from-table. */
export function columnsSql(dataset: string): string {
  return `SELECT table_name, column_name, data_type
FROM ${quoteTable(`${dataset}.INFORMATION_SCHEMA.COLUMNS`)}
WHERE table_name IN UNNEST(@tables)
ORDER BY table_name, ordinal_position`;
}

/**
 * Each named table of a dataset with its partitioning column (ingestion-time partitioned tables list the
 * pseudo-column _PARTITIONTIME as theirs) and whether require_partition_filter is set.
 */
export function partitioningSql(dataset: string): string {
  return `SELECT t.table_name, c.column_name AS partition_column, IFNULL(o.require_filter, FALSE) AS require_filter
FROM ${quoteTable(`${dataset}.INFORMATION_SCHEMA.TABLES`)} AS t
LEFT JOIN (
  SELECT table_name, column_name FROM ${quoteTable(`${dataset}.INFORMATION_SCHEMA.COLUMNS`)} WHERE is_partitioning_column = 'YES'
) AS c ON c.table_name = t.table_name
LEFT JOIN (
  SELECT table_name, LOGICAL_OR(LOWER(option_value) = 'true') AS require_filter
  FROM ${quoteTable(`${dataset}.INFORMATION_SCHEMA.TABLE_OPTIONS`)} WHERE option_name = 'require_partition_filter' GROUP BY table_name
) AS o ON o.table_name = t.table_name
WHERE t.table_name IN UNNEST(@tables)
ORDER BY t.table_name`;
}

/** The audit table as evfix writes it: the DDL an operator runs once (apply records every plan in it). */
const tableDdl = (
  path: string,
  specs: readonly { name: string; type: string; nullable: boolean }[],
  ifNotExists = false,
) => `CREATE TABLE ${ifNotExists ? 'IF NOT EXISTS ' : ''}${quoteTable(path)} (
${specs.map((c) => `  ${quoteIdent(c.name)} ${c.type}${c.nullable ? '' : ' NOT NULL'}`).join(',\n')}
)`;

export const auditTableDdl = (t: BigqueryTables, ifNotExists = false) => tableDdl(t.audit, AUDIT_COLUMN_SPECS, ifNotExists);
export const approvalsTableDdl = (t: BigqueryTables, ifNotExists = false) => tableDdl(t.approvals, APPROVAL_COLUMN_SPECS, ifNotExists);

/** A plan's approvals (this id and fingerprint), oldest first. */
export const approvalsReadSql = (
  t: BigqueryTables,
) => `SELECT ${APPROVAL_COLUMN_SPECS.map((c) => (c.type === 'TIMESTAMP' ? `${TS(c.name)} AS ${c.name}` : quoteIdent(c.name))).join(', ')}
FROM ${quoteTable(t.approvals)} WHERE plan_id = @plan_id AND fingerprint = @fingerprint
ORDER BY approved_at`;

/**
 * The stage table after a rerun against the stage table now, per (event_id, event_created_at), as a WITH clause
 * ending in `impact` (see duckdb/readSql.ts impactSql for the rule). `table` is undefined when it was never built.
 */
export function impactSql(t: BigqueryTables, table: string | undefined): string {
  const content = (a: string) =>
    `FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(${a}.event_name, ${a}.user_id, ${a}.event_external_reference_id, ${a}.event_advisor_id, TO_JSON_STRING(${a}.event_data) AS doc, ${a}.event_ingested_at, ${a}.is_exception)))`;
  const side = (from: string) => `SELECT event_id, event_created_at, h, MAX(doc) AS doc, COUNT(*) AS n FROM (
    SELECT x.event_id, x.event_created_at, ${content('x')} AS h, TO_JSON_STRING(x.event_data) AS doc FROM ${from})
  GROUP BY event_id, event_created_at, h`;
  const before = table ? side(`${quoteTable(table)} AS x WHERE ${inWindow('x')}`) : side('effective AS x WHERE FALSE');
  return `WITH ${effectiveCte(t)},
after_rerun AS (${side('effective AS x')}),
now_staged AS (${before}),
paired AS (
  SELECT COALESCE(a.event_id, b.event_id) AS event_id, COALESCE(a.event_created_at, b.event_created_at) AS event_created_at,
    COALESCE(a.n, 0) AS an, COALESCE(b.n, 0) AS bn, a.doc AS adoc, b.doc AS bdoc
  FROM after_rerun AS a FULL JOIN now_staged AS b ON a.event_id = b.event_id AND a.event_created_at = b.event_created_at AND a.h = b.h
), keyed AS (
  SELECT event_id, event_created_at, SUM(LEAST(an, bn)) AS same, SUM(an) - SUM(LEAST(an, bn)) AS a_left, SUM(bn) - SUM(LEAST(an, bn)) AS b_left,
    MAX(IF(bn > an, bdoc, NULL)) AS before_doc, MAX(IF(an > bn, adoc, NULL)) AS after_doc
  FROM paired GROUP BY event_id, event_created_at
), impact AS (
  SELECT event_id, event_created_at, same, LEAST(a_left, b_left) AS changed, a_left - LEAST(a_left, b_left) AS added,
    b_left - LEAST(a_left, b_left) AS removed, before_doc, after_doc
  FROM keyed
)`;
}

/**
 * The reads of the embedded engine (what the screens list, lookups, the audit table) and the tables it
 * creates. Rows come back as one `packed` JSON array per row: one string to decode instead of eight values.
 */
import type { AuditEntry, AuditFilter, PageKey } from '../engine.js';
import { APPROVAL_COLUMN_SPECS, AUDIT_COLUMN_SPECS, EVENT_COLUMN_NAMES, EVENT_COLUMN_SPECS, TABLE_SPECS } from '../model.js';
import { quoteIdent, quoteTable, TS, type TableNames } from './names.js';
import { COPY_ORDER } from './planSql.js';
import { IDS_TABLE, type Params } from './selectionSql.js';
import { effectiveCte, unresolvedOriginals } from './stageSql.js';

const DUCK_TYPES: Record<string, string> = { TIMESTAMP: 'TIMESTAMP', STRING: 'VARCHAR', JSON: 'JSON', BOOL: 'BOOLEAN', INT64: 'BIGINT' };

/** The event's columns as canonical text (microsecond timestamps, event_data's exact text), then `extra`. */
export const packedEvent = (alias: string, extra: string[] = []) =>
  `json_array(${[
    ...EVENT_COLUMN_NAMES.map((c) =>
      c === 'event_data'
        ? `CAST(${alias}.event_data AS VARCHAR)`
        : EVENT_COLUMN_SPECS.find((s) => s.name === c)!.type === 'TIMESTAMP'
          ? TS(`${alias}.${c}`)
          : `${alias}.${c}`,
    ),
    ...extra,
  ].join(', ')})::VARCHAR AS packed`;

const packedException = (a: string) => packedEvent(a, [`${a}.exception_description`, `${a}.is_event_update`, TS(`${a}.exception_added_timestamp`)]);
const packedExclusion = (a: string) =>
  `json_array(${TS(`${a}.event_created_at`)}, ${a}.event_id, ${a}.event_name, ${a}.exclusion_description, ${TS(`${a}.exclusion_added_timestamp`)})::VARCHAR AS packed`;

const columnsDdl = (specs: readonly { name: string; type: string; nullable: boolean }[]) =>
  specs.map((c) => `${quoteIdent(c.name)} ${DUCK_TYPES[c.type]}${c.nullable ? '' : ' NOT NULL'}`).join(', ');

export const createAuditSql = (t: TableNames) => `CREATE TABLE IF NOT EXISTS ${quoteTable(t.audit)} (${columnsDdl(TABLE_SPECS.audit)})`;

export const createApprovalsSql = (t: TableNames) => `CREATE TABLE IF NOT EXISTS ${quoteTable(t.approvals)} (${columnsDdl(TABLE_SPECS.approvals)})`;

export function createTablesSql(t: TableNames): string[] {
  const schemas = new Set([t.events, t.exceptions, t.exclusions, t.audit, t.approvals].map((n) => n.split('.')[0]!));
  schemas.add(t.stageSchema);
  return [
    ...[...schemas].map((s) => `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(s)}`),
    `CREATE TABLE IF NOT EXISTS ${quoteTable(t.events)} (${columnsDdl(TABLE_SPECS.events)})`,
    `CREATE TABLE IF NOT EXISTS ${quoteTable(t.exceptions)} (${columnsDdl(TABLE_SPECS.exceptions)})`,
    `CREATE TABLE IF NOT EXISTS ${quoteTable(t.exclusions)} (${columnsDdl(TABLE_SPECS.exclusions)})`,
    createAuditSql(t),
    createApprovalsSql(t),
  ];
}

/**
 * The window's unresolved original copies, narrowed to what counting and listing groups need: a hash stands
 * in for each copy's content, so no event_data is held while 100,000 groups are grouped. `only` narrows them
 * further (a condition on `e`, starting with AND).
 */
const slimLive = (t: TableNames, only = '') => `live AS (
  SELECT e.event_id, e.event_ingested_at,
         hash(e.event_created_at, e.event_name, e.user_id, e.event_external_reference_id, e.event_advisor_id, CAST(e.event_data AS VARCHAR)) AS content
  FROM ${unresolvedOriginals(t)}${only}
)`;

/** The stage list's counts: rows the stage shows in the window, and unresolved event_id duplicate groups. */
export function stageSummarySql(t: TableNames): string {
  return `WITH ${effectiveCte(t)}, ${slimLive(t)}
SELECT (SELECT count(*) FROM effective)::BIGINT AS events,
       (SELECT count(*) FROM (SELECT event_id FROM live GROUP BY event_id HAVING count(*) > 1))::BIGINT AS groups`;
}

/**
 * One row per unresolved duplicate group; copies are identical when every compared column and event_data agree.
 *
 * Two steps: the groups are found by counting event_ids alone, and only their copies are hashed and aggregated
 * further. One aggregate with every state (times and content hashes) for each of a month's millions of
 * event_ids needed more than 64 MB on the 10M-event file (DuckDB's out-of-memory error), and took 5.5 s
 * there at 96 MB against 3.7 s for the two steps.
 */
export function duplicateGroupsSql(t: TableNames): string {
  return `WITH grouped AS (
  SELECT e.event_id FROM ${unresolvedOriginals(t)}
  GROUP BY e.event_id HAVING count(*) > 1
), ${slimLive(t, ' AND e.event_id IN (SELECT event_id FROM grouped)')}
SELECT json_array(event_id, count(*), ${TS('min(event_ingested_at)')}, ${TS('max(event_ingested_at)')},
                  min(content) = max(content))::VARCHAR AS packed
FROM live
GROUP BY event_id
HAVING count(*) > 1
ORDER BY min(event_ingested_at), event_id`;
}

/** The copies of the groups whose event_id is in evfix_ids, in the order dedupe numbers them. */
export function groupCopiesSql(t: TableNames): string {
  return `WITH live AS (SELECT e.* FROM ${unresolvedOriginals(t)} AND e.event_id IN (SELECT event_id FROM ${IDS_TABLE})),
dup AS (SELECT event_id FROM live GROUP BY event_id HAVING count(*) > 1)
SELECT ${packedEvent('l')}
FROM live AS l JOIN dup USING (event_id)
ORDER BY l.event_id, ${COPY_ORDER}`;
}

/** Effective events whose value at $path is shared by more than one event_id. */
export function businessKeySql(t: TableNames): string {
  return `WITH ${effectiveCte(t)},
keyed AS (
  SELECT *, json_extract_string(event_data, $path) AS business_key
  FROM effective WHERE json_type(event_data, $path) NOT IN ('OBJECT', 'ARRAY', 'NULL')
), shared AS (
  SELECT business_key FROM keyed GROUP BY business_key HAVING count(DISTINCT event_id) > 1
)
SELECT ${packedEvent('keyed', ['keyed.is_exception', 'keyed.business_key'])}
FROM keyed JOIN shared USING (business_key)
ORDER BY keyed.business_key, keyed.event_created_at, keyed.event_id, keyed.event_ingested_at`;
}

/** Keyset paging in (event_created_at, event_id) order. */
export function pageAfter(p: Params, after: PageKey | undefined, limit: number, where?: string): string {
  const conditions = [
    where,
    after ? `(event_created_at, event_id) > (${p.add('after_c', after.event_created_at)}::TIMESTAMP, ${p.add('after_i', after.event_id)})` : undefined,
  ].filter(Boolean);
  return `${conditions.length ? `\nWHERE ${conditions.join(' AND ')}` : ''}\nORDER BY event_created_at, event_id\nLIMIT ${Math.max(1, Math.floor(limit))}`;
}

export function lookupSql(t: TableNames, withCreatedAt: boolean) {
  const where = (a: string) => `${a}.event_id = $event_id${withCreatedAt ? ` AND ${a}.event_created_at = $created_at` : ''}`;
  return {
    sources: `SELECT ${packedEvent('e')} FROM ${quoteTable(t.events)} AS e WHERE ${where('e')} ORDER BY e.event_ingested_at`,
    exceptions: `SELECT ${packedException('c')} FROM ${quoteTable(t.exceptions)} AS c WHERE ${where('c')} ORDER BY c.exception_added_timestamp`,
    exclusions: `SELECT ${packedExclusion('x')} FROM ${quoteTable(t.exclusions)} AS x WHERE ${where('x')} ORDER BY x.exclusion_added_timestamp`,
  };
}

export const auditLookupSql = (t: TableNames) => `SELECT ${TS('applied_at')} AS applied_at FROM ${quoteTable(t.audit)} WHERE plan_id = $plan_id`;

/** The audit row: every value a parameter, set when the plan is applied. */
export function auditInsertSql(t: TableNames, _p: Params): string {
  const names = AUDIT_COLUMN_SPECS.map((c) => c.name);
  return `INSERT INTO ${quoteTable(t.audit)} (${names.map(quoteIdent).join(', ')})
VALUES (${AUDIT_COLUMN_SPECS.map((c) => (c.type === 'TIMESTAMP' ? `$audit_${c.name}::TIMESTAMP` : `$audit_${c.name}`)).join(', ')})`;
}

/**
 * The approval apply needs (approval: required): of this plan id and fingerprint, by someone other than the
 * plan's author and the operator applying it; the first given.
 */
export const approvalCheckSql = (t: TableNames) => `SELECT approved_by, ${TS('approved_at')} AS approved_at FROM ${quoteTable(t.approvals)}
WHERE plan_id = $plan_id AND fingerprint = $fingerprint AND approved_by <> $plan_author AND approved_by <> $audit_operator
ORDER BY approved_at LIMIT 1`;

/** A plan's approvals (this id and fingerprint), oldest first. */
export const approvalsReadSql = (
  t: TableNames,
) => `SELECT ${APPROVAL_COLUMN_SPECS.map((c) => (c.type === 'TIMESTAMP' ? `${TS(c.name)} AS ${c.name}` : quoteIdent(c.name))).join(', ')}
FROM ${quoteTable(t.approvals)} WHERE plan_id = $plan_id AND fingerprint = $fingerprint ORDER BY approved_at`;

/** An approval row, unless this operator approved the plan already (then nothing is inserted). */
export const approvalInsertSql = (t: TableNames) => `INSERT INTO ${quoteTable(t.approvals)} (${APPROVAL_COLUMN_SPECS.map((c) => quoteIdent(c.name)).join(', ')})
SELECT $plan_id, $fingerprint, $approved_by, $approved_at::TIMESTAMP, $host, $author, $kind, $stage, $description, $note
WHERE NOT EXISTS (SELECT 1 FROM ${quoteTable(t.approvals)} WHERE plan_id = $plan_id AND fingerprint = $fingerprint AND approved_by = $approved_by)`;

export function auditReadSql(t: TableNames, filter: AuditFilter, p: Params): string {
  const where: string[] = [];
  if (filter.planId) where.push(`a.plan_id = ${p.add('plan', filter.planId)}`);
  if (filter.stage) where.push(`a.stage = ${p.add('stage', filter.stage)}`);
  if (filter.operator) where.push(`a.operator = ${p.add('operator', filter.operator)}`);
  if (filter.since) where.push(`a.applied_at >= ${p.add('since', filter.since)}::TIMESTAMP`);
  return `SELECT a.plan_id, a.kind, a.stage, a.description, a.operator, a.host, a.selection, a.counts, a.fingerprint, a.job_id,
  ${TS('a.applied_at')} AS applied_at, a.ticket, a.approved_by, ${TS('a.approved_at')} AS approved_at, r.plan_id AS reverted_by, a.revert_of, ${TS('a.oldest')} AS oldest
FROM ${quoteTable(t.audit)} AS a
LEFT JOIN ${quoteTable(t.audit)} AS r ON r.revert_of = a.plan_id${where.length ? `\nWHERE ${where.join(' AND ')}` : ''}
ORDER BY a.applied_at DESC
LIMIT ${Math.max(1, Math.floor(filter.limit ?? 500))}`;
}

const s = (v: unknown) => (v === null || v === undefined ? null : String(v));

export function toAuditEntry(r: Record<string, unknown>): AuditEntry {
  const counts = JSON.parse(String(r.counts)) as AuditEntry['counts'];
  return {
    plan_id: String(r.plan_id),
    kind: String(r.kind),
    stage: String(r.stage),
    description: String(r.description),
    operator: String(r.operator),
    host: String(r.host ?? ''),
    selection: String(r.selection ?? ''),
    counts,
    fingerprint: String(r.fingerprint),
    job_id: s(r.job_id),
    applied_at: String(r.applied_at),
    ticket: s(r.ticket),
    approved_by: s(r.approved_by),
    approved_at: s(r.approved_at),
    reverted_by: s(r.reverted_by),
    revert_of: s(r.revert_of),
    oldest: s(r.oldest),
  };
}

/**
 * Where the embedded warehouse keeps its stage rebuilds (beside the audit table): BigQuery reads a table's
 * last_modified_time, DuckDB keeps no such time, so evfix records each rebuild it runs.
 */
export const rebuildsTable = (t: TableNames) => `${t.audit.split('.')[0]}.evfix_stage_rebuilds`;

export const createRebuildsSql = (t: TableNames) =>
  `CREATE TABLE IF NOT EXISTS ${quoteTable(rebuildsTable(t))} (stage VARCHAR NOT NULL, since TIMESTAMP NOT NULL, rebuilt_at TIMESTAMP NOT NULL)`;

/**
 * A rebuild's row. Its time is the later of the clock and the newest apply, so every plan applied before it
 * counts as before it even on a clock that stands still (tests, a skewed host); the next apply is later still.
 */
export const recordRebuildSql = (t: TableNames) => `INSERT INTO ${quoteTable(rebuildsTable(t))}
SELECT $stage, $since::TIMESTAMP, greatest($now::TIMESTAMP, coalesce((SELECT max(applied_at) FROM ${quoteTable(t.audit)}), $now::TIMESTAMP))`;

export const stageRebuildsSql = (t: TableNames) => `SELECT ${TS('rebuilt_at')} AS at, ${TS('since')} AS since
FROM ${quoteTable(rebuildsTable(t))} WHERE stage = $stage ORDER BY rebuilt_at DESC LIMIT 100`;

/** event_ids the stage table holds more than once in the window. */
export const stageDuplicatesSql = (table: string) => `SELECT count(*)::BIGINT AS n FROM (
  SELECT event_id FROM ${quoteTable(table)} WHERE event_created_at >= $from AND event_created_at < $until
  GROUP BY event_id HAVING count(*) > 1)`;

/** The latest apply or rebuild: an apply's time is after it. */
export const lastWriteSql = (t: TableNames) => `SELECT ${TS('max(t)')} AS t FROM (
  SELECT max(applied_at) AS t FROM ${quoteTable(t.audit)} UNION ALL SELECT max(rebuilt_at) FROM ${quoteTable(rebuildsTable(t))})`;

/**
 * The stage table after a rerun (the rules over the window, as the sources are now) against the stage table
 * (`table`; none when it was never built), per (event_id, event_created_at): rows alike on both sides are
 * the same; of the rest, as many as pair up are changed, the others added or removed. A row's likeness is
 * every column the stage holds from the sources, event_data as text.
 */
export function impactSql(t: TableNames, table: string | undefined): string {
  const content = (a: string) =>
    `hash(${a}.event_name, ${a}.user_id, ${a}.event_external_reference_id, ${a}.event_advisor_id, CAST(${a}.event_data AS VARCHAR), ${a}.event_ingested_at, ${a}.is_exception)`;
  const side = (from: string) =>
    `SELECT x.event_id, x.event_created_at, ${content('x')} AS h, max(CAST(x.event_data AS VARCHAR)) AS doc, count(*) AS n FROM ${from} GROUP BY ALL`;
  const before = table
    ? side(`${quoteTable(table)} AS x WHERE x.event_created_at >= $from AND x.event_created_at < $until`)
    : side('effective AS x WHERE false');
  return `WITH ${effectiveCte(t)},
after_rerun AS (${side('effective AS x')}),
now_staged AS (${before}),
paired AS (
  SELECT coalesce(a.event_id, b.event_id) AS event_id, coalesce(a.event_created_at, b.event_created_at) AS event_created_at,
    coalesce(a.n, 0) AS an, coalesce(b.n, 0) AS bn, a.doc AS adoc, b.doc AS bdoc
  FROM after_rerun AS a FULL JOIN now_staged AS b ON a.event_id = b.event_id AND a.event_created_at = b.event_created_at AND a.h = b.h
), keyed AS (
  SELECT event_id, event_created_at, sum(least(an, bn)) AS same, sum(an) - sum(least(an, bn)) AS a_left, sum(bn) - sum(least(an, bn)) AS b_left,
    max(CASE WHEN bn > an THEN bdoc END) AS before_doc, max(CASE WHEN an > bn THEN adoc END) AS after_doc
  FROM paired GROUP BY event_id, event_created_at
)
SELECT event_id, event_created_at, same::BIGINT AS same, least(a_left, b_left)::BIGINT AS changed,
  (a_left - least(a_left, b_left))::BIGINT AS added, (b_left - least(a_left, b_left))::BIGINT AS removed, before_doc, after_doc
FROM keyed`;
}

/**
 * A selection and an edit program in DuckDB's SQL: the `selected` and `edited` CTEs every update plan reads
 * and writes from. Paths are JSON pointers (RFC 6901: any key, dots and quotes included) bound as
 * parameters; values are parameters too, so nothing the operator typed is ever part of a statement's text.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import { checksOf, mergePatchable, programText, type EditProgram, type ProgramEdit } from '../json/editProgram.js';
import { parsePath, type JsonPath } from '../json/path.js';
import { parseJson, stringifyJson, type Json } from '../json/value.js';
import { valueColumns, type Condition, type Selection, type ValueColumn } from '../selection.js';
import { EVENT_COLUMN_NAMES } from '../model.js';
import { EDIT_FUNCTION } from './editFunction.js';
import { quoteIdent, quoteTable, type TableNames } from './names.js';
import { effectiveCte } from './stageSql.js';

/** Named parameters of one statement, added as the SQL is written. */
export class Params {
  readonly values: Record<string, DuckDBValue> = {};
  private n = 0;
  /** A fresh parameter; returns its reference ($name). */
  add(hint: string, value: DuckDBValue): string {
    const name = `${hint}_${this.n++}`;
    this.values[name] = value;
    return `$${name}`;
  }
  /** A parameter by a fixed name (the window, the event name). */
  set(name: string, value: DuckDBValue): string {
    this.values[name] = value;
    return `$${name}`;
  }
}

/** A path as a JSON pointer, the form DuckDB's json functions take any key in. */
export function pointer(path: JsonPath): string {
  return path.map((s) => `/${s.kind === 'index' ? String(s.index) : s.key.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

export const NUMERIC_TYPES = `('BIGINT', 'UBIGINT', 'DOUBLE', 'HUGEINT')`;

/** Integers beyond 2^53 compare by their digits: as doubles, neighbours would be equal. */
const isBigInteger = (text: string) => /^-?\d+$/.test(text) && !Number.isSafeInteger(Number(text));

/** `doc` at `ptr` equals the JSON scalar `json` (typed: "1" is not 1). */
export function jsonScalarEquals(doc: string, ptr: string, json: string, p: Params): string {
  const value = parseJson(json);
  // One parse of the document: the value at the path, as JSON text, against the string's JSON text as DuckDB
  // writes it (json() minifies with the same writer), so a string never equals a number or a boolean.
  if (typeof value === 'string') return `(json_extract(${doc}, ${ptr})::VARCHAR = json(${p.add('s', JSON.stringify(value))})::VARCHAR)`;
  if (typeof value === 'boolean') return `(json_type(${doc}, ${ptr}) = 'BOOLEAN' AND json_extract_string(${doc}, ${ptr}) = ${p.add('b', String(value))})`;
  if (value === null) return `(json_type(${doc}, ${ptr}) = 'NULL')`;
  const text = stringifyJson(value);
  if (isBigInteger(text)) return `(json_type(${doc}, ${ptr}) IN ${NUMERIC_TYPES} AND json_extract(${doc}, ${ptr})::VARCHAR = ${p.add('n', text)})`;
  return `(json_type(${doc}, ${ptr}) IN ${NUMERIC_TYPES} AND TRY_CAST(json_extract_string(${doc}, ${ptr}) AS DOUBLE) = ${doubleParam(p, text)})`;
}

/**
 * A number compared as DuckDB compares the document's (a DOUBLE). Bound as text and cast: the client binds an
 * integral JS number as BIGINT, which 1e21 does not fit.
 */
const doubleParam = (p: Params, text: string) => `CAST(${p.add('n', String(Number(text)))} AS DOUBLE)`;

function conditionSql(c: Condition, alias: string, p: Params): string {
  const doc = `${alias}.event_data`;
  if (c.on === 'data') {
    const ptr = p.add('path', pointer(parseJsonPath(c.path)));
    switch (c.op) {
      case 'missing':
        return `json_type(${doc}, ${ptr}) IS NULL`;
      case 'exists':
        return `json_type(${doc}, ${ptr}) IS NOT NULL`;
      case 'null':
        return `json_type(${doc}, ${ptr}) = 'NULL'`;
      case '=':
        return jsonScalarEquals(doc, ptr, c.values[0]!, p);
      case '!=':
        return `NOT coalesce(${jsonScalarEquals(doc, ptr, c.values[0]!, p)}, false)`;
      case 'in':
        return `(${c.values.map((v) => jsonScalarEquals(doc, ptr, v, p)).join(' OR ')})`;
      default:
        return `(json_type(${doc}, ${ptr}) IN ${NUMERIC_TYPES} AND TRY_CAST(json_extract_string(${doc}, ${ptr}) AS DOUBLE) ${c.op} ${doubleParam(p, c.values[0]!)})`;
    }
  }
  const column = `${alias}.${quoteIdent(c.column)}`;
  const value = (v: string) => (c.column === 'event_ingested_at' ? `${p.add('t', v)}::TIMESTAMP` : p.add('v', v));
  switch (c.op) {
    case 'null':
      return `${column} IS NULL`;
    case '=':
      return `${column} = ${value(c.values[0]!)}`;
    case '!=':
      return `${column} IS DISTINCT FROM ${value(c.values[0]!)}`;
    case 'in':
      return `${column} IN (${c.values.map(value).join(', ')})`;
    default:
      return `${column} ${c.op} ${value(c.values[0]!)}`;
  }
}

const parseJsonPath = (text: string) => parsePath(text);

/** The copy of an event_id that stands for it: first ingested (unknown ingestion last), then by created_at and content. */
export const FIRST_COPY =
  'QUALIFY row_number() OVER (PARTITION BY e.event_id ORDER BY e.event_ingested_at, e.event_created_at, CAST(e.event_data AS VARCHAR)) = 1';

/** The temporary tables a selection's keys and ids are loaded into (see engine.loadKeys). */
export const KEYS_TABLE = 'evfix_keys';
export const IDS_TABLE = 'evfix_ids';

/** The value columns' names in the `selected` CTE, v0, v1, ..., in the selection's order. */
export const valueName = (i: number) => `v${i}`;

/** A from-table's value column as JSON text, by its declared type. */
const tableValue = (alias: string, column: ValueColumn) =>
  column.type === 'json' ? `CAST(${alias}.${quoteIdent(column.name)} AS JSON)::VARCHAR` : `to_json(${alias}.${quoteIdent(column.name)})::VARCHAR`;

/** What makes two copies tie in FIRST_COPY's order before their documents: ingestion and creation time (NULLs hash alike). */
const TIE_KEY = 'hash(event_ingested_at, event_created_at)';

/** The temporary table of a selection's events, one narrow row each: filled by `standingCopiesSql`. */
export const SELECTED_TABLE = 'evfix_selected';

/**
 * The statements that fill SELECTED_TABLE with the events the selection holds: per event, the copy the stage
 * stands for (FIRST_COPY's order), with its table (is_exception) and row id (rid) there, its fingerprint hash,
 * and its value columns as JSON text (v0, v1, ...). Inline and file keys join the keys table; a from-table joins
 * that table.
 *
 * One version per event: the copies of an unresolved duplicate are one event, and the copy the stage stands for
 * is chosen before the conditions are asked, so a condition only a later copy meets does not select that copy
 * (the review would show one document and apply write another). Named keys pick their copy.
 *
 * Why three statements: ordering every copy by its document (FIRST_COPY's last key) made the window sort carry
 * a million documents, and cost as much as the rest of a plan. The first statement orders by the row's hash
 * instead, and marks the events whose first two copies tie on ingestion and creation time, the only ones the
 * hash can order differently; the second chooses those few again by their documents, and the third drops the
 * replaced rows and the events the conditions leave out. Without ties the second reads nothing.
 *
 * A tie is told by one hash of the two times, compared with the next copy's: equal times always hash alike, and
 * the rare unequal pair that hashed alike too is only chosen again exactly, by its documents. One window
 * function instead of three (the next copy's row id and both its times) made the sort's rows narrower.
 */
export function standingCopiesSql(
  t: TableNames,
  sel: Selection,
  p: Params,
  edits?: { program: EditProgram; facts: boolean },
): { label: string; sql: string }[] {
  const joins: string[] = [];
  const values: string[] = [];
  const keys = sel.keys;
  if (keys?.kind === 'table') {
    joins.push(`JOIN ${quoteTable(keys.table)} AS k ON k.event_id = e.event_id AND k.event_created_at = e.event_created_at`);
    for (const [i, c] of keys.columns.entries()) values.push(`${tableValue('k', c)} AS ${valueName(i)}`);
  } else if (keys) {
    joins.push(`JOIN ${KEYS_TABLE} AS k ON k.event_id = e.event_id AND k.event_created_at = e.event_created_at`);
    for (let i = 0; i < keys.columns.length; i++) values.push(`k.${valueName(i)}`);
  }
  const conditions = sel.conditions.map((c) => conditionSql(c, 'e', p));
  const matches = conditions.length ? conditions.join('\n      AND ') : 'true';
  const names = values.map((_, i) => `, ${valueName(i)}`).join('');
  // With edits, each copy is also edited (problem, unchanged) and, for a plan's facts, gives its values before
  // and after at each edited path: read from the document the scan has in hand, not in a pass of their own.
  const edited = edits ? editedCte(edits.program, valueColumns(sel), p, 'copies') : undefined;
  // The values after are kept only where they come from the edited document (evfix_edit's programs): otherwise
  // each is a constant or a value column the row has anyway, and the summary writes it (summaryAfterSql). A
  // column the window carries for a million rows costs its sort and its temporary table.
  const afterKept = edited && !edited.native;
  const editNames = edits
    ? ['problem', 'unchanged', ...(edits.facts ? edits.program.edits.flatMap((_, i) => (afterKept ? [`b${i}`, `a${i}`] : [`b${i}`])) : [])]
    : [];
  // The candidates: each copy, narrow; `only` limits them to some event_ids, `document` adds the exact order's key.
  const candidates = (only: string[], document: boolean) => `WITH ${effectiveCte(t, { rowids: true })},
copies AS (
  SELECT e.*${values.map((v) => `, ${v}`).join('')}
  FROM effective AS e${joins.map((j) => `\n  ${j}`).join('')}${only.length ? `\n  WHERE ${only.join(' AND ')}` : ''}
),${edited ? `\n${edited.sql},` : ''}
candidates AS (
  SELECT e.event_id, e.event_created_at, e.event_ingested_at, e.is_exception, e.rid${names}${editNames.map((n) => `, e.${n}`).join('')},
    ${rowHash('e', values.length)} AS row_hash,
    coalesce(${matches}, false) AS matches${document ? ',\n    CAST(e.event_data AS VARCHAR) AS document' : ''}
  FROM ${edited ? 'edited' : 'copies'} AS e
)`;
  const ids = sel.ids ? [`e.event_id IN (SELECT event_id FROM ${IDS_TABLE})`] : [];
  const narrow = `event_id, event_created_at, is_exception, rid${names}${editNames.map((n) => `, ${n}`).join('')}, row_hash, matches`;
  return [
    {
      label: "choose each event's standing copy",
      sql: `CREATE OR REPLACE TEMP TABLE ${SELECTED_TABLE} AS
${candidates(ids, false)}
SELECT ${narrow}, tied FROM (
  SELECT *, coalesce(next_time = ${TIE_KEY}, false) AS tied
  FROM (
    SELECT *, row_number() OVER w AS n, lead(${TIE_KEY}) OVER w AS next_time
    FROM candidates
    WINDOW w AS (PARTITION BY event_id ORDER BY event_ingested_at, event_created_at, row_hash)
  )
  WHERE n = 1
)
WHERE matches OR tied`,
    },
    {
      label: 'choose again, by their documents, where two copies tie',
      sql: `INSERT INTO ${SELECTED_TABLE}
${candidates([...ids, `e.event_id IN (SELECT event_id FROM ${SELECTED_TABLE} WHERE tied)`], true)}
SELECT ${narrow}, false AS tied FROM candidates
QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY event_ingested_at, event_created_at, document) = 1`,
    },
    { label: 'keep the events the selection holds', sql: `DELETE FROM ${SELECTED_TABLE} WHERE tied OR NOT matches` },
  ];
}

/**
 * `selected`: the selection's events (the rows of `from`, SELECTED_TABLE or a part of it) read again whole by
 * their row ids, with row_hash and the value columns; `changesOnly`, those the edits change (SELECTED_TABLE
 * made with edits). The window's bounds stay on each scan so DuckDB skips the row groups outside it.
 */
export function selectedCte(t: TableNames, sel: Selection, from = SELECTED_TABLE, changesOnly = false): string {
  const names = valueColumns(sel)
    .map((_, i) => `, s.${valueName(i)}`)
    .join('');
  const read = (
    table: string,
    a: string,
    exception: boolean,
  ) => `SELECT ${EVENT_COLUMN_NAMES.map((c) => `${a}.${c}`).join(', ')}, ${exception} AS is_exception, s.row_hash${names}
  FROM ${from} AS s JOIN ${quoteTable(table)} AS ${a} ON ${a}.rowid = s.rid
  WHERE ${exception ? '' : 'NOT '}s.is_exception${changesOnly ? ' AND s.problem IS NULL AND NOT s.unchanged' : ''} AND ${a}.event_name = $event_name AND ${a}.event_created_at >= $from AND ${a}.event_created_at < $until`;
  return `selected AS (
  ${read(t.events, 'e', false)}
  UNION ALL
  ${read(t.exceptions, 'c', true)}
)`;
}

/** The fingerprint of one effective row (and its per-row values): what apply re-reads to know nothing changed. */
export function rowHash(alias: string, valueCount: number): string {
  const cols = EVENT_COLUMN_NAMES.map((c) => (c === 'event_data' ? `CAST(${alias}.event_data AS VARCHAR)` : `${alias}.${c}`));
  for (let i = 0; i < valueCount; i++) cols.push(`${alias}.${valueName(i)}`);
  return `hash(${[...cols, `${alias}.is_exception`].join(', ')})`;
}

/** A JSON document holding each constant set's value and a null for each remove: one json_merge_patch does them all. */
function constantPatch(program: EditProgram): Json | undefined {
  let patch: Record<string, Json> | undefined;
  for (const edit of program.edits) {
    if (edit.op === 'set' && edit.source.kind === 'column') continue;
    patch ??= Object.create(null) as Record<string, Json>;
    let node = patch;
    edit.path.forEach((seg, i) => {
      const key = (seg as { key: string }).key;
      if (i === edit.path.length - 1) node[key] = edit.op === 'remove' ? null : parseJson((edit.source as { json: string }).json);
      else {
        node[key] ??= Object.create(null) as Record<string, Json>;
        node = node[key] as Record<string, Json>;
      }
    });
  }
  return patch;
}

/** A natively run edit's value after (JSON text; NULL for a remove): its constant, or the event's value column. */
function afterValueSql(edit: ProgramEdit, columns: readonly ValueColumn[], p: Params, alias: string): string {
  if (edit.op === 'remove') return 'NULL::VARCHAR';
  if (edit.source.kind === 'constant') return p.add('after', edit.source.json);
  const { column } = edit.source;
  return `${alias}.${valueName(columns.findIndex((c) => c.name === column))}`;
}

/**
 * Per edit, its value after as the plan's summary reads it from SELECTED_TABLE (as `alias`): the column `a<i>`
 * where standingCopiesSql kept one (evfix_edit's programs), else the constant or value column it comes from.
 */
export function summaryAfterSql(program: EditProgram, columns: readonly ValueColumn[], p: Params, alias: string): string[] {
  const types = Object.fromEntries(columns.map((c) => [c.name, c.type]));
  if (!mergePatchable(program, types)) return program.edits.map((_, i) => `${alias}.a${i}`);
  return program.edits.map((edit) => afterValueSql(edit, columns, p, alias));
}

export type EditedColumns = { problem: string; unchanged: string; after: string; before: string[]; afterAt: string[] };

/**
 * `edited`: each selected event with `problem` (a problem code, or NULL), `unchanged` (already as asked),
 * `after` (the new document) and, per edit, the value before and after at its path (JSON text; NULL where
 * missing) for the plan's summary. Programs json_merge_patch can run are done natively; the rest through
 * evfix_edit. A native `after` stays JSON-typed: made text and cast back to JSON for the insert, each of a
 * million documents was parsed once more only to be validated (0.10-0.16 s of the insert in DuckDB's profile).
 */
export function editedCte(program: EditProgram, columns: readonly ValueColumn[], p: Params, from = 'selected'): { sql: string; native: boolean } {
  const columnIndex = (name: string) => columns.findIndex((c) => c.name === name);
  const types = Object.fromEntries(columns.map((c) => [c.name, c.type]));
  const native = mergePatchable(program, types);
  const doc = 's.event_data';
  const pointers = program.edits.map((e) => p.add('ptr', pointer(e.path)));
  const before = pointers.map((ptr) => `json_extract(${doc}, ${ptr})::VARCHAR`);
  if (!native) {
    const valueObject = columns.length
      ? `json_object(${columns.map((c, i) => `${p.add('col', c.name)}, s.${valueName(i)}::JSON`).join(', ')})::VARCHAR`
      : 'NULL::VARCHAR';
    const r = `${EDIT_FUNCTION}(CAST(${doc} AS VARCHAR), ${p.add('program', programText(program))}, ${valueObject})`;
    const isDoc = `(r NOT IN ('=') AND NOT starts_with(r, '!'))`;
    return {
      native,
      sql: `edited AS (
  SELECT *,
    CASE WHEN starts_with(r, '!') THEN substr(r, 2) END AS problem,
    r = '=' AS unchanged,
    CASE WHEN ${isDoc} THEN r END AS after${before.map((b, i) => `,\n    ${b.replace(doc, 'event_data')} AS b${i}`).join('')}${pointers
      .map((ptr, i) => `,\n    CASE WHEN ${isDoc} THEN json_extract(r, ${ptr})::VARCHAR END AS a${i}`)
      .join('')}
  FROM (SELECT s.*, ${r} AS r FROM ${from} AS s)
)`,
    };
  }
  // Each json_* call parses the whole document: the root is told an object by its first character (JSON text
  // starts with "{" exactly when it is one), and parsed only to name what it is instead.
  const problems: string[] = [
    // JSON's whitespace named by code (chr), not written raw into the statement: the SQL is shown to operators.
    // Leading whitespace is trimmed only from a document that does not start with "{": ltrim copies every
    // document it is given, 0.37 s of a million in a scan of 0.3 s, and nearly every document starts so.
    `WHEN CASE WHEN starts_with(CAST(${doc} AS VARCHAR), '{') THEN false
           ELSE NOT coalesce(starts_with(ltrim(CAST(${doc} AS VARCHAR), ' ' || chr(9) || chr(10) || chr(13)), '{'), false) END
      THEN 'root:' || coalesce(json_type(${doc}), 'NULL')`,
  ];
  program.edits.forEach((edit, i) => {
    checksOf(edit).prefixes.forEach((q, j) => {
      // The root needing to be an object is the check above.
      if (q.path.length === 0 && q.needs === 'object') return;
      const ptr = p.add('ptr', pointer(q.path));
      const allowed = q.needs === 'object' ? `('OBJECT', 'NULL')` : `('ARRAY', 'NULL')`;
      problems.push(`WHEN json_type(${doc}, ${ptr}) NOT IN ${allowed} THEN 'e${i}q${j}:' || json_type(${doc}, ${ptr})`);
    });
    if (edit.op === 'remove') problems.push(`WHEN json_type(${doc}, ${pointers[i]}) IS NULL THEN 'e${i}missing'`);
  });
  const unchanged: string[] = [];
  const afterAt = program.edits.map((edit) => afterValueSql(edit, columns, p, 's'));
  program.edits.forEach((edit, i) => {
    if (edit.op === 'remove') unchanged.push('false');
    else if (edit.source.kind === 'constant') unchanged.push(`coalesce(${jsonScalarEquals(doc, pointers[i]!, edit.source.json, p)}, false)`);
    else unchanged.push(`coalesce(json_extract(${doc}, ${pointers[i]})::VARCHAR = s.${valueName(columnIndex(edit.source.column))}, false)`);
  });
  if (program.base !== undefined) unchanged.push(`coalesce(CAST(${doc} AS VARCHAR) = ${p.add('base', program.base)}, false)`);
  let after = program.base !== undefined ? `${p.add('base', program.base)}::JSON` : doc;
  const patch = constantPatch(program);
  if (patch && program.base === undefined) after = `json_merge_patch(${after}, ${p.add('patch', stringifyJson(patch))}::JSON)`;
  for (const edit of program.edits) {
    if (edit.op !== 'set' || edit.source.kind !== 'column') continue;
    let value = `s.${valueName(columnIndex(edit.source.column))}::JSON`;
    for (let i = edit.path.length - 1; i >= 0; i--) value = `json_object(${p.add('key', (edit.path[i] as { key: string }).key)}, ${value})`;
    after = `json_merge_patch(${after}, ${value})`;
  }
  return {
    native,
    sql: `edited AS (
  SELECT s.*,
    CASE ${problems.join('\n      ')} END AS problem,
    ${unchanged.length ? unchanged.join(' AND ') : 'false'} AS unchanged,
    ${after} AS after${before.map((b, i) => `,\n    ${b} AS b${i}`).join('')}${afterAt.map((a, i) => `,\n    ${a} AS a${i}`).join('')}
  FROM ${from} AS s
)`,
  };
}

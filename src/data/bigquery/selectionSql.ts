/**
 * A selection and an edit program in GoogleSQL: the `selected` and `edited` CTEs of update plans. Edits run as
 * BigQuery's own JSON_SET (create_if_missing => TRUE, as the runbook writes it) and JSON_REMOVE; paths and values
 * are parameters. The problem, unchanged and summary columns mean what the DuckDB engine's mean (see
 * duckdb/selectionSql.ts), computed with JSON_TYPE and JSON_QUERY.
 */
import { checksOf, type EditProgram } from '../json/editProgram.js';
import { formatPath, parsePath } from '../json/path.js';
import { parseJson, stringifyJson } from '../json/value.js';
import { EVENT_COLUMN_NAMES } from '../model.js';
import type { Condition, Selection, ValueColumn } from '../selection.js';
import { quoteIdent, quoteTable } from './names.js';
import * as p from './params.js';

export const KEYS_TABLE = 'evfix_keys';
export const valueName = (i: number) => `v${i}`;

/** Integers beyond 2^53 compare by their text: as FLOAT64, neighbours would be equal. */
const isBigInteger = (text: string) => /^-?\d+$/.test(text) && !Number.isSafeInteger(Number(text));

/** `doc` at path `path` equals the JSON scalar `json` (typed: "1" is not 1). */
export function jsonScalarEquals(doc: string, path: string, json: string, ps: p.Params): string {
  const value = parseJson(json);
  const type = `JSON_TYPE(JSON_QUERY(${doc}, ${path}))`;
  if (typeof value === 'string') return `(${type} = 'string' AND JSON_VALUE(${doc}, ${path}) = ${ps.add('s', (n) => p.string(n, value))})`;
  if (typeof value === 'boolean') return `(${type} = 'boolean' AND JSON_VALUE(${doc}, ${path}) = ${ps.add('b', (n) => p.string(n, String(value)))})`;
  if (value === null) return `(${type} = 'null')`;
  const text = stringifyJson(value);
  if (isBigInteger(text)) return `(${type} = 'number' AND JSON_VALUE(${doc}, ${path}) = ${ps.add('n', (n) => p.string(n, text))})`;
  return `(${type} = 'number' AND SAFE_CAST(JSON_VALUE(${doc}, ${path}) AS FLOAT64) = ${ps.add('n', (n) => p.float64(n, Number(text)))})`;
}

function conditionSql(c: Condition, alias: string, ps: p.Params): string {
  const doc = `${alias}.event_data`;
  if (c.on === 'data') {
    const path = ps.add('path', (n) => p.string(n, formatPath(parsePath(c.path))));
    const type = `JSON_TYPE(JSON_QUERY(${doc}, ${path}))`;
    switch (c.op) {
      case 'missing':
        return `JSON_QUERY(${doc}, ${path}) IS NULL`;
      case 'exists':
        return `JSON_QUERY(${doc}, ${path}) IS NOT NULL`;
      case 'null':
        return `${type} = 'null'`;
      case '=':
        return jsonScalarEquals(doc, path, c.values[0]!, ps);
      case '!=':
        return `NOT IFNULL(${jsonScalarEquals(doc, path, c.values[0]!, ps)}, FALSE)`;
      case 'in':
        return `(${c.values.map((v) => jsonScalarEquals(doc, path, v, ps)).join(' OR ')})`;
      default:
        return `(${type} = 'number' AND SAFE_CAST(JSON_VALUE(${doc}, ${path}) AS FLOAT64) ${c.op} ${ps.add('n', (n) => p.float64(n, Number(c.values[0])))})`;
    }
  }
  const column = `${alias}.${quoteIdent(c.column)}`;
  const value = (v: string) => (c.column === 'event_ingested_at' ? ps.add('t', (n) => p.timestamp(n, v)) : ps.add('v', (n) => p.string(n, v)));
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

/** Inline keys as an ARRAY<STRUCT> parameter: event_id, event_created_at and each value column as JSON text. */
export function keysParam(name: string, sel: Selection): p.QueryParameter {
  const keys = sel.keys!;
  const columns = keys.columns;
  const rows = keys.kind === 'keys' ? keys.rows : [];
  return {
    name,
    parameterType: {
      type: 'ARRAY',
      arrayType: {
        type: 'STRUCT',
        structTypes: [
          { name: 'event_id', type: { type: 'STRING' } },
          { name: 'event_created_at', type: { type: 'TIMESTAMP' } },
          ...columns.map((_, i) => ({ name: valueName(i), type: { type: 'STRING' as const } })),
        ],
      },
    },
    parameterValue: {
      arrayValues: rows.map((r) => ({
        structValues: {
          event_id: { value: r.event_id },
          event_created_at: { value: r.event_created_at },
          ...Object.fromEntries(columns.map((c, i) => [valueName(i), { value: r.values?.[c.name] ?? null }])),
        },
      })),
    },
  };
}

/** A value column as JSON: key files carry JSON text; a table's typed column goes to JSON_SET as it is. */
const valueAsJson = (alias: string, i: number, column: ValueColumn, fromTable: boolean) =>
  fromTable
    ? column.type === 'json'
      ? `${alias}.${quoteIdent(column.name)}`
      : `TO_JSON(${alias}.${quoteIdent(column.name)})`
    : `PARSE_JSON(${alias}.${valueName(i)})`;

/**
 * One version per event: the copies of an unresolved duplicate (as `e`) are one event, and the first ingested
 * stands for it (a copy of unknown ingestion time after those of known ones, as the embedded engine orders them).
 * GoogleSQL takes QUALIFY only after a WHERE, GROUP BY or HAVING.
 */
export const FIRST_COPY =
  'QUALIFY ROW_NUMBER() OVER (PARTITION BY e.event_id ORDER BY e.event_ingested_at NULLS LAST, e.event_created_at, TO_JSON_STRING(e.event_data)) = 1';

/**
 * `selected`: the effective events the selection holds, each value column as JSON (v0, v1, ...). Inline keys
 * join an array parameter, a large file's keys the session's temporary table, a from-table that table.
 */
export function selectedCte(sel: Selection, ps: p.Params): string {
  const joins: string[] = [];
  const values: string[] = [];
  const keys = sel.keys;
  const on = 'k.event_id = e.event_id AND k.event_created_at = e.event_created_at';
  if (keys?.kind === 'table') joins.push(`JOIN ${quoteTable(keys.table)} AS k ON ${on}`);
  else if (keys?.kind === 'file') joins.push(`JOIN ${KEYS_TABLE} AS k ON ${on}`);
  else if (keys) joins.push(`JOIN UNNEST(${ps.set(keysParam('keys', sel))}) AS k ON ${on}`);
  for (const [i, c] of (keys?.columns ?? []).entries()) values.push(`${valueAsJson('k', i, c, keys!.kind === 'table')} AS ${valueName(i)}`);
  const where = sel.conditions.map((c) => conditionSql(c, 'e', ps));
  // The copy that stands for the event is chosen before the conditions are asked (see the DuckDB engine's).
  return `selected AS (
  SELECT * FROM (
    SELECT e.*${values.map((v) => `, ${v}`).join('')}
    FROM effective AS e${joins.map((j) => `\n    ${j}`).join('')}
    WHERE ${sel.ids ? `e.event_id IN UNNEST(${ps.set(p.stringArray('ids', sel.ids))})` : 'TRUE'}
    ${FIRST_COPY}
  ) AS e${where.length ? `\n  WHERE ${where.join('\n    AND ')}` : ''}
)`;
}

/** One effective row's fingerprint (with its per-row values): what apply re-reads to know nothing changed. */
export function rowHash(alias: string, valueCount: number): string {
  const cols = EVENT_COLUMN_NAMES.map((c) => (c === 'event_data' ? `TO_JSON_STRING(${alias}.event_data)` : `${alias}.${c}`));
  for (let i = 0; i < valueCount; i++) cols.push(`TO_JSON_STRING(${alias}.${valueName(i)})`);
  return `FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(${[...cols, `${alias}.is_exception`].join(', ')})))`;
}

/** JSON as text, and SQL NULL as NULL (TO_JSON_STRING alone turns a missing value into the text null). */
const jsonText = (e: string) => `IF(${e} IS NULL, NULL, TO_JSON_STRING(${e}))`;

/**
 * `edited`: each selected event with `problem` (a code, or NULL), `unchanged` and `after` (the new document);
 * with `summary`, also per edit the value before and after at its path (JSON text; NULL where the path is
 * missing) for the plan's summary. Apply's script leaves the summary out.
 */
export function editedCte(program: EditProgram, columns: readonly ValueColumn[], ps: p.Params, summary = false): string {
  const doc = 's.event_data';
  const paths = program.edits.map((e) => ps.add('path', (n) => p.string(n, e.text)));
  const columnIndex = (name: string) => columns.findIndex((c) => c.name === name);
  const problems: string[] = [`WHEN IFNULL(JSON_TYPE(${doc}), 'null') <> 'object' THEN CONCAT('root:', IFNULL(JSON_TYPE(${doc}), 'null'))`];
  program.edits.forEach((edit, i) => {
    checksOf(edit).prefixes.forEach((q, j) => {
      const path = ps.add('path', (n) => p.string(n, q.text));
      const type = `JSON_TYPE(JSON_QUERY(${doc}, ${path}))`;
      problems.push(`WHEN ${type} NOT IN (${q.needs === 'object' ? "'object'" : "'array'"}, 'null') THEN CONCAT('e${i}q${j}:', ${type})`);
    });
    if (edit.op === 'remove') problems.push(`WHEN JSON_QUERY(${doc}, ${paths[i]}) IS NULL THEN 'e${i}missing'`);
  });
  const unchanged: string[] = [];
  const afterAt: (() => string)[] = [];
  const sets: string[] = [];
  const removes: string[] = [];
  program.edits.forEach((edit, i) => {
    if (edit.op === 'remove') {
      unchanged.push('FALSE');
      afterAt.push(() => 'CAST(NULL AS STRING)');
      removes.push(paths[i]!);
    } else if (edit.source.kind === 'constant') {
      const json = edit.source.json;
      // An object or an array is the same value when BigQuery writes both alike (it orders an object's keys),
      // as a value from a column is; a scalar is compared as a condition compares it.
      const composite = json.startsWith('{') || json.startsWith('['); // the edit's value as evfix writes JSON
      unchanged.push(
        composite
          ? `IFNULL(TO_JSON_STRING(JSON_QUERY(${doc}, ${paths[i]})) = TO_JSON_STRING(PARSE_JSON(${ps.add('same', (n) => p.string(n, json))})), FALSE)`
          : `IFNULL(${jsonScalarEquals(doc, paths[i]!, json, ps)}, FALSE)`,
      );
      afterAt.push(() => ps.add('after', (n) => p.string(n, json)));
      sets.push(`${paths[i]}, PARSE_JSON(${ps.add('value', (n) => p.string(n, json))})`);
    } else {
      const v = `s.${valueName(columnIndex(edit.source.column))}`;
      unchanged.push(`IFNULL(TO_JSON_STRING(JSON_QUERY(${doc}, ${paths[i]})) = TO_JSON_STRING(${v}), FALSE)`);
      afterAt.push(() => jsonText(v));
      sets.push(`${paths[i]}, ${v}`);
    }
  });
  let after = program.base !== undefined ? `PARSE_JSON(${ps.add('base', (n) => p.string(n, program.base!))})` : doc;
  if (program.base !== undefined) unchanged.push(`IFNULL(TO_JSON_STRING(${doc}) = TO_JSON_STRING(${after}), FALSE)`);
  if (removes.length) after = `JSON_REMOVE(${after}, ${removes.join(', ')})`;
  if (sets.length) after = `JSON_SET(${after}, ${sets.join(', ')}, create_if_missing => TRUE)`;
  return `edited AS (
  SELECT s.*,
    CASE ${problems.join('\n      ')} END AS problem,
    ${unchanged.length ? unchanged.join(' AND ') : 'FALSE'} AS unchanged,
    ${after} AS after${summary ? paths.map((path, i) => `,\n    ${jsonText(`JSON_QUERY(${doc}, ${path})`)} AS b${i},\n    ${afterAt[i]!()} AS a${i}`).join('') : ''}
  FROM selected AS s
)`;
}

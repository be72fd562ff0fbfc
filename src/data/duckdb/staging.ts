/**
 * Getting a plan's rows into DuckDB for set-based statements, at any plan
 * size. DuckDB's appender costs a native call per value, which made this most
 * of an apply's time, so:
 * - a column that holds the same value in every row (the event name, the
 *   description, a flag, a NULL) is bound once as a parameter;
 * - the other values travel packed, thousands of rows to a string bound as a
 *   parameter, and DuckDB splits them apart as it inserts. Each pack is split
 *   while the next is built, so the two cores share the work.
 * A value holding one of the separator characters (ASCII control characters
 * that JSON text cannot hold and no event carries in practice) is met with
 * PackCollision; the caller then starts over value by value. The rows written
 * are the same either way.
 */
import type { DuckDBAppender, DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { pacer, yieldToEventLoop } from '../slices.js';

export type StagedType = 'TIMESTAMP' | 'VARCHAR' | 'JSON' | 'BOOLEAN';

export type StageColumn<R> = {
  name: string;
  type: StagedType;
  value: (row: R) => string | boolean | null;
  /** Carried by every row however alike the rows are: a table needs a column to carry the row count. */
  perRow?: boolean;
};

type Params = Record<string, DuckDBValue>;

/** A value held a separator: nothing packed can be trusted, and the transaction must start over value by value. */
export class PackCollision extends Error {
  constructor(readonly table: string) {
    super(`a value staged for ${table} holds a separator character`);
  }
}

/** Between values, between rows, and standing alone for NULL: ASCII's unit, record and group separators. */
const UNIT = '\x1f';
const RECORD = '\x1e';
const NULL_MARK = '\x1d';
const SEPARATORS: Params = { unit: UNIT, record: RECORD, null_mark: NULL_MARK };
const ROWS_PER_PACK = 8192;

function occurrences(text: string, char: string): number {
  let n = 0;
  for (let at = text.indexOf(char); at !== -1; at = text.indexOf(char, at + 1)) n++;
  return n;
}

/**
 * Columns whose value is the same in every row. Column by column: a column
 * that varies is found out at its second row, so only the constant ones cost
 * a pass over the rows (in slices: 100,000 rows must not hold the screen).
 */
async function sameInEveryRow<R>(columns: readonly StageColumn<R>[], rows: readonly R[]): Promise<Set<StageColumn<R>>> {
  const same = new Set<StageColumn<R>>();
  if (rows.length === 0) return same;
  const pace = pacer();
  for (const column of columns) {
    if (column.perRow) continue;
    const value = column.value;
    const first = value(rows[0]!);
    let r = 1;
    for (; r < rows.length && value(rows[r]!) === first; r++) if (pace.due()) await pace.rest();
    if (r === rows.length) same.add(column);
  }
  return same;
}

/**
 * The SELECT naming every column in `columns`' order, from `from` (which has
 * the per-row ones) and parameters for the constant ones. Parameters are named
 * after `name` too: a statement reading several of these binds them all.
 */
function selectAll<R>(name: string, columns: readonly StageColumn<R>[], constant: Set<StageColumn<R>>, rows: readonly R[], from: string) {
  const params: Params = {};
  const select = columns.map((c) => {
    if (!constant.has(c)) return c.name;
    params[`${name}_${c.name}`] = c.value(rows[0]!);
    return `CAST($${name}_${c.name} AS ${c.type}) AS ${c.name}`;
  });
  return { select: `SELECT ${select.join(', ')} FROM ${from}`, params };
}

/** The rows of one pack, or PackCollision. `values` are the per-row columns' getters. */
async function pack<R>(name: string, values: readonly StageColumn<R>['value'][], rows: readonly R[], start: number, end: number, pace: ReturnType<typeof pacer>): Promise<string> {
  const lines: string[] = new Array(end - start);
  let nulls = 0;
  for (let r = start; r < end; r++) {
    let line = '';
    for (let c = 0; c < values.length; c++) {
      const v = values[c]!(rows[r]!);
      const text = v === null ? (nulls++, NULL_MARK) : typeof v === 'boolean' ? (v ? 'true' : 'false') : v;
      line = c === 0 ? text : line + UNIT + text;
    }
    lines[r - start] = line;
    if (pace.due()) await pace.rest();
  }
  // Joining and counting a pack's megabyte or so takes a few milliseconds: a turn of its own, not the end of a slice.
  await pace.rest();
  const packed = lines.join(RECORD);
  // Counted, not searched value by value: a count other than the one the packing put there means a value brought its own.
  if (
    occurrences(packed, UNIT) !== lines.length * (values.length - 1) ||
    occurrences(packed, RECORD) !== lines.length - 1 ||
    occurrences(packed, NULL_MARK) !== nulls
  ) {
    throw new PackCollision(name);
  }
  return packed;
}

/** Rows ready to insert packed: what is alike in every row found, and the first pack built. */
export type PackedRows = {
  /**
   * Inserts the rows with the statement `insert` makes of a SELECT of every
   * column by name (and its own `params`), pack by pack; returns the rows
   * inserted. Throws PackCollision, possibly after some packs went in: the
   * caller rolls the transaction back.
   */
  insert(conn: DuckDBConnection, insert: (select: string) => string, params: Params): Promise<number>;
};

/**
 * Gets `rows` ready to insert packed. Pure JS work that needs no connection,
 * so it can run while DuckDB answers a query (apply's fingerprint) on the one
 * the rows will go through. Throws PackCollision as the packing does.
 */
export async function packRows<R>(name: string, columns: readonly StageColumn<R>[], rows: readonly R[]): Promise<PackedRows> {
  if (rows.length === 0) return { insert: async () => 0 };
  const constant = await sameInEveryRow(columns, rows);
  const perRow = columns.filter((c) => !constant.has(c));
  const split = `(SELECT ${perRow.map((c, i) => `CAST(nullif(f[${i + 1}], $null_mark) AS ${c.type}) AS ${c.name}`).join(', ')}
  FROM (SELECT string_split(line, $unit) AS f FROM (SELECT unnest(string_split($pack, $record)) AS line)))`;
  const { select, params: constants } = selectAll(name, columns, constant, rows, split);
  const values = perRow.map((c) => c.value);
  const pace = pacer();
  const first = await pack(name, values, rows, 0, Math.min(ROWS_PER_PACK, rows.length), pace);
  return {
    async insert(conn, insert, params) {
      const statement = await conn.prepare(insert(select));
      let inserted = 0;
      let splitting: Promise<unknown> = Promise.resolve();
      try {
        for (let start = 0; start < rows.length; start += ROWS_PER_PACK) {
          const packed = start === 0 ? first : await pack(name, values, rows, start, Math.min(start + ROWS_PER_PACK, rows.length), pace);
          await splitting;
          // Binding copies the pack into DuckDB (several milliseconds): not in the same turn as the packing before it.
          await pace.rest();
          statement.bind({ ...params, ...constants, ...SEPARATORS, pack: packed });
          splitting = statement.run().then((r) => (inserted += r.rowsChanged));
          // Its failure is awaited (and thrown) with the next pack; meanwhile it must not count as unhandled.
          splitting.catch(() => undefined);
        }
        await splitting;
        return inserted;
      } finally {
        statement.destroySync();
      }
    },
  };
}

/** packRows, then insert: for callers with nothing to overlap. */
export async function insertPacked<R>(
  conn: DuckDBConnection,
  name: string,
  columns: readonly StageColumn<R>[],
  rows: readonly R[],
  insert: (select: string) => string,
  params: Params,
): Promise<number> {
  return (await packRows(name, columns, rows)).insert(conn, insert, params);
}

function append(a: DuckDBAppender, type: StagedType, v: string | boolean | null) {
  if (v === null) a.appendNull();
  else if (type === 'BOOLEAN') a.appendBoolean(v as boolean);
  else a.appendVarchar(v as string);
}

/**
 * Appends `rows` value by value to the temp table `table` (created or
 * replaced): the way that works for any value. Returns a SELECT of every
 * column by name, with its parameters. `table` and the column names are
 * evfix's own identifiers, never input.
 */
export async function stageRows<R>(conn: DuckDBConnection, table: string, columns: readonly StageColumn<R>[], rows: readonly R[]): Promise<{ select: string; params: Params }> {
  const constant = await sameInEveryRow(columns, rows);
  const perRow = columns.filter((c) => !constant.has(c));
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${table} (${perRow.map((c) => `${c.name} ${c.type}`).join(', ')})`);
  const a = await conn.createAppender(table, 'main', 'temp');
  const values = perRow.map((c) => c.value);
  const types = perRow.map((c) => c.type);
  const pace = pacer();
  for (const row of rows) {
    for (let c = 0; c < values.length; c++) append(a, types[c]!, values[c]!(row));
    a.endRow();
    if (pace.due()) await pace.rest();
  }
  a.closeSync();
  return selectAll(table, columns, constant, rows, table);
}

/**
 * The temp table `table` of `ids` (one column, event_id, each once), in one
 * parameter built in slices; PackCollision if an id holds the separator.
 */
export async function stageIdsPacked(conn: DuckDBConnection, table: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return void (await conn.run(`CREATE OR REPLACE TEMP TABLE ${table} (event_id VARCHAR)`));
  const parts: string[] = [];
  for (let start = 0; start < ids.length; start += ROWS_PER_PACK) {
    if (start) await yieldToEventLoop();
    const part = ids.slice(start, start + ROWS_PER_PACK);
    const packed = part.join(RECORD);
    if (occurrences(packed, RECORD) !== part.length - 1) throw new PackCollision(table);
    parts.push(packed);
  }
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${table} AS SELECT DISTINCT unnest(string_split($ids, $record)) AS event_id`, {
    ids: parts.join(RECORD),
    record: RECORD,
  });
}

/**
 * The emulator's warehouse: datasets with their locations, tables with
 * their schema, partitioning and rows, and a clock the test can set. Rows
 * are kept as ZetaSQL values so the evaluator reads exactly what was stored;
 * each row has a hidden id (the primary key UPDATE and DELETE report back)
 * and its insert time (ingestion-time partitioning's _PARTITIONTIME).
 */
import { civilFromDays, daysFromCivil, MICROS_PER_DAY, parseTimestamp } from './civil.js';
import { fieldType, restSchema, type SchemaField } from './types.js';
import { fromJs, isNull, timestampMicros, timestampValue, toJs, valueBytes, type JsValue, type TypeProto, type ValueProto } from './values.js';

export type PartitionUnit = 'DAY' | 'HOUR' | 'MONTH' | 'YEAR';
export type Partitioning = { type: PartitionUnit; field?: string };

export type Row = { id: number; cells: ValueProto[]; insertedAt: bigint };

export type Table = {
  temp: boolean;
  project: string;
  dataset: string;
  name: string;
  schema: SchemaField[];
  types: TypeProto[];
  rows: Row[];
  partitioning?: Partitioning;
  requirePartitionFilter: boolean;
  creationTime: bigint;
  lastModifiedTime: bigint;
  /** Bumped by every committed change; a transaction that wrote a table whose version moved is aborted. */
  version: number;
};

export type TableDefinition = {
  path: string;
  schema: SchemaField[];
  rows?: Record<string, unknown>[];
  partitioning?: Partitioning;
  requirePartitionFilter?: boolean;
};

export type Dataset = { project: string; id: string; location: string; creationTime: bigint };

export const tablePath = (t: Pick<Table, 'project' | 'dataset' | 'name'>) => `${t.project}.${t.dataset}.${t.name}`;

/** US and EU are multi-regions (upper case); regions are lower case, as BigQuery prints them. */
export const canonicalLocation = (location: string) => (/^(us|eu)$/i.test(location) ? location.toUpperCase() : location.toLowerCase());

const truncate = (micros: bigint, unit: PartitionUnit): bigint => {
  const days = micros >= 0n ? micros / MICROS_PER_DAY : -((-micros + MICROS_PER_DAY - 1n) / MICROS_PER_DAY);
  if (unit === 'HOUR') return micros - (((micros % 3_600_000_000n) + 3_600_000_000n) % 3_600_000_000n);
  if (unit === 'DAY') return days * MICROS_PER_DAY;
  const [y, m] = civilFromDays(Number(days));
  return BigInt(daysFromCivil(y, unit === 'MONTH' ? m : 1, 1)) * MICROS_PER_DAY;
};

/** The start of the partition a row lives in (micros), or null for the __NULL__ partition. */
export function partitionOf(table: Table, row: Row): bigint | null {
  const p = table.partitioning!;
  if (!p.field) return truncate(row.insertedAt, p.type);
  const i = table.schema.findIndex((f) => f.name === p.field);
  const cell = row.cells[i];
  if (!cell || isNull(cell)) return null;
  const micros = cell.dateValue !== undefined ? BigInt(cell.dateValue) * MICROS_PER_DAY : timestampMicros(cell);
  return truncate(micros, p.type);
}

/** The partition after the one starting at `start`. */
export function nextPartition(start: bigint, unit: PartitionUnit): bigint {
  if (unit === 'HOUR') return start + 3_600_000_000n;
  if (unit === 'DAY') return start + MICROS_PER_DAY;
  const [y, m] = civilFromDays(Number(start / MICROS_PER_DAY));
  const next = unit === 'MONTH' ? (m === 12 ? [y + 1, 1] : [y, m + 1]) : [y + 1, 1];
  return BigInt(daysFromCivil(next[0]!, next[1]!, 1)) * MICROS_PER_DAY;
}

/** Pseudo-columns of an ingestion-time partitioned table, in catalog order. */
export const pseudoColumns = (t: Table): { name: string; type: TypeProto }[] =>
  t.partitioning && !t.partitioning.field
    ? [
        { name: '_PARTITIONTIME', type: { typeKind: 'TYPE_TIMESTAMP' } },
        { name: '_PARTITIONDATE', type: { typeKind: 'TYPE_DATE' } },
      ]
    : [];

export const pseudoValues = (t: Table, row: Row): ValueProto[] => {
  if (!pseudoColumns(t).length) return [];
  const start = partitionOf(t, row)!;
  return [timestampValue(start), { dateValue: Number(start / MICROS_PER_DAY) }];
};

export const rowBytes = (t: Table, row: Row, columns?: ReadonlySet<number>) =>
  row.cells.reduce((n, cell, i) => (columns && !columns.has(i) ? n : n + valueBytes(t.types[i]!, cell)), 0);

export class Store {
  readonly datasets = new Map<string, Dataset>();
  readonly tables = new Map<string, Table>();
  private nextRowId = 1;
  /** Microseconds since the epoch; undefined follows the machine's clock. */
  private fixedNow?: bigint;

  constructor(
    readonly project: string,
    /** Canonical JSON text of each JSON value, through ZetaSQL (BigQuery stores JSON normalised). */
    readonly canonicalJson: (texts: string[]) => Promise<string[]>,
  ) {}

  now(): bigint {
    return this.fixedNow ?? BigInt(Date.now()) * 1000n;
  }
  nowMs(): bigint {
    return this.now() / 1000n;
  }
  setNow(time: string | bigint | undefined) {
    this.fixedNow = time === undefined ? undefined : typeof time === 'bigint' ? time : parseTimestamp(time);
  }

  rowId() {
    return this.nextRowId++;
  }

  addDataset(project: string, id: string, location: string) {
    this.datasets.set(`${project}.${id}`, { project, id, location: canonicalLocation(location), creationTime: this.nowMs() });
  }

  dataset(project: string, id: string): Dataset | undefined {
    return this.datasets.get(`${project}.${id}`);
  }

  newTable(
    project: string,
    dataset: string,
    name: string,
    schema: SchemaField[],
    temp: boolean,
    options: Pick<TableDefinition, 'partitioning' | 'requirePartitionFilter'> = {},
  ): Table {
    const now = this.nowMs();
    const table: Table = {
      temp,
      project,
      dataset,
      name,
      schema: schema.map((f) => ({ ...f })),
      types: schema.map(fieldType),
      rows: [],
      partitioning: options.partitioning,
      requirePartitionFilter: Boolean(options.requirePartitionFilter),
      creationTime: now,
      lastModifiedTime: now,
      version: 0,
    };
    if (options.partitioning?.field) {
      const f = schema.find((c) => c.name === options.partitioning!.field);
      if (!f || !/^(TIMESTAMP|DATE|DATETIME)$/i.test(f.type))
        throw new Error(`bigquery emulator: partitioning column ${options.partitioning.field} must be a TIMESTAMP, DATE or DATETIME column of ${name}`);
    }
    if (options.requirePartitionFilter && !options.partitioning) throw new Error(`bigquery emulator: requirePartitionFilter needs partitioning (${name})`);
    return table;
  }

  async createTable(def: TableDefinition): Promise<Table> {
    const [project, dataset, name, ...rest] = def.path.split('.');
    if (!project || !dataset || !name || rest.length) throw new Error(`bigquery emulator: table path must be project.dataset.table, got ${def.path}`);
    if (!this.dataset(project, dataset))
      throw new Error(`bigquery emulator: dataset ${project}.${dataset} is not declared (datasets: { ${dataset}: { location } })`);
    const table = this.newTable(project, dataset, name, def.schema, false, def);
    this.tables.set(def.path, table);
    if (def.rows?.length) await this.insertRows(def.path, def.rows);
    return table;
  }

  table(path: string): Table {
    const t = this.tables.get(path);
    if (!t) throw new Error(`bigquery emulator: no table ${path}`);
    return t;
  }

  /** Rows of test values as stored rows: types checked, JSON normalised as BigQuery stores it. */
  async toRows(table: Table, rows: readonly Record<string, unknown>[], insertedAt = this.now()): Promise<Row[]> {
    const names = new Set(table.schema.map((f) => f.name));
    const cells = rows.map((row, r) => {
      for (const k of Object.keys(row))
        if (!names.has(k) && k !== '_PARTITIONTIME') throw new Error(`bigquery emulator: ${tablePath(table)} has no column ${k} (row ${r})`);
      return table.schema.map((f, i) => {
        if (f.mode === 'REQUIRED' && (row[f.name] === null || row[f.name] === undefined))
          throw new Error(`bigquery emulator: ${f.name} of ${tablePath(table)} is REQUIRED (row ${r})`);
        try {
          return fromJs(table.types[i]!, row[f.name]);
        } catch (e) {
          throw new Error(`bigquery emulator: ${tablePath(table)}.${f.name} (row ${r}): ${(e as Error).message}`);
        }
      });
    });
    const json = cells.flatMap((row) => row.filter((c) => c.jsonValue !== undefined));
    const canonical = await this.canonicalJson(json.map((c) => c.jsonValue!));
    for (const [i, c] of json.entries()) c.jsonValue = canonical[i];
    return cells.map((c, r) => ({
      id: this.rowId(),
      cells: c,
      insertedAt: typeof rows[r]!._PARTITIONTIME === 'string' ? parseTimestamp(rows[r]!._PARTITIONTIME as string) : insertedAt,
    }));
  }

  /** Appends rows as a streaming insert or load would (a committed change: version and lastModifiedTime move). */
  async insertRows(path: string, rows: readonly Record<string, unknown>[]) {
    const table = this.table(path);
    const stored = await this.toRows(table, rows);
    this.commit(table, [...table.rows, ...stored]);
  }

  commit(table: Table, rows: Row[]) {
    table.rows = rows;
    table.version++;
    table.lastModifiedTime = this.nowMs();
  }

  rowsOf(table: Table): Record<string, JsValue>[] {
    return table.rows.map((row) => Object.fromEntries(table.schema.map((f, i) => [f.name, toJs(table.types[i]!, row.cells[i])])));
  }

  numBytes(table: Table) {
    return table.rows.reduce((n, r) => n + rowBytes(table, r), 0);
  }

  /** tables.get: the REST Table resource. */
  tableResource(table: Table) {
    const dataset = this.dataset(table.project, table.dataset)!;
    return {
      kind: 'bigquery#table',
      etag: `"${table.version}"`,
      id: `${table.project}:${table.dataset}.${table.name}`,
      selfLink: `/bigquery/v2/projects/${table.project}/datasets/${table.dataset}/tables/${table.name}`,
      tableReference: { projectId: table.project, datasetId: table.dataset, tableId: table.name },
      schema: { fields: restSchema(table.schema) },
      ...(table.partitioning
        ? { timePartitioning: { type: table.partitioning.type, ...(table.partitioning.field ? { field: table.partitioning.field } : {}) } }
        : {}),
      ...(table.requirePartitionFilter ? { requirePartitionFilter: true } : {}),
      numBytes: String(this.numBytes(table)),
      numLongTermBytes: '0',
      numRows: String(table.rows.length),
      creationTime: String(table.creationTime),
      lastModifiedTime: String(table.lastModifiedTime),
      type: 'TABLE',
      location: dataset.location,
    };
  }

  datasetResource(d: Dataset) {
    return {
      kind: 'bigquery#dataset',
      etag: '"1"',
      id: `${d.project}:${d.id}`,
      selfLink: `/bigquery/v2/projects/${d.project}/datasets/${d.id}`,
      datasetReference: { projectId: d.project, datasetId: d.id },
      creationTime: String(d.creationTime),
      lastModifiedTime: String(d.creationTime),
      location: d.location,
      type: 'DEFAULT',
    };
  }
}

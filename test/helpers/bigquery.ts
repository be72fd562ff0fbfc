/**
 * A BigQuery-configured evfix whose client talks to the BigQuery emulator (bigqueryEmulator.ts): the SQL the
 * engine sends really runs, on ZetaSQL's reference evaluator, against the production schema — the three tables
 * partitioned by day on event_created_at with require_partition_filter, the audit table, the demo stage tables —
 * in datasets of one region (europe-west1 unless asked), so a job looked up without its location is not found.
 */
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { BigqueryEngine, bigqueryTables } from '../../src/data/bigquery/engine.js';
import type { QueryParameter } from '../../src/data/bigquery/params.js';
import { ConfigSchema, DEMO_STAGES, type Config } from '../../src/data/config.js';
import { Journal } from '../../src/data/journal.js';
import type { EventRow, StoredException, StoredExclusion } from '../../src/data/model.js';
import type { Context } from '../../src/data/operations/context.js';
import { createService, type Service } from '../../src/data/service/service.js';
import { parseTimestamp } from '../../src/data/timestamp.js';
import { productionTables } from './bigqueryTables.js';
import { startBigqueryEmulator, type BigqueryEmulator, type EmulatorTable } from './bigqueryEmulator.js';
import { NOW, tempDir } from './warehouse.js';

export const PROJECT = 'dw-prod-gwiiag';
export const REGION = 'europe-west1';

const emulators: BigqueryEmulator[] = [];
afterEach(async () => {
  for (const e of emulators.splice(0)) await e.close();
});

type BigqueryConfig = Config & { engine: { type: 'bigquery' } };

export type TestBigquery = {
  bq: BigqueryEmulator;
  engine: BigqueryEngine;
  ctx: Context;
  service: Service;
  journal: Journal;
  config: BigqueryConfig;
  /** Every statement the engine sent (reads, facts, apply and rerun scripts), with its parameters. */
  statements: { sql: string; params: QueryParameter[] }[];
  /** The full paths of the tables, as the engine names them. */
  tables: { events: string; exceptions: string; exclusions: string; audit: string; approvals: string; stage: (name: string) => string };
};

export type MakeBigquery = {
  /** engine settings over the defaults (location, maximum_bytes_billed, thresholds...). */
  engine?: Record<string, unknown>;
  /** Config fields over the defaults (stages, lookback_days...). */
  config?: Partial<Config>;
  /** Where the datasets are (default europe-west1). */
  location?: string;
  /** Leave `engine.location` out of the config: the engine must find it. */
  noLocation?: boolean;
  pageSize?: number;
  /** Rows already in the warehouse. */
  events?: EventRow[];
  /** The tables the emulator starts with, from the production ones (a test that needs one missing or wrong). */
  tables?: (production: EmulatorTable[]) => EmulatorTable[];
};

export { productionTables };

export async function makeBigquery(options: MakeBigquery = {}): Promise<TestBigquery> {
  const location = options.location ?? REGION;
  const bq = await startBigqueryEmulator({
    project: PROJECT,
    datasets: { kinesis: { location }, s3: { location }, stage: { location } },
    pageSize: options.pageSize,
  });
  emulators.push(bq);
  const config = {
    ...ConfigSchema.parse({
      engine: {
        type: 'bigquery',
        project: PROJECT,
        ...(options.noLocation ? {} : { location }),
        maximum_bytes_billed: 5_000_000_000,
        api_endpoint: bq.endpoint,
        ...options.engine,
      },
      stages: DEMO_STAGES,
    }),
    source: 'test',
    ...options.config,
  } as BigqueryConfig;
  const t = bigqueryTables(config);
  const production = productionTables(t, config.stages);
  for (const table of options.tables?.(production) ?? production) await bq.createTable(table);
  const now = parseTimestamp(NOW);
  const statements: TestBigquery['statements'] = [];
  const engine = new BigqueryEngine(config, () => now, {
    authClient: bq.authClient,
    sleep: async () => undefined,
    retryOptions: { maxRetryDelay: 0.01 },
    onSql: (sql, params) => statements.push({ sql, params: [...params] }),
  });
  const ctx: Context = { config, engine, now: () => now, operator: 'tester' };
  const journal = new Journal(join(tempDir(), 'state', 'journal.jsonl'));
  const tables = {
    events: t.events,
    exceptions: t.exceptions,
    exclusions: t.exclusions,
    audit: t.audit,
    approvals: t.approvals,
    stage: (name: string) => `${t.stageDataset}.${name}`,
  };
  const made: TestBigquery = { bq, engine, ctx, service: createService(ctx, journal), journal, config, statements, tables };
  if (options.events?.length) await insertEvents(made, options.events);
  return made;
}

/** Originals into kinesis.backend_events (event_data as JSON text, timestamps canonical). */
export const insertEvents = (t: TestBigquery, rows: readonly EventRow[]) =>
  t.bq.insertRows(
    t.tables.events,
    rows.map((r) => ({ ...r })),
  );

export const insertExceptions = (t: TestBigquery, rows: readonly StoredException[]) =>
  t.bq.insertRows(
    t.tables.exceptions,
    rows.map((r) => ({ ...r })),
  );

export const insertExclusions = (t: TestBigquery, rows: readonly StoredExclusion[]) =>
  t.bq.insertRows(
    t.tables.exclusions,
    rows.map((r) => ({ ...r })),
  );

/** How many rows each of the three tables holds. */
export function tableCounts(t: TestBigquery) {
  return { events: t.bq.rows(t.tables.events).length, exceptions: t.bq.rows(t.tables.exceptions).length, exclusions: t.bq.rows(t.tables.exclusions).length };
}

/** The value of a named scalar parameter as sent. */
export const paramValue = (params: readonly QueryParameter[], name: string) => params.find((p) => p.name === name)?.parameterValue.value;

/** A small deterministic PRNG (mulberry32): the same seed, the same warehouse. */
export function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]! };
}

export type WarehouseRows = { originals: EventRow[]; exceptions: StoredException[]; exclusions: StoredExclusion[] };

const two = (n: number) => String(n).padStart(2, '0');
const micros6 = (n: number) => String(n).padStart(6, '0');

/**
 * A random-ish warehouse around NOW (2026-03-15): `events` RemittanceWasSent originals over the last two weeks
 * (and a few older than any lookback), some CardWasShipped ones, duplicate groups (2-3 copies, each copy
 * ingested at its own time, some identical, some not), latest-exception corrections, exclusions, documents
 * whose `$.meta` is a number (an edit through it is a problem), missing fields and null ingestion times.
 * Every event_id is a UUID made from the seed.
 */
export function randomWarehouse(seed: number, events = 300): WarehouseRows {
  const r = random(seed);
  let n = 0;
  const id = () => `${(seed & 0xffff).toString(16).padStart(8, '0')}-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}`;
  const originals: EventRow[] = [];
  const exceptions: StoredException[] = [];
  const exclusions: StoredExclusion[] = [];
  const doc = (i: number) => {
    const d: Record<string, unknown> = { remittance_id: `rm_${r.int(events / 3)}` };
    if (r.next() < 0.9) d.Status = r.pick(['Pending', 'Pending', 'Sent', 'Failed']);
    d.amount = r.next() < 0.5 ? r.int(500) : Math.round(r.next() * 50_000) / 100;
    if (r.next() < 0.8) d.currency = r.pick(['PLN', 'EUR', 'GBP']);
    const m = r.next();
    if (m < 0.1) d.meta = 5;
    else if (m < 0.3) d.meta = { a: i % 7, tags: ['x', i % 3] };
    return JSON.stringify(d);
  };
  for (let i = 0; i < events; i++) {
    const old = r.next() < 0.03;
    const day = old ? `2026-02-${two(10 + r.int(10))}` : `2026-03-${two(2 + r.int(13))}`;
    const created = `${day} ${two(r.int(24))}:${two(r.int(60))}:${two(r.int(60))}.${micros6(r.int(1_000_000))}`;
    const card = r.next() < 0.1;
    const base: EventRow = {
      event_created_at: created,
      event_id: id(),
      event_name: card ? 'CardWasShipped' : 'RemittanceWasSent',
      user_id: r.next() < 0.9 ? `user-${r.int(40)}` : null,
      event_external_reference_id: r.next() < 0.3 ? `ext-${r.int(1000)}` : null,
      event_advisor_id: null,
      event_data: card ? JSON.stringify({ shipment_id: `sh_${r.int(50)}`, carrier: r.pick(['DHL', 'UPS']) }) : doc(i),
      event_ingested_at: `${day} 23:${two(r.int(60))}:00.${micros6(i)}`,
    };
    const u = r.next();
    if (u < 0.08) {
      // An unresolved duplicate: later copies, each ingested at its own time, the same or another document.
      const copies = 2 + r.int(2);
      // Now and then the first copy came without an ingestion time.
      originals.push(r.next() < 0.2 ? { ...base, event_ingested_at: null } : base);
      for (let c = 1; c < copies; c++) {
        originals.push({ ...base, event_ingested_at: `${day} 23:59:${two(c)}.${micros6(i)}`, event_data: r.next() < 0.5 ? base.event_data : doc(i + c) });
      }
      continue;
    }
    if (u < 0.1) originals.push({ ...base, event_ingested_at: null });
    else originals.push(base);
    const x = r.next();
    if (x < 0.06 && !card) {
      // Corrected: one or two exception rows, the latest wins.
      for (let k = 0; k < 1 + r.int(2); k++) {
        exceptions.push({
          ...base,
          event_data: doc(i + 100 + k),
          exception_added_timestamp: `2026-03-14 0${k}:00:00.000000`,
          exception_description: `earlier fix ${k}`,
          is_event_update: true,
        });
      }
    } else if (x < 0.1) {
      exclusions.push({
        event_created_at: base.event_created_at,
        event_id: base.event_id,
        event_name: base.event_name,
        exclusion_added_timestamp: '2026-03-14 00:00:00.000000',
        exclusion_description: 'earlier exclusion',
      });
    }
  }
  return { originals, exceptions, exclusions };
}

/** Loads rows into the emulator's tables. */
export async function loadRows(t: TestBigquery, rows: WarehouseRows) {
  if (rows.originals.length) await insertEvents(t, rows.originals);
  if (rows.exceptions.length) await insertExceptions(t, rows.exceptions);
  if (rows.exclusions.length) await insertExclusions(t, rows.exclusions);
}

/** Every table of the datasets, temporary ones aside (asked of INFORMATION_SCHEMA, as a job). */
export async function tablesOf(t: TestBigquery): Promise<string[]> {
  const out: string[] = [];
  for (const dataset of ['kinesis', 's3', 'stage']) {
    const rows = await t.engine.client.read(`SELECT table_name FROM \`${PROJECT}.${dataset}.INFORMATION_SCHEMA.TABLES\``, [], 'listing tables');
    out.push(...rows.map((r) => `${dataset}.${r.table_name}`));
  }
  return out.sort();
}

/** The parameters a job was sent with, in evfix's own type (the emulator keeps them as the REST request had them). */
export const sentParams = (job: { params: readonly unknown[] }) => job.params as unknown as QueryParameter[];

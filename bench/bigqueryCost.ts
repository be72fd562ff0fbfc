/**
 * BigQuery cost, measured at the BigQuery emulator (there is no cloud here; the emulator runs the SQL evfix
 * sends on ZetaSQL's reference evaluator, against the production schema):
 *
 * - traffic: the bytes a predicate plan and its apply send and receive, at two sizes of selection. Rows never
 *   travel, so the bytes must not grow with the row count (the figure is the growth, held to 2%), and stay
 *   under 1 MB. The emulator evaluates every row in JavaScript, so the sizes are thousands, not millions: a
 *   1M-event plan sends what these send, which the growth figure is there to show;
 * - no load job and no permanent table, for any operation;
 * - every read of a partitioned table bounds event_created_at by parameters, so a dry run scans only the
 *   window's partitions. The report lists which statements scan what.
 */
import { BigqueryEngine, bigqueryTables } from '../src/data/bigquery/engine.js';
import type { QueryParameter } from '../src/data/bigquery/params.js';
import { ConfigSchema, DEMO_STAGES, type Config } from '../src/data/config.js';
import type { Context } from '../src/data/operations/context.js';
import { createService, type Service } from '../src/data/service/service.js';
import { startBigqueryEmulator, type BigqueryEmulator } from '../test/helpers/bigqueryEmulator.js';
import { productionTables } from '../test/helpers/bigqueryTables.js';
import { clock } from './lib/events.js';
import type { Figure } from './report.js';

export type ScanLine = { statement: string; table: string; bound: string | null };

const PROJECT = 'dw-prod-gwiiag';
const REGION = 'europe-west1';
const STAGE = 'remittance_was_sent_event';

type Warehouse = { bq: BigqueryEmulator; service: Service; statements: string[]; tables: ReturnType<typeof bigqueryTables> };

async function warehouse(matching: number): Promise<Warehouse> {
  const bq = await startBigqueryEmulator({
    project: PROJECT,
    datasets: { kinesis: { location: REGION }, s3: { location: REGION }, stage: { location: REGION } },
  });
  const config = {
    ...ConfigSchema.parse({
      engine: { type: 'bigquery', project: PROJECT, location: REGION, api_endpoint: bq.endpoint, maximum_bytes_billed: 5_000_000_000 },
      stages: DEMO_STAGES,
    }),
    source: 'bench',
  } as Config & { engine: { type: 'bigquery' } };
  const tables = bigqueryTables(config);
  for (const table of productionTables(tables, config.stages)) await bq.createTable(table);
  const statements: string[] = [];
  const engine = new BigqueryEngine(config, clock, {
    authClient: bq.authClient,
    sleep: async () => undefined,
    retryOptions: { maxRetryDelay: 0.01 },
    onSql: (sql: string, _params: readonly QueryParameter[]) => statements.push(sql),
  });
  const ctx: Context = { config, engine, now: clock, operator: 'bench' };
  // Pending remittances over the twelve days before the bench's clock, one per second of a day's hours.
  const rows = Array.from({ length: matching }, (_, i) => {
    const day = String(18 + (i % 12)).padStart(2, '0');
    const second = Math.floor(i / 12);
    const time = `${String(Math.floor(second / 3600) % 24).padStart(2, '0')}:${String(Math.floor(second / 60) % 60).padStart(2, '0')}:${String(second % 60).padStart(2, '0')}`;
    const id = i.toString(16).padStart(12, '0');
    return {
      event_created_at: `2026-03-${day} ${time}.000000`,
      event_id: `00000000-0000-4000-8000-${id}`,
      event_name: 'RemittanceWasSent',
      user_id: `user-${i % 500}`,
      event_external_reference_id: null,
      event_advisor_id: null,
      event_data: JSON.stringify({ remittance_id: `rm_${i}`, Status: 'Pending', amount: 100 + (i % 7) }),
      event_ingested_at: `2026-03-${day} ${time}.500000`,
    };
  });
  await bq.insertRows(tables.events, rows);
  return { bq, service: createService(ctx), statements, tables };
}

/** Bytes sent and received for one predicate plan and its apply. */
async function planTraffic(matching: number) {
  const w = await warehouse(matching);
  try {
    w.bq.traffic.reset();
    const plan = await w.service.call('makePlan', {
      op: 'update',
      stage: STAGE,
      selection: { where: ['$.Status="Pending"'], lookbackDays: 30 },
      edits: [{ op: 'set', path: '$.Status', value: '"Failed"', createIfMissing: true }],
      description: 'bench update',
    });
    const applied = await w.service.call('applyPlan', { plan: plan.id });
    if (applied.written.exceptions !== matching) throw new Error(`bench: the BigQuery plan wrote ${applied.written.exceptions} of ${matching} rows`);
    return { bytes: w.bq.traffic.bytesIn + w.bq.traffic.bytesOut, loads: w.bq.jobs.filter((j) => j.type === 'LOAD').length, permanent: permanentTables(w) };
  } finally {
    await w.bq.close();
  }
}

/** CREATE TABLE statements that are not of session temp tables. */
const permanentTables = (w: Warehouse) =>
  w.statements.flatMap((s) => s.split(/;\n/)).filter((s) => /CREATE\s+(OR\s+REPLACE\s+)?TABLE/i.test(s) && !/TEMP(ORARY)?\s+TABLE/i.test(s)).length;

/** Every read operation once, and which statement scans which partitioned table with which bounds. */
async function readScans(): Promise<{ scans: ScanLine[]; loads: number; permanent: number }> {
  const w = await warehouse(50);
  try {
    const s = w.service;
    await s.call('stageSummary', { stage: STAGE });
    const groups = await s.call('duplicateGroups', { stage: STAGE });
    await s.call('groupCopies', { stage: STAGE, eventIds: groups.slice(0, 1).map((g) => g.event_id) });
    await s.call('businessKeyGroups', { stage: STAGE, path: '$.remittance_id' });
    await s.call('lookup', { eventId: '00000000-0000-4000-8000-000000000001' });
    await s.call('lookup', { eventId: '00000000-0000-4000-8000-000000000001', createdAt: '2026-03-19 00:00:00.000000' });
    const dedupe = await s.call('makePlan', { op: 'dedupe', stage: STAGE, lookbackDays: 30 }).catch(() => undefined);
    if (dedupe) await s.call('applyPlan', { plan: dedupe.id });
    await s.call('rerun', { stage: STAGE, offset: 14 });
    const scans: ScanLine[] = [];
    const seen = new Set<string>();
    for (const statement of w.statements.flatMap((q) => q.split(/;\n/))) {
      for (const table of [w.tables.events, w.tables.exceptions, w.tables.exclusions]) {
        for (const m of statement.matchAll(new RegExp(`\`${table.replace(/\./g, '\\.')}\` AS (\\w+)`, 'g'))) {
          const bound = new RegExp(`${m[1]}\\.event_created_at >= (@\\w+)(?: AND ${m[1]}\\.event_created_at < (@\\w+))?`).exec(statement);
          const line = {
            statement: statement.trim().split('\n')[0]!.slice(0, 60),
            table,
            bound: bound ? `${bound[1]}${bound[2] ? ` .. ${bound[2]}` : ''}` : null,
          };
          const key = JSON.stringify(line);
          if (!seen.has(key)) {
            seen.add(key);
            scans.push(line);
          }
        }
      }
    }
    return { scans, loads: w.bq.jobs.filter((j) => j.type === 'LOAD').length, permanent: permanentTables(w) };
  } finally {
    await w.bq.close();
  }
}

export async function bigqueryCostBenchmark(): Promise<{ figures: Figure[]; scans: ScanLine[] }> {
  const small = await planTraffic(1_000);
  const large = await planTraffic(10_000);
  const reads = await readScans();
  return {
    scans: reads.scans,
    figures: [
      { name: 'BigQuery: bytes sent and received, predicate plan and apply, 10,000 events', unit: 'bytes', value: large.bytes, budget: { max: 1024 * 1024 } },
      { name: 'BigQuery: traffic growth, 1,000 to 10,000 events (rows never travel)', unit: 'x', value: large.bytes / small.bytes, budget: { max: 1.02 } },
      { name: 'BigQuery: load jobs run', unit: 'count', value: small.loads + large.loads + reads.loads, budget: { max: 0 } },
      { name: 'BigQuery: permanent tables created', unit: 'count', value: small.permanent + large.permanent + reads.permanent, budget: { max: 0 } },
      { name: 'BigQuery: partitioned-table reads checked', unit: 'count', value: reads.scans.length },
      {
        name: 'BigQuery: reads not bounded by event_created_at parameters',
        unit: 'count',
        value: reads.scans.filter((s) => !s.bound).length,
        budget: { max: 0 },
      },
    ],
  };
}

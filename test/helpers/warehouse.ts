/** A real DuckDB warehouse in a temporary folder, with a fixed clock, for tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { ConfigSchema, DEMO_STAGES, type Config, type StageConfig } from '../../src/data/config.js';
import { DuckdbEngine } from '../../src/data/duckdb/engine.js';
import type { EventRow } from '../../src/data/model.js';
import type { Context } from '../../src/data/operations/context.js';
import { Journal } from '../../src/data/journal.js';
import { createService, type Service } from '../../src/data/service/service.js';
import { parseTimestamp } from '../../src/data/timestamp.js';

export const NOW = '2026-03-15 12:00:00.000000';

const folders: string[] = [];
afterEach(async () => {
  // A screen unmounted at the end of a test may still have reads queued on its warehouse, which open the file
  // (and add its .wal) as their turn comes: the folder is then not empty yet. Those reads finish on the event
  // loop, so the removal waits between attempts rather than spinning.
  for (const f of folders.splice(0)) {
    for (let attempt = 0; ; attempt++) {
      try {
        rmSync(f, { recursive: true, force: true });
        break;
      } catch (error) {
        if (attempt >= 40 || !['ENOTEMPTY', 'EBUSY', 'EPERM'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
});

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'evfix-test-'));
  folders.push(dir);
  return dir;
}

export type TestWarehouse = { ctx: Context; warehouse: DuckdbEngine; config: Config; dir: string; setNow: (ts: string) => void; service: Service };

export async function makeWarehouse(overrides: Partial<Config> = {}): Promise<TestWarehouse> {
  const dir = tempDir();
  const config: Config = {
    ...ConfigSchema.parse({ engine: { type: 'duckdb', path: join(dir, 'warehouse.duckdb') }, stages: DEMO_STAGES }),
    source: 'test',
    ...overrides,
  };
  let now = parseTimestamp(NOW);
  await new DuckdbEngine({ ...config, read_only: false } as Config & { engine: { type: 'duckdb' } }).createTables();
  const warehouse = new DuckdbEngine(config as Config & { engine: { type: 'duckdb' } }, () => now);
  const ctx: Context = { config, engine: warehouse, now: () => now, operator: 'tester' };
  return {
    ctx,
    warehouse,
    config,
    dir,
    setNow: (ts) => (now = parseTimestamp(ts)),
    service: createService(ctx, new Journal(join(dir, 'state', 'journal.jsonl'))),
  };
}

export const stageNamed = (config: Config, name: string): StageConfig => config.stages.find((s) => s.name === name)!;

let counter = 0;
/** A unique, valid UUID per call. */
export function uuid(): string {
  counter++;
  return `00000000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
}

export function event(overrides: Partial<EventRow> & { data?: unknown } = {}): EventRow {
  const { data, ...rest } = overrides;
  return {
    event_created_at: '2026-03-14 10:00:00.123456',
    event_id: uuid(),
    event_name: 'RemittanceWasSent',
    user_id: 'user-1',
    event_external_reference_id: null,
    event_advisor_id: null,
    event_data: JSON.stringify(data ?? { remittance_id: 'rm_1', Status: 'Pending', amount: 10 }),
    event_ingested_at: '2026-03-14 10:00:01.000000',
    ...rest,
  };
}

export async function query(w: DuckdbEngine, sql: string): Promise<Record<string, unknown>[]> {
  return w.session(async (conn) => (await conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[]);
}

/** Rows of a stage table as (event_id, created_at, data, is_exception), ordered. */
export async function stageRows(w: DuckdbEngine, stage: string) {
  return query(
    w,
    `SELECT event_id, strftime(event_created_at, '%Y-%m-%d %H:%M:%S.%f') AS created, CAST(event_data AS VARCHAR) AS data, is_exception
     FROM stage."${stage}" ORDER BY event_id, created`,
  );
}

export async function insertOriginals(w: DuckdbEngine, rows: EventRow[]) {
  await w.appendEvents(rows);
}

export async function insertException(w: DuckdbEngine, row: EventRow, addedAt: string, description = 'test', isUpdate = true) {
  await w.session((conn) =>
    conn.run(`INSERT INTO s3.backend_events_exceptions VALUES ($created, $id, $name, $user, $ext, $adv, $data, $ingested, $added, $description, $update)`, {
      created: row.event_created_at,
      id: row.event_id,
      name: row.event_name,
      user: row.user_id,
      ext: row.event_external_reference_id,
      adv: row.event_advisor_id,
      data: row.event_data,
      ingested: row.event_ingested_at,
      added: addedAt,
      description,
      update: isUpdate,
    }),
  );
}

export async function insertExclusion(w: DuckdbEngine, row: EventRow, addedAt = '2026-03-15 00:00:00.000000') {
  await w.session((conn) =>
    conn.run(`INSERT INTO s3.backend_events_exclusions VALUES ($created, $id, $name, $added, 'test exclusion')`, {
      created: row.event_created_at,
      id: row.event_id,
      name: row.event_name,
      added: addedAt,
    }),
  );
}

export async function tableCounts(w: DuckdbEngine) {
  const [row] = await query(
    w,
    `SELECT (SELECT count(*) FROM kinesis.backend_events)::INT AS events,
            (SELECT count(*) FROM s3.backend_events_exceptions)::INT AS exceptions,
            (SELECT count(*) FROM s3.backend_events_exclusions)::INT AS exclusions`,
  );
  return row as { events: number; exceptions: number; exclusions: number };
}

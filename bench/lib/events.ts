/**
 * Warehouse files at scale, generated inside DuckDB (one INSERT ... SELECT
 * over range(N)) so that 10 million events take seconds, not a JS heap.
 * 30 days of events ending at NOW, five event kinds in the demo's
 * proportions, about 0.5% re-delivered copies of an event_id and about 0.1%
 * of transactions sharing a transaction_id under two event_ids.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigSchema, DEMO_STAGES, type Config } from '../../src/data/config.js';
import { DuckdbEngine } from '../../src/data/duckdb/engine.js';
import { parseTimestamp } from '../../src/data/timestamp.js';

export const NOW = '2026-03-31 12:00:00.000000';
const GENERATOR_VERSION = 2;

export function benchConfig(path: string): Config & { engine: { type: 'duckdb' } } {
  return { ...ConfigSchema.parse({ engine: { type: 'duckdb', path }, stages: DEMO_STAGES }), source: 'bench' } as Config & { engine: { type: 'duckdb' } };
}

export const clock = () => parseTimestamp(NOW);

const EVENT_ID = (x: string) =>
  `printf('%s-%s-4%s-8%s-%s', substr(md5(${x}), 1, 8), substr(md5(${x}), 9, 4), substr(md5(${x}), 13, 3), substr(md5(${x}), 16, 3), substr(md5(${x}), 19, 12))`;

/** The file for `events` events in `dir`, generated once and reused (the generator version is in the name). */
export async function eventsFile(dir: string, events: number): Promise<string> {
  const path = join(dir, `events-${events}-v${GENERATOR_VERSION}.duckdb`);
  if (existsSync(path)) return path;
  mkdirSync(dirname(path), { recursive: true });
  const building = `${path}.building`;
  rmSync(building, { force: true });
  const w = new DuckdbEngine(benchConfig(building));
  await w.createTables();
  const span = 30n * 86_400_000_000n;
  const end = parseTimestamp(NOW);
  await w.session(async (conn) => {
    await conn.run(`INSERT INTO kinesis.backend_events
SELECT make_timestamp(${end - span}::BIGINT + (i * ${span / BigInt(events)}::BIGINT)) AS event_created_at,
       ${EVENT_ID('i::VARCHAR')} AS event_id,
       CASE WHEN i % 20 < 8 THEN 'TransactionWasCreated' WHEN i % 20 < 12 THEN 'RemittanceWasSent'
            WHEN i % 20 < 15 THEN 'CardWasShipped' WHEN i % 20 < 18 THEN 'UserWasRegistered' ELSE 'AccountWasOpened' END AS event_name,
       'user-' || (i % 50000)::VARCHAR AS user_id, NULL, NULL,
       CASE WHEN i % 20 < 8 THEN json_object('transaction_id', 'tx_' || (CASE WHEN i % 1000 = 40 THEN i - 20 ELSE i END)::VARCHAR,
                                             'amount', (i % 90000) / 100.0, 'currency', 'EUR', 'merchant', 'Lidl')
            WHEN i % 20 < 12 THEN json_object('remittance_id', 'rm_' || i::VARCHAR, 'Status', CASE WHEN i % 25 = 0 THEN 'Pending' ELSE 'Sent' END,
                                              'amount', (i % 250000) / 100.0, 'currency', 'EUR')
            WHEN i % 20 < 15 THEN json_object('shipment_id', 'sh_' || i::VARCHAR, 'carrier', 'DHL')
            WHEN i % 20 < 18 THEN json_object('country', 'RO')
            ELSE json_object('account_id', 'ac_' || i::VARCHAR, 'currency', 'EUR') END AS event_data,
       make_timestamp(${end - span}::BIGINT + (i * ${span / BigInt(events)}::BIGINT) + 1000000) AS event_ingested_at
FROM range(${events}) t(i)`);
    // Re-delivered copies: the same event, ingested again five minutes later.
    await conn.run(`INSERT INTO kinesis.backend_events
SELECT event_created_at, event_id, event_name, user_id, event_external_reference_id, event_advisor_id, event_data,
       event_ingested_at + INTERVAL 5 MINUTE
FROM kinesis.backend_events WHERE hash(event_id) % 200 = 0`);
    await conn.run('CHECKPOINT');
  });
  renameSync(building, path);
  return path;
}

/** A private copy of a generated file, for benchmarks that write. */
export function copyOf(path: string, to: string): string {
  rmSync(to, { force: true });
  copyFileSync(path, to);
  return to;
}

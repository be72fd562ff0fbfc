/** Picks the engine the config names. Everything above this sees only the Warehouse interface. */
import type { Config } from './config.js';
import type { BigqueryWarehouseOptions } from './bigquery/engine.js';
import { DuckdbWarehouse } from './duckdb/engine.js';
import { nowMicros, type Micros } from './timestamp.js';
import type { Warehouse } from './warehouse.js';

export type EngineOptions = { bigquery?: BigqueryWarehouseOptions };

export async function openWarehouse(config: Config, now: () => Micros = nowMicros, options: EngineOptions = {}): Promise<Warehouse> {
  if (config.engine.type === 'duckdb') return new DuckdbWarehouse(config as Config & { engine: { type: 'duckdb' } }, now);
  // The BigQuery client and Google's auth library are loaded only when the config asks for BigQuery:
  // the embedded warehouse's start-up does not pay for them.
  const { BigqueryWarehouse } = await import('./bigquery/engine.js');
  return new BigqueryWarehouse(config as Config & { engine: { type: 'bigquery' } }, now, options.bigquery);
}

/** Picks the engine the config names. Everything above this sees only the Warehouse interface. */
import type { Config } from './config.js';
import { BigqueryWarehouse, type BigqueryWarehouseOptions } from './bigquery/engine.js';
import { DuckdbWarehouse } from './duckdb/engine.js';
import { nowMicros, type Micros } from './timestamp.js';
import type { Warehouse } from './warehouse.js';

export type EngineOptions = { bigquery?: BigqueryWarehouseOptions };

export function openWarehouse(config: Config, now: () => Micros = nowMicros, options: EngineOptions = {}): Warehouse {
  if (config.engine.type === 'duckdb') return new DuckdbWarehouse(config as Config & { engine: { type: 'duckdb' } }, now);
  return new BigqueryWarehouse(config as Config & { engine: { type: 'bigquery' } }, now, options.bigquery);
}

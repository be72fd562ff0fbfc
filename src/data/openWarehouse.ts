/** Picks the engine the config names. Everything above this sees only the Warehouse interface. */
import type { Config } from './config.js';
import { DuckdbWarehouse } from './duckdb/engine.js';
import { EvfixError } from './errors.js';
import { nowMicros, type Micros } from './timestamp.js';
import type { Warehouse } from './warehouse.js';

export function openWarehouse(config: Config, now: () => Micros = nowMicros): Warehouse {
  if (config.engine.type === 'duckdb') return new DuckdbWarehouse(config as Config & { engine: { type: 'duckdb' } }, now);
  throw new EvfixError('config', `${config.source}: engine.type "bigquery" is not supported by this build yet; use "duckdb"`);
}

/** Picks the engine the config names. Everything above this sees only the Engine interface. */
import type { Config } from './config.js';
import type { BigqueryEngineOptions } from './bigquery/engine.js';
import { DuckdbEngine } from './duckdb/engine.js';
import type { Engine } from './engine.js';
import { nowMicros, type Micros } from './timestamp.js';

export type EngineOptions = { bigquery?: BigqueryEngineOptions };

export async function openEngine(config: Config, now: () => Micros = nowMicros, options: EngineOptions = {}): Promise<Engine> {
  if (config.engine.type === 'duckdb') return new DuckdbEngine(config as Config & { engine: { type: 'duckdb' } }, now);
  // The BigQuery client and Google's auth library are loaded only when the config asks for BigQuery:
  // the embedded warehouse's start-up does not pay for them.
  const { BigqueryEngine } = await import('./bigquery/engine.js');
  return new BigqueryEngine(config as Config & { engine: { type: 'bigquery' } }, now, options.bigquery);
}

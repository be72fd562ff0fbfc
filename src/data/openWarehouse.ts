/** Picks the engine the config names. Everything above this sees only the Engine interface. */
import type { Config } from './config.js';
import type { BigqueryEngineOptions } from './bigquery/engine.js';
import { DuckdbEngine } from './duckdb/engine.js';
import type { Engine } from './engine.js';
import { nowMicros, type Micros } from './timestamp.js';

export type EngineOptions = { bigquery?: BigqueryEngineOptions; duckdb?: { onSql?: (sql: string) => void } };

export async function openEngine(config: Config, now: () => Micros = nowMicros, options: EngineOptions = {}): Promise<Engine> {
  if (config.engine.type === 'duckdb') return new DuckdbEngine(config as Config & { engine: { type: 'duckdb' } }, now, options.duckdb);
  // The BigQuery client and Google's auth library are loaded only when the config asks for BigQuery:
  // the embedded warehouse's start-up does not pay for them.
  const { BigqueryEngine } = await import('./bigquery/engine.js');
  let bigquery = options.bigquery;
  // A connection taken from the dbt profile acts as dbt does: the target's auth method and its execution_project.
  // An auth client handed in (the tests' emulator token) wins.
  if (config.dbtTarget && !bigquery?.authClient) {
    const { bigqueryAuth } = await import('./dbt/auth.js');
    const auth = await bigqueryAuth(config.dbtTarget);
    bigquery = {
      ...bigquery,
      authClient: auth.authClient,
      jobProject: auth.projectId,
      credentials: `${auth.description}, from dbt profile ${config.dbtTarget.profile}.${config.dbtTarget.target}`,
    };
  }
  return new BigqueryEngine(config as Config & { engine: { type: 'bigquery' } }, now, bigquery);
}

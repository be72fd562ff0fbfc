/**
 * The references: SQL run directly on the DuckDB file, the way an operator would without evfix, with the DuckDB
 * settings evfix opens the file with (memory limit, threads), so the comparison is of what evfix does around it.
 */
import { DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import { DuckdbEngine } from '../../src/data/duckdb/engine.js';
import { benchConfig, clock } from './events.js';

export async function plainSession<T>(
  path: string,
  work: (run: (sql: string, params?: Record<string, DuckDBValue>) => Promise<number>) => Promise<T>,
  settings: Record<string, string> = new DuckdbEngine(benchConfig(path), clock).settings(),
): Promise<T> {
  const instance = await DuckDBInstance.create(path, settings);
  const conn = await instance.connect();
  try {
    // Reads every row of a query's result (as evfix does), returning the row count.
    return await work(async (sql, params = {}) => (await conn.runAndReadAll(sql, params)).getRows().length);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

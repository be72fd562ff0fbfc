/** The references: SQL run directly on the DuckDB file, the way an operator would without evfix. */
import { DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';

export async function plainSession<T>(path: string, work: (run: (sql: string, params?: Record<string, DuckDBValue>) => Promise<number>) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(path);
  const conn = await instance.connect();
  try {
    // Reads every row of a query's result (as evfix does), returning the row count.
    return await work(async (sql, params = {}) => (await conn.runAndReadAll(sql, params)).getRows().length);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

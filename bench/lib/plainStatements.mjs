// The reference of the plan benchmarks: statements written by hand, run in one transaction on a DuckDB file with
// the same memory limit evfix gives the embedded warehouse. Usage: node plainStatements.mjs FILE MEMORY JSON_LIST
import { DuckDBInstance } from '@duckdb/node-api';

const [, , path, memory, statements] = process.argv;
const instance = await DuckDBInstance.create(path, memory ? { memory_limit: memory } : {});
const conn = await instance.connect();
await conn.run('BEGIN TRANSACTION');
for (const sql of JSON.parse(statements)) await conn.run(sql);
await conn.run('COMMIT');
await conn.run('CHECKPOINT');
conn.closeSync();
instance.closeSync();

// The reference of the plan benchmarks: statements written by hand, run in one transaction on a DuckDB file,
// with the DuckDB settings evfix gives the embedded warehouse (JSON), then a checkpoint, as evfix ends a write.
// Prints the rows each statement changed (JSON list); at exit writes this process's peak RSS to $EVFIX_BENCH_OUT.
// Usage: node plainStatements.mjs FILE SETTINGS_JSON STATEMENTS_JSON
import { writeFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [, , path, settings, statements] = process.argv;
process.on('exit', () => {
  if (process.env.EVFIX_BENCH_OUT) writeFileSync(process.env.EVFIX_BENCH_OUT, JSON.stringify({ maxRssMb: process.resourceUsage().maxRSS / 1024 }));
});
const instance = await DuckDBInstance.create(path, JSON.parse(settings));
const conn = await instance.connect();
const changed = [];
await conn.run('BEGIN TRANSACTION');
for (const sql of JSON.parse(statements)) changed.push(Number((await conn.run(sql)).rowsChanged));
await conn.run('COMMIT');
await conn.run('CHECKPOINT');
conn.closeSync();
instance.closeSync();
console.log(JSON.stringify(changed));

// A reference of the stage-list benchmark: the reads, run by hand in a process of their own (as an operator
// would open the file and run them), with the DuckDB settings evfix uses. Every row of each result is read.
// Usage: node plainReads.mjs FILE SETTINGS_JSON READS_JSON ([{ sql, params }])
import { DuckDBInstance } from '@duckdb/node-api';

const [, , path, settings, reads] = process.argv;
const instance = await DuckDBInstance.create(path, JSON.parse(settings));
const conn = await instance.connect();
let rows = 0;
for (const { sql, params } of JSON.parse(reads)) rows += (await conn.runAndReadAll(sql, params)).getRows().length;
conn.closeSync();
instance.closeSync();
console.log(rows);

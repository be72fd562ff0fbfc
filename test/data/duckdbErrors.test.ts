import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckdbFile } from '../../src/data/duckdb/connection.js';
import { tempDir } from '../helpers/warehouse.js';

describe('DuckDB failures as the operator reads them', () => {
  it('out of memory names evfix setting and its value, not DuckDB advice', async () => {
    const path = join(tempDir(), 'small.duckdb');
    const file = new DuckdbFile(path, { memoryLimit: '2MB' });
    // A list aggregate cannot spill to disk: five million values do not fit in 2 MB.
    const failure = file.session((conn) => conn.run('SELECT list(i) FROM range(5000000) AS t(i)'));
    await expect(failure).rejects.toThrow(
      `warehouse ${path}: DuckDB needed more than its memory limit, engine.memory_limit 2MB; set a higher engine.memory_limit in the config (such as "256MB") and try again`,
    );
    await expect(failure).rejects.not.toThrow(/SET memory_limit/);
  });

  it('other failures keep DuckDB message after the warehouse path', async () => {
    const path = join(tempDir(), 'plain.duckdb');
    const file = new DuckdbFile(path, { memoryLimit: '64MB' });
    await expect(file.session((conn) => conn.run('SELECT * FROM no_such_table'))).rejects.toThrow(new RegExp(`^warehouse ${path}: Catalog Error`));
  });
});

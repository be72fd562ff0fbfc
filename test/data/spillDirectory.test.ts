/**
 * The folder DuckDB spills into is evfix's, made before the instance opens and kept after it closes. DuckDB
 * removes a spill folder it made itself when the instance closes, on the thread that closes it (the TUI's): on
 * a disk busy writing back, that one rmdir held the screen for up to 1.6 s. Real DuckDB on a temporary file.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckdbFile, spillDirectory } from '../../src/data/duckdb/connection.js';
import { tempDir } from '../helpers/warehouse.js';

describe("the warehouse's spill folder", () => {
  it('is where DuckDB spills, and stays, empty, after the instance closes', async () => {
    const path = join(tempDir(), 'spill.duckdb');
    const file = new DuckdbFile(path, { memoryLimit: '16MB' });
    const spilled = await file.session(async (conn) => {
      const setting = await conn.runAndReadAll("SELECT current_setting('temp_directory') AS dir");
      expect(setting.getRowObjects()[0]?.dir).toBe(spillDirectory(path));
      // A temporary table of a million strings does not fit 16MB: DuckDB writes its blocks to its spill files.
      await conn.run('CREATE TEMP TABLE big AS SELECT i, md5(i::VARCHAR) AS h FROM range(1000000) t(i)');
      const files = await conn.runAndReadAll('SELECT path FROM duckdb_temporary_files()');
      return files.getRowObjects().map((r) => String(r.path));
    });
    expect(spilled.length).toBeGreaterThan(0);
    for (const f of spilled) expect(f.startsWith(spillDirectory(path))).toBe(true);
    expect(existsSync(spillDirectory(path))).toBe(true);
    expect(readdirSync(spillDirectory(path))).toEqual([]);
  });

  it('is not made for a warehouse opened read-only', async () => {
    const path = join(tempDir(), 'readonly.duckdb');
    await new DuckdbFile(path).session((conn) => conn.run('CREATE TABLE t (i INTEGER)'));
    const spill = spillDirectory(path);
    rmSync(spill, { recursive: true });
    await new DuckdbFile(path, { readOnly: true }).session((conn) => conn.run('SELECT count(*) FROM t'));
    expect(existsSync(spill)).toBe(false);
  });
});

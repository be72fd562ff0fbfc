/**
 * Sessions of one embedded warehouse file take turns: DuckDB's memory limit is the instance's, so queries run at
 * once share it (the TUI's stage list, counting every stage at once, failed with DuckDB's out-of-memory error
 * on a 10M-event file). Real DuckDB on a temporary file.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckdbFile, SESSIONS_AT_ONCE } from '../../src/data/duckdb/connection.js';
import { makeWarehouse, stageNamed, tempDir } from '../helpers/warehouse.js';

/** A promise and the function that settles it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('sessions of one warehouse file', () => {
  it('run one at a time, in the order they came, each on the one open instance', async () => {
    expect(SESSIONS_AT_ONCE).toBe(1);
    const file = new DuckdbFile(join(tempDir(), 'turns.duckdb'), { memoryLimit: '96MB' });
    const order: string[] = [];
    let running = 0;
    let most = 0;
    const first = gate();
    const started = gate();
    const work = (name: string, wait?: Promise<void>) =>
      file.session(async (conn) => {
        running++;
        most = Math.max(most, running);
        order.push(`${name} starts`);
        started.open();
        await conn.run('CREATE TABLE IF NOT EXISTS seen (name VARCHAR)');
        await conn.run('INSERT INTO seen VALUES ($name)', { name });
        if (wait) await wait;
        order.push(`${name} ends`);
        running--;
      });
    const a = work('a', first.opened);
    const b = work('b');
    const c = work('c');
    // b and c wait for a's turn to end, however long a takes (a connection of an open instance takes a millisecond).
    await started.opened;
    await new Promise((r) => setTimeout(r, 50));
    expect(order).toEqual(['a starts']);
    first.open();
    await Promise.all([a, b, c]);
    expect(order).toEqual(['a starts', 'a ends', 'b starts', 'b ends', 'c starts', 'c ends']);
    expect(most).toBe(1);
    // Every write is there: the instance handed from one turn to the next was the same file, closed once at the end.
    const seen = await file.session(async (conn) => (await conn.runAndReadAll('SELECT name FROM seen ORDER BY name')).getRows().flat());
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('lets a session opened inside another run in its turn instead of waiting for it (no deadlock)', async () => {
    const file = new DuckdbFile(join(tempDir(), 'nested.duckdb'));
    const got = await file.session(async (outer) => {
      await outer.run('CREATE TABLE t AS SELECT 42 AS n');
      return Promise.all([1, 2].map(() => file.session(async (inner) => Number((await inner.runAndReadAll('SELECT n FROM t')).getRows()[0]![0]))));
    });
    expect(got).toEqual([42, 42]);
  });

  it('gives the turn on when a session fails, and the engine answers every stage asked at once', async () => {
    const { warehouse, config } = await makeWarehouse();
    await expect(warehouse.session((conn) => conn.run('SELECT * FROM no_such_table'))).rejects.toThrow('no_such_table');
    const counts = await Promise.all(config.stages.map((s) => warehouse.stageSummary(stageNamed(config, s.name), '2026-01-01 00:00:00.000000')));
    expect(counts.map((c) => c.events)).toEqual(config.stages.map(() => 0));
    await warehouse.close();
  });
});

/**
 * Lending the embedded warehouse to another thread of this process (the plan
 * worker): DuckDB's file lock is the process's and would not keep two
 * instances apart, so the lender's own calls wait, and the borrower starts
 * only once the file is closed.
 */
import { describe, expect, it } from 'vitest';
import { DuckdbWarehouse } from '../../src/data/duckdb/engine.js';
import type { Config } from '../../src/data/config.js';
import { event, insertOriginals, makeWarehouse, query } from '../helpers/warehouse.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('DuckdbWarehouse.lend', () => {
  it('waits for the sessions running, holds new ones back, and leaves the file to its work alone', async () => {
    const w = await makeWarehouse();
    await insertOriginals(w.warehouse, [event()]);
    const order: string[] = [];
    let releaseRunning!: () => void;
    const running = w.warehouse.session(async () => {
      order.push('session 1 starts');
      await new Promise<void>((r) => (releaseRunning = r));
      order.push('session 1 ends');
    });
    await sleep(20);
    const lent = w.warehouse.lend(async () => {
      order.push('lent work starts');
      // Another instance on the same file, as the worker opens it: it can write, and it is alone.
      const other = new DuckdbWarehouse(w.config as Config & { engine: { type: 'duckdb' } });
      await insertOriginals(other, [event()]);
      await sleep(30);
      order.push('lent work ends');
      return 'done';
    });
    await sleep(20);
    const later = query(w.warehouse, 'SELECT count(*)::INTEGER AS n FROM kinesis.backend_events').then((rows) => {
      order.push('session 2 reads');
      return rows[0]!.n;
    });
    await sleep(20);
    expect(order).toEqual(['session 1 starts']);
    releaseRunning();
    expect(await lent).toBe('done');
    // The second session saw what the borrower wrote: it ran after, on a file the borrower had closed.
    expect(await later).toBe(2);
    await running;
    expect(order).toEqual(['session 1 starts', 'session 1 ends', 'lent work starts', 'lent work ends', 'session 2 reads']);
  });

  it('lets the warehouse be used again after the lent work fails', async () => {
    const w = await makeWarehouse();
    await expect(w.warehouse.lend(async () => Promise.reject(new Error('worker failed')))).rejects.toThrow('worker failed');
    expect(await w.warehouse.countEvents()).toBe(0);
  });
});

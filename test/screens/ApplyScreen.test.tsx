/**
 * The apply screen says it writes only once the write is under way: the TUI's signal handler settles the
 * writes in flight and exits, so a SIGHUP that lands once "writing" shows must find the write there to wait for.
 */
import { describe, expect, it } from 'vitest';
import { openStatusFix } from '../helpers/tui.js';
import { event, insertOriginals, makeWarehouse, query } from '../helpers/warehouse.js';

describe('apply screen', () => {
  it('a settle as soon as the screen says "writing" waits for the write, which commits', async () => {
    const w = await makeWarehouse();
    await insertOriginals(
      w.warehouse,
      Array.from({ length: 300 }, () => event()),
    );
    const { app, services } = await openStatusFix(w, '2026-03-14');
    await app.waitFor('Write these rows?');
    // What the TUI's signal handler does, at the first frame that says the write runs (as a signal that
    // arrives then would): wait for the writes in flight.
    let settled: Promise<void> | undefined;
    const stdout = app.stdout as unknown as { write: (frame: string) => void };
    const write = stdout.write;
    stdout.write = (frame: string) => {
      write(frame);
      if (!settled && app.frame().includes('in one transaction')) settled = services.settle();
    };
    await app.press('y');
    await app.waitFor(() => settled !== undefined);
    await settled;
    expect(await query(w.warehouse, 'SELECT count(*)::INTEGER AS n FROM s3.backend_events_exceptions')).toEqual([{ n: 300 }]);
    expect(await app.waitFor('Applied plan')).toContain('300 exception row(s)');
  });
});

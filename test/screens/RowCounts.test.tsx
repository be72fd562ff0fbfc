/** Row counts read the same on every screen of a flow: thousands separated, as the diff and confirm show them. */
import { describe, expect, it } from 'vitest';
import { openStatusFix, renderApp, testServices } from '../helpers/tui.js';
import { event, insertOriginals, makeWarehouse, query } from '../helpers/warehouse.js';

describe('row counts', () => {
  it('says how many rows it wrote with the separators the confirm screen used', async () => {
    const w = await makeWarehouse();
    await insertOriginals(
      w.warehouse,
      Array.from({ length: 1200 }, () => event()),
    );
    const { app } = await openStatusFix(w, '2026-03-14');
    expect(await app.waitFor('Write these rows?')).toContain('1,200 row(s) -> s3.backend_events_exceptions');
    await app.press('y');
    const frame = await app.waitFor('Applied plan');
    expect(frame).toContain('  1,200 exception row(s) -> s3.backend_events_exceptions');
    expect(frame).toContain('  0 exclusion row(s) -> s3.backend_events_exclusions');
    expect(await query(w.warehouse, 'SELECT count(*)::INTEGER AS n FROM s3.backend_events_exceptions')).toEqual([{ n: 1200 }]);
  });

  it('wraps what the apply says next at spaces', async () => {
    const w = await makeWarehouse();
    // A three-digit rerun offset makes "...current_date_offset = N; enter goes back to the" exactly 80 columns.
    await insertOriginals(w.warehouse, [event({ event_created_at: '2025-11-20 10:00:00.000000', event_ingested_at: '2025-11-20 10:00:01.000000' })]);
    const { app } = await openStatusFix(w, '2025-11-20');
    await app.waitFor('Write these rows?');
    await app.press('y');
    const frame = await app.waitFor('Applied plan');
    expect(frame).toMatch(/current_date_offset = \d{3}; enter goes back to the\n/);
    // Ink's own wrap began the next line with the space it broke at.
    expect(frame.split('\n').filter((line) => /^ \S/.test(line))).toEqual([]);
    expect(frame).toContain('\nstage tables.');
  });

  it('says how many rows a rerun would remove and write with separators', async () => {
    const w = await makeWarehouse();
    await insertOriginals(
      w.warehouse,
      Array.from({ length: 1200 }, () => event()),
    );
    const app = renderApp(testServices(w), [{ name: 'stages' }, { name: 'rerun', stage: 'remittance_was_sent_event', offset: 2 }]);
    expect(await app.waitFor('of the window and writes')).toContain('removes 0 row(s) of the window and writes 1,200');
  });
});

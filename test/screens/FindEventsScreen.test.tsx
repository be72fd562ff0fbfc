/**
 * Find events through the screens: conditions and a window, the paged list of matches with its count, marks,
 * and the plans made of them (exclude, update), applied and read back from the warehouse.
 */
import { describe, expect, it } from 'vitest';
import type { EventRow } from '../../src/data/model.js';
import { event, insertOriginals, makeWarehouse, query, type TestWarehouse } from '../helpers/warehouse.js';
import { KEY, renderApp, testServices } from '../helpers/tui.js';

const STAGE = 'remittance_was_sent_event';

/** Remittances a minute apart from 2026-03-10 10:00: `pending` of them Pending (the first ones), the rest Sent. */
async function remittances(count: number, pending: number): Promise<{ w: TestWarehouse; rows: EventRow[] }> {
  const w = await makeWarehouse();
  const rows = Array.from({ length: count }, (_, i) => {
    const minute = String(i % 60).padStart(2, '0');
    const hour = String(10 + Math.floor(i / 60)).padStart(2, '0');
    return event({ event_created_at: `2026-03-10 ${hour}:${minute}:00.000000`, data: { remittance_id: `rm_${i}`, Status: i < pending ? 'Pending' : 'Sent', amount: i } });
  });
  await insertOriginals(w.warehouse, rows);
  return { w, rows };
}

const open = (w: TestWarehouse) => renderApp(testServices(w), [{ name: 'stages' }, { name: 'actions', stage: STAGE }, { name: 'findEvents', stage: STAGE }]);

describe('find events', () => {
  it('lists the matches of a condition with their count, excludes the marked ones, and the warehouse holds the exclusions', async () => {
    const { w, rows } = await remittances(8, 5);
    const app = open(w);
    await app.waitFor('> where:');
    await app.press('$.Status="Pending"', KEY.enter);
    await app.waitFor('1. $.Status="Pending"');
    await app.press(KEY.enter);
    await app.waitFor('0 marked · 1/5');
    // Each row: created_at, event_id and the value at the path searched for.
    expect(app.frame()).toContain(`2026-03-10 10:00:00 ${rows[0]!.event_id} "Pending"`);
    expect(app.frame()).toContain(rows[4]!.event_id);
    expect(app.frame()).not.toContain(rows[5]!.event_id);
    await app.press(' ', 'j', 'j', ' ');
    await app.waitFor('2 marked · 3/5');
    await app.press('x');
    await app.waitFor('> exclusion_description');
    await app.press('never sent twice', KEY.enter);
    await app.waitFor(/confirm exclude[\s\S]*Write these rows\?/);
    expect(app.frame()).toContain('2 row(s) -> s3.backend_events_exclusions');
    await app.press('y');
    await app.waitFor('Applied plan');
    const excluded = await query(w.warehouse, `SELECT event_id, exclusion_description AS why FROM s3.backend_events_exclusions ORDER BY event_id`);
    expect(excluded).toEqual([rows[0]!, rows[2]!].map((r) => ({ event_id: r.event_id, why: 'never sent twice' })).sort((a, b) => a.event_id.localeCompare(b.event_id)));
    app.unmount();
  });
});

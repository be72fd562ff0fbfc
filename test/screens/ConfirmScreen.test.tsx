/** Confirm: nothing is cut at 80 columns; what does not fit scrolls, and the status line says which lines show. */
import { describe, expect, it } from 'vitest';
import { event, insertOriginals, makeWarehouse } from '../helpers/warehouse.js';
import { renderApp, testServices } from '../helpers/tui.js';

describe('ConfirmScreen', () => {
  it('wraps every line of the plan, its impact and its SQL, and pages through them to the last statement', async () => {
    const w = await makeWarehouse();
    const copies = [event(), event(), event()].flatMap((e) => [e, { ...e, event_ingested_at: '2026-03-14 11:00:00.000000' }]);
    await insertOriginals(w.warehouse, copies);
    const description = 'Duplicate deliveries from the Kinesis replay of the 14th, checked against the provider statement by the payments team';
    const services = testServices(w);
    const plan = await services.service.call('makePlan', { op: 'dedupe', stage: 'remittance_was_sent_event', description });
    const app = renderApp(services, [{ name: 'stages' }, { name: 'confirm', plan }]);
    const frame = await app.waitFor('stage table after the rerun: 3 added');
    // No line is cut with an ellipsis, and the long description reads in full across its lines.
    expect(frame.split('\n').filter((l) => l.endsWith('…'))).toEqual([]);
    expect(frame.replace(/\n +/g, ' ')).toContain(`description (e edits): ${description}`);
    expect(frame).toMatch(/lines 1-\d+ of \d+ · dev/);
    const total = Number(/of (\d+) · dev/.exec(frame)![1]);
    // PgDn (and space) page down to the end: the last statement, the commit, shows.
    let last = frame;
    for (let i = 0; i < 40 && !last.includes(`-${total} of ${total}`); i++) last = await app.waitForChange(() => app.stdin.write('\x1b[6~'));
    expect(last).toContain(`of ${total}`);
    expect(last).toContain('COMMIT');
    expect(last).toContain('Write these rows?');
    app.unmount();
  });
});

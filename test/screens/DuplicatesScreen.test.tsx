import { describe, expect, it } from 'vitest';
import { event, insertOriginals, makeWarehouse, stageNamed, stageRows, tableCounts } from '../helpers/warehouse.js';
import { KEY, renderApp, testServices } from '../helpers/tui.js';

async function withDuplicates(groups: number) {
  const w = await makeWarehouse();
  const rows = [];
  for (let i = 0; i < groups; i++) {
    const a = event({ event_ingested_at: `2026-03-14 10:00:${String(i % 60).padStart(2, '0')}.000000`, data: { Status: 'Pending', n: i } });
    rows.push(a, { ...a, event_ingested_at: '2026-03-14 12:00:00.000000', event_data: JSON.stringify({ Status: 'Sent', n: i }) });
  }
  await insertOriginals(w.warehouse, rows);
  return { w, rows };
}

describe('DuplicatesScreen', () => {
  it('a key typed before the groups are listed acts on the listed groups: a marks all of them', async () => {
    const { w } = await withDuplicates(3);
    const app = renderApp(testServices(w), [{ name: 'stages' }, { name: 'duplicates', stage: 'remittance_was_sent_event' }]);
    // Typed at once, while the groups are read: the key waits for the list, not only for the read.
    app.stdin.write('a');
    await app.waitFor('3 marked · 1/3');
    app.unmount();
  });

  it('does not drop marked groups with one key: esc and q ask, only y goes on, any other key keeps them', async () => {
    const { w } = await withDuplicates(3);
    const app = renderApp(testServices(w), [{ name: 'stages' }, { name: 'duplicates', stage: 'remittance_was_sent_event' }]);
    await app.waitFor('0 marked · 1/3');
    await app.press(' ', 'j', ' ');
    await app.waitFor('2 marked · 2/3');
    await app.press(KEY.escape);
    await app.waitFor('discard 2 marked groups? y/N');
    expect(app.frame()).toMatch(/y yes, discard +n no \(or any other key\)/);
    // A second esc is No, not yes: a double tap does not throw the marks away.
    await app.press(KEY.escape);
    await app.waitForFrame((f) => !f.includes('y/N'));
    expect(app.frame()).toContain('2 marked · 2/3');
    // The answer key does nothing else: `k` only cancels, the cursor stays.
    await app.press(KEY.escape, 'k');
    await app.waitForFrame((f) => !f.includes('y/N'));
    expect(app.frame()).toContain('2 marked · 2/3');
    // q asks too, and names what quitting drops (a chosen copy as well, once one is chosen).
    await app.press('q');
    await app.waitFor('quit and discard 2 marked groups? y/N');
    await app.press('n');
    await app.waitForFrame((f) => !f.includes('y/N'));
    expect(app.quits()).toBe(0);
    await app.press(KEY.escape, 'y');
    await app.waitFor('evfix · stage tables');
    // Nothing left to lose: q quits at once.
    await app.press('q');
    await app.waitForFrame(() => app.quits() === 1);
    app.unmount();
  });

  it('shows the range v opened, heads the =/≠ column, and scrolls a group only when it does not fit', async () => {
    const { w } = await withDuplicates(3);
    const app = renderApp(testServices(w), [{ name: 'stages' }, { name: 'duplicates', stage: 'remittance_was_sent_event' }]);
    await app.waitFor('0 marked · 1/3');
    expect(app.frame()).toMatch(/event_id +n 1st ingest {2}last ingest same\n.*2x 03-14 10:00 03-14 12:00 ≠/);
    await app.press('v');
    await app.waitFor('range from row 1 · 1 marked · 1/3');
    await app.press('j');
    await app.waitFor('range from row 1 · 2 marked · 2/3');
    await app.press('v');
    await app.waitForFrame((f) => /\s2 marked · 2\/3/.test(f) && !f.includes('range from'));
    // The group's copies fit the screen: j leaves its first row in view.
    await app.press(KEY.enter);
    await app.waitFor(/\* \$\.Status/);
    // Keys are handled in order: once `l` has chosen copy 2, both j have been handled.
    await app.press('j', 'j', 'l');
    await app.waitFor('keep copy 2');
    expect(app.frame()).toMatch(/keep copy 2[\s\S]*\* ingested[\s\S]*created[\s\S]*\$\.n/);
    app.unmount();
  });

  it('marks groups, keeps the chosen copy, plans, confirms, applies and reruns', async () => {
    const { w, rows } = await withDuplicates(3);
    const stage = stageNamed(w.config, 'remittance_was_sent_event');
    const app = renderApp(testServices(w), [{ name: 'stages' }, { name: 'duplicates', stage: stage.name }]);
    await app.waitFor('0 marked · 1/3');
    expect(app.frame()).toMatch(/> \[ \] 0{8}-0{4}-4000-8000-\w+\s+2x/);
    // Mark the first group, open it and keep the second (later) copy.
    await app.press(' ');
    expect(app.frame()).toContain('> [x]');
    await app.press(KEY.enter);
    // The copies are read from the warehouse: on a busy machine that takes longer than a key's pause.
    await app.waitFor(/\* \$\.Status\s+"Pending"\s+"Sent"/);
    expect(app.frame()).toMatch(/keep copy 1/);
    await app.press('l');
    expect(app.frame()).toMatch(/keep copy 2/);
    await app.press(KEY.enter, 'd');
    await app.waitFor(/confirm dedupe[\s\S]*1 row\(s\) -> s3\.backend_events_exclusions/);
    expect(app.frame()).toMatch(/1 row\(s\) -> s3\.backend_events_exceptions \(is_event_update = false\)/);
    expect(app.frame()).toContain('current_date_offset = 1');
    // Which copy each group keeps, on the confirm screen itself.
    expect(app.frame()).toMatch(/[0-9a-f-]{36} keeps copy 2 of 2 \(chosen\)/);
    await app.press('y');
    await app.waitFor('Applied plan');
    // One question: the apply screen offers the rerun screen, which asks.
    expect(app.frame()).toMatch(/r opens the rerun of\s+remittance_was_sent_event\s+from\s+current_date_offset\s+=\s+1/);
    expect(app.frame()).not.toMatch(/\? y \/ n/);
    expect(await tableCounts(w.warehouse)).toEqual({ events: 6, exceptions: 1, exclusions: 1 });
    await app.press('y');
    await app.waitFor('Rebuild remittance_was_sent_event with current_date_offset = 1');
    await app.press('y');
    await app.waitFor('Rebuilt remittance_was_sent_event');
    const first = rows[0]!;
    const stageRowsForFirst = (await stageRows(w.warehouse, stage.name)).filter((r) => r.event_id === first.event_id);
    expect(stageRowsForFirst).toEqual([{ event_id: first.event_id, created: first.event_created_at, data: rows[1]!.event_data, is_exception: true }]);
    await app.press(KEY.enter);
    await app.waitFor('stage tables');
    app.unmount();
  });

  it('selects all with a and ranges with v', async () => {
    const { w } = await withDuplicates(5);
    const app = renderApp(testServices(w), [{ name: 'duplicates', stage: stageNamed(w.config, 'remittance_was_sent_event').name }]);
    await app.waitFor('0 marked · 1/5');
    await app.press('a');
    expect(app.frame()).toContain('5 marked');
    await app.press('a', 'j', 'v', 'jj', 'v');
    expect(app.frame()).toContain('3 marked · 4/5');
    app.unmount();
  });

  it('scrolls thousands of groups, rendering only the visible rows', async () => {
    const { w } = await withDuplicates(2000);
    const app = renderApp(testServices(w), [{ name: 'duplicates', stage: stageNamed(w.config, 'remittance_was_sent_event').name }]);
    await app.waitFor('1/2000', 15000);

    await app.press('jjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjj');
    expect(app.frame()).toContain('51/2000');
    await app.press('G');
    expect(app.frame()).toContain('2000/2000');
    expect(app.frame().split('\n').length).toBeLessThanOrEqual(23);
    expect(app.frame().match(/\[ \]/g)!.length).toBeLessThan(25);
    app.unmount();
  });

  it('writes nothing when the operator goes back from confirm', async () => {
    const { w } = await withDuplicates(1);
    const app = renderApp(testServices(w), [{ name: 'duplicates', stage: stageNamed(w.config, 'remittance_was_sent_event').name }]);
    await app.waitFor('1/1');
    await app.press('d');
    await app.waitFor('Write these rows?');
    await app.press(KEY.escape);
    await app.waitFor('0 marked');
    expect(await tableCounts(w.warehouse)).toEqual({ events: 2, exceptions: 0, exclusions: 0 });
    app.unmount();
  });
});

describe('DuplicatesScreen type-ahead', () => {
  it('takes a key the next view binds: enter closes the group, then d plans', async () => {
    const { w } = await withDuplicates(2);
    const app = renderApp(testServices(w), [{ name: 'duplicates', stage: stageNamed(w.config, 'remittance_was_sent_event').name }]);
    await app.waitFor('0 marked · 1/2');
    await app.press(KEY.enter);
    await app.waitFor('keep copy 1');
    await app.press('\rd');
    await app.waitFor('confirm dedupe');
    app.unmount();
  });
});

describe('DuplicatesScreen group view', () => {
  it('wraps a heading of many differing paths and scrolls the copies to their last line, however long the values', async () => {
    const w = await makeWarehouse();
    // Two copies that differ in every key of event_data, and in a user_id too long for its column.
    const keys = ['amount', 'currency', 'fee', 'iban', 'reference', 'remittance_id', 'status_reason', 'Status', 'channel', 'batch'];
    const data = (copy: number) => Object.fromEntries(keys.map((k) => [k, `${k} as delivered by copy ${copy}`]));
    const a = event({ event_id: '96905cc1-0000-4000-8000-000000000001', user_id: 'auth0|6123456789abcdef01234567-customer-portal', data: data(1) });
    const b = {
      ...a,
      event_ingested_at: '2026-03-14 12:00:00.000000',
      user_id: 'auth0|6123456789abcdef01234567-mobile-app-ios',
      event_data: JSON.stringify(data(2)),
    };
    await insertOriginals(w.warehouse, [a, b]);
    const app = renderApp(testServices(w), [{ name: 'duplicates', stage: 'remittance_was_sent_event' }]);
    await app.waitFor('0 marked · 1/1');
    await app.press(KEY.enter);
    expect(await app.waitFor('keep copy 1')).toMatchInlineSnapshot(`
      "remittance_was_sent_event · duplicates                            0 marked · 1/1
      96905cc1-0000-4000-8000-000000000001 · 2 copies · differ: user_id,
      event_data.Status, event_data.amount, event_data.batch, event_data.channel,
      event_data.currency, event_data.fee, event_data.iban, event_data.reference,
      event_data.remittance_id, event_data.status_reason
                        keep copy 1                   copy 2
      * ingested        2026-03-14 10:00:01.000000    2026-03-14 12:00:00.000000
        created         2026-03-14 10:00:00.123456    2026-03-14 10:00:00.123456
      * user_id         auth0|6123456789abcdef0123456 auth0|6123456789abcdef0123456
                        7-customer-portal             7-mobile-app-ios
      * $.amount        "amount as delivered by copy  "amount as delivered by copy
                        1"                            2"
      * $.currency      "currency as delivered by     "currency as delivered by
                        copy 1"                       copy 2"
      * $.fee           "fee as delivered by copy 1"  "fee as delivered by copy 2"
      * $.iban          "iban as delivered by copy 1" "iban as delivered by copy 2"
      * $.reference     "reference as delivered by    "reference as delivered by
                        copy 1"                       copy 2"
      * $.remittance_id "remittance_id as delivered   "remittance_id as delivered
                        by copy 1"                    by copy 2"
      * $.status_reason "status_reason as delivered   "status_reason as delivered

      j/k scroll  h/l copy to keep  space mark  enter back  ? help  esc back  q quit"
    `);
    expect(await app.waitForChange(() => app.stdin.write('G'))).toMatchInlineSnapshot(`
      "remittance_was_sent_event · duplicates                            0 marked · 1/1
      96905cc1-0000-4000-8000-000000000001 · 2 copies · differ: user_id,
      event_data.Status, event_data.amount, event_data.batch, event_data.channel,
      event_data.currency, event_data.fee, event_data.iban, event_data.reference,
      event_data.remittance_id, event_data.status_reason
                        keep copy 1                   copy 2
                        copy 1"                       copy 2"
      * $.fee           "fee as delivered by copy 1"  "fee as delivered by copy 2"
      * $.iban          "iban as delivered by copy 1" "iban as delivered by copy 2"
      * $.reference     "reference as delivered by    "reference as delivered by
                        copy 1"                       copy 2"
      * $.remittance_id "remittance_id as delivered   "remittance_id as delivered
                        by copy 1"                    by copy 2"
      * $.status_reason "status_reason as delivered   "status_reason as delivered
                        by copy 1"                    by copy 2"
      * $.Status        "Status as delivered by copy  "Status as delivered by copy
                        1"                            2"
      * $.channel       "channel as delivered by copy "channel as delivered by copy
                        1"                            2"
      * $.batch         "batch as delivered by copy   "batch as delivered by copy
                        1"                            2"

      j/k scroll  h/l copy to keep  space mark  enter back  ? help  esc back  q quit"
    `);
    app.unmount();
  });
});

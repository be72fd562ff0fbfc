import { describe, expect, it } from 'vitest';
import { event, insertOriginals, makeWarehouse } from '../helpers/warehouse.js';
import { KEY, renderApp, testServices } from '../helpers/tui.js';

/** Every row counted: no row still shows `…`, and the spinner has stopped. */
const allCounted = (frame: string) => frame.includes('last 14 days') && !/_event\s+…/.test(frame);

describe('StageTablesScreen', () => {
  it('lists every stage table and fills in counts as they arrive', async () => {
    const w = await makeWarehouse();
    const dup = event();
    await insertOriginals(w.warehouse, [dup, { ...dup, event_ingested_at: '2026-03-14 11:00:00.000000' }, event()]);
    const app = renderApp(testServices(w));
    // The stages are counted side by side: wait for the frame with every count in.
    const frame = await app.waitFor(allCounted);
    // The stage table was never rebuilt: the sources hold one duplicate group, the stage table none yet.
    expect(frame.split('\n').slice(0, 9).join('\n')).toBe(
      [
        'evfix · stage tables                                                last 14 days',
        '',
        '                                         duplicate groups',
        '  stage table                     events sources in stage  rerun needed',
        '> remittance_was_sent_event            3       1        0  no',
        '  card_was_shipped_event               0       0        0  no',
        '  transaction_was_created_event        0       0        0  no',
        '  user_was_registered_event            0       0        0  no',
        '  account_was_opened_event             0       0        0  no',
      ].join('\n'),
    );
    expect(frame).toContain('RemittanceWasSent: 1 unresolved in the sources, 0 duplicate group(s) in the\nstage table');
    expect(frame).toContain('j/k move  enter actions  / filter  h history  ? help  esc back  q quit');
    expect(frame.split('\n').length).toBeLessThanOrEqual(24);
    app.unmount();
  });

  it('fits a two-line notice on a first start, and keeps the headings above the rows before and after the first key', async () => {
    const w = await makeWarehouse();
    const notice = 'created the demo warehouse at /home/ops/.local/share/evfix/demo.duckdb (48,213 events).';
    const app = renderApp(testServices(w), [{ name: 'stages' }], { startupNotice: notice });
    expect(await app.waitFor((f) => allCounted(f) && f.includes('(48,213'))).toMatchInlineSnapshot(`
      "evfix · stage tables                                                last 14 days

                                               duplicate groups
        stage table                     events sources in stage  rerun needed
      > remittance_was_sent_event            0       0        0  no
        card_was_shipped_event               0       0        0  no
        transaction_was_created_event        0       0        0  no
        user_was_registered_event            0       0        0  no
        account_was_opened_event             0       0        0  no








      RemittanceWasSent: 0 unresolved in the sources, 0 duplicate group(s) in the
      stage table

      · created the demo warehouse at /home/ops/.local/share/evfix/demo.duckdb (48,213
      events).
      j/k move  enter actions  / filter  h history  ? help  esc back  q quit"
    `);
    // Any key clears the notice: the list takes the row back, and nothing moves between the headings and the rows.
    expect(await app.waitForChange(() => app.stdin.write('j'))).toMatchInlineSnapshot(`
      "evfix · stage tables                                                last 14 days

                                               duplicate groups
        stage table                     events sources in stage  rerun needed
        remittance_was_sent_event            0       0        0  no
      > card_was_shipped_event               0       0        0  no
        transaction_was_created_event        0       0        0  no
        user_was_registered_event            0       0        0  no
        account_was_opened_event             0       0        0  no









      CardWasShipped: 0 unresolved in the sources, 0 duplicate group(s) in the stage
      table


      j/k move  enter actions  / filter  h history  ? help  esc back  q quit"
    `);
    app.unmount();
  });

  it('shows a stage that needs a rerun, with the plans and the day it starts from', async () => {
    const w = await makeWarehouse();
    const dup = event({ event_created_at: '2026-03-06 10:00:00.000000' });
    await insertOriginals(w.warehouse, [dup, { ...dup, event_ingested_at: '2026-03-14 11:00:00.000000' }]);
    await w.service.call('rerun', { stage: 'remittance_was_sent_event', offset: 14 });
    const plan = await w.service.call('makePlan', { op: 'dedupe', stage: 'remittance_was_sent_event', description: 'dedupe' });
    await w.service.call('applyPlan', { plan: plan.id });
    const app = renderApp(testServices(w));
    const frame = await app.waitFor(allCounted);
    // The sources show one copy (the stage rules' count); the stage table still holds both until the rerun.
    expect(frame).toContain('> remittance_was_sent_event            1       0        1  1 plan, offset 9');
    expect(frame).toContain(
      [
        'RemittanceWasSent: 0 unresolved in the sources, 1 duplicate group(s) in the',
        'stage table; 1 applied plan(s) not in the stage yet: rerun from 2026-03-06',
        '(enter, then rerun)',
      ].join('\n'),
    );
    app.unmount();
  });

  it('moves once per character of a multi-character input, filters with /, and quits on q', async () => {
    const app = renderApp(testServices(await makeWarehouse()));
    await app.press('jjj');
    expect(app.frame()).toMatch(/> user_was_registered_event/);
    await app.press('G');
    expect(app.frame()).toMatch(/> account_was_opened_event/);
    await app.press('g', '/', 'q');
    expect(app.quits()).toBe(0);
    await app.press('\x7f', 'card', KEY.enter);
    expect(app.frame()).toContain('filter: card');
    expect(app.frame()).toMatch(/> card_was_shipped_event/);
    expect(app.frame()).not.toContain('remittance_was_sent_event');
    await app.press(KEY.escape);
    expect(app.frame()).toContain('remittance_was_sent_event');
    await app.press('q');
    expect(app.quits()).toBe(1);
    app.unmount();
  });

  it('opens the actions of the chosen table, and ? lists the keys', async () => {
    const app = renderApp(testServices(await makeWarehouse()));
    // The first frame comes after the stage tables are read; on a loaded machine that is not at once.
    await app.waitFor('stage tables');
    await app.press('?');
    expect(app.frame()).toContain('Keys: evfix · stage tables');
    expect(app.frame()).toMatch(/PgDn\s+page down/);
    await app.press('?', 'j', KEY.enter);
    await app.waitFor('card_was_shipped_event');
    expect(app.frame()).toContain('> Duplicates by event_id');
    await app.press(KEY.escape);
    expect(app.frame()).toContain('stage tables');
    app.unmount();
  });
});

describe('key bursts', () => {
  it('opens the row the cursor reached when moves and enter arrive in one read', async () => {
    const app = renderApp(testServices(await makeWarehouse()));
    await app.waitFor('stage tables');
    await app.press('jj\r');
    await app.waitFor('evfix · transaction_was_created_event');
    await app.press(KEY.escape);
    await app.waitFor('evfix · stage tables');
    // Typed ahead of the screen change: the keys after the first enter reach the actions screen once it is up.
    await app.press('j\rjj\r');
    await app.waitFor('evfix · update event data · user_was_registered_event');
    app.unmount();
  });
});

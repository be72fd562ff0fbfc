/** Business keys, insert, rerun, history and Ctrl-C, driven with keys on a real warehouse. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal } from '../../src/data/journal.js';
import { serializePlan } from '../../src/data/plan.js';
import { createService } from '../../src/data/service/service.js';
import { event, insertOriginals, makeWarehouse, query, stageNamed, stageRows, tableCounts, tempDir } from '../helpers/warehouse.js';
import { KEY, renderApp, testServices } from '../helpers/tui.js';

describe('BusinessKeysScreen', () => {
  it('walks groups sharing a key, marks event_ids and plans their exclusion', async () => {
    const w = await makeWarehouse();
    const tx = (id: string, amount: number) => event({ event_name: 'TransactionWasCreated', data: { transaction_id: id, amount } });
    const [a, b, c, d] = [tx('tx_1', 5), tx('tx_1', 6), tx('tx_2', 1), tx('tx_2', 1)];
    await insertOriginals(w.warehouse, [a!, b!, c!, d!]);
    const stage = stageNamed(w.config, 'transaction_was_created_event');
    const app = renderApp(testServices(w), [{ name: 'businessKeys', stage: stage.name }]);
    await app.waitFor('> business key path: $.transaction_id');
    await app.press(KEY.enter);
    await app.waitFor('group 1/2');
    expect(app.frame()).toContain('$.transaction_id = tx_1  differ: $.amount');
    await app.press('j', ' ');
    await app.waitFor('1 to exclude in 1 group(s)');
    await app.press('n');
    await app.waitFor('group 2/2');
    expect(app.frame()).toContain('(same event_data)');
    await app.press(' ');
    await app.waitFor('2 to exclude in 2 group(s)');
    await app.press('d');
    await app.waitFor('> exclusion_description');
    await app.press('Same transaction published twice', KEY.enter);
    await app.waitFor(/confirm exclude[\s\S]*2 row\(s\) -> s3\.backend_events_exclusions/);
    await app.press('y');
    await app.waitFor('Applied plan');
    const excluded = (await query(w.warehouse, 'SELECT event_id FROM s3.backend_events_exclusions ORDER BY event_id')).map((r) => r.event_id);
    expect(excluded).toEqual([b!.event_id, c!.event_id].sort());
    app.unmount();
  });

  it('says so when a typed path is not a JSON path', async () => {
    const w = await makeWarehouse();
    const app = renderApp(testServices(w), [{ name: 'businessKeys', stage: stageNamed(w.config, 'user_was_registered_event').name }]);
    await app.waitFor('> business key path: $.');
    await app.press('[');
    await app.waitFor('is not a JSON path');
    app.unmount();
  });
});

describe('InsertScreen', () => {
  it('writes an event from the editor as a new exception row', async () => {
    const w = await makeWarehouse();
    const stage = stageNamed(w.config, 'card_was_shipped_event');
    const editor = async (text: string) => {
      const doc = JSON.parse(text);
      doc.event_id = '11111111-2222-4333-8444-555555555555';
      doc.event_created_at = '2026-03-14 09:00:00.000001';
      doc.event_data = { carrier: 'DHL', shipment_id: 'sh_1' };
      return JSON.stringify(doc);
    };
    const app = renderApp(testServices(w, editor), [{ name: 'insert', stage: stage.name }]);
    await app.waitFor('Press e');
    await app.press('e');
    await app.waitFor('summary/1');
    await app.press('n');
    await app.waitFor('(new event)');
    expect(app.frame()).toContain('+   "carrier": "DHL",');
    await app.press(KEY.enter);
    await app.waitFor('> exception_description');
    await app.press('Lost in the Kinesis outage', KEY.enter);
    await app.waitFor('confirm insert');
    await app.press('y');
    await app.waitFor('Applied plan');
    expect(await tableCounts(w.warehouse)).toEqual({ events: 0, exceptions: 1, exclusions: 0 });
    app.unmount();
  });
});

describe('InsertScreen checks', () => {
  /** An editor that hands back `text(doc)` for each session, in turn (the last one again when they run out). */
  const editorOf = (...edits: ((doc: Record<string, unknown>) => unknown)[]) => {
    let session = 0;
    return async (text: string) => {
      const edit = edits[Math.min(session++, edits.length - 1)]!;
      const out = edit(JSON.parse(text));
      return typeof out === 'string' ? out : JSON.stringify(out, null, 2);
    };
  };
  const remittance = (doc: Record<string, unknown>) => ({
    ...doc,
    event_created_at: '2026-03-14 09:00:00.000001',
    event_data: { remittance_id: 'rm_9', Status: 'Sent', amount: 5 },
  });

  it('says nothing changed when the buffer comes back as it was, and plans nothing', async () => {
    const w = await makeWarehouse();
    const app = renderApp(
      testServices(w, async (text) => text),
      [{ name: 'insert', stage: 'remittance_was_sent_event' }],
    );
    await app.waitFor('Press e');
    await app.press('e');
    await app.waitFor('the event was not changed: nothing to insert');
    expect(app.frame()).not.toContain('summary/');
    expect(app.frame()).toContain('insert a missing event');
    app.unmount();
  });

  it('shows an error once', async () => {
    const w = await makeWarehouse();
    const app = renderApp(
      testServices(w, async () => '{ "event_id": '),
      [{ name: 'insert', stage: 'remittance_was_sent_event' }],
    );
    await app.waitFor('Press e');
    await app.press('e');
    const frame = await app.waitFor('! ');
    expect(frame.match(/^! /gm)).toHaveLength(1);
    app.unmount();
  });

  it("warns when event_data is not shaped like the stage's events, and goes on only on a second y", async () => {
    const w = await makeWarehouse();
    await insertOriginals(w.warehouse, [event(), event(), event()]);
    // A transaction written on the remittance stage: then fixed in the editor.
    const editor = editorOf(
      (doc) => ({ ...doc, event_created_at: '2026-03-14 09:00:00.000001', event_data: { transaction_id: 'tx_1', amount: 5 } }),
      remittance,
    );
    const app = renderApp(testServices(w, editor), [{ name: 'insert', stage: 'remittance_was_sent_event' }]);
    await app.waitFor('Press e');
    await app.press('e');
    await app.waitFor('Insert it anyway?');
    expect(app.frame()).toMatch(/it lacks remittance_id, Status;\s+none of them has\s+transaction_id/);
    expect(app.frame()).toMatch(/y insert it anyway +e edit it again/);
    expect(app.frame()).not.toContain('summary/');
    // e edits it again; shaped like the others, it goes straight on to the diff.
    await app.press('e');
    await app.waitFor('summary/1');
    await app.press(KEY.escape);
    await app.waitFor('Press e');
    expect(app.frame()).not.toContain('Insert it anyway?');
    app.unmount();
  });

  it('wraps the event written, never cutting it at 80 columns, and scrolls it when it does not fit', async () => {
    const w = await makeWarehouse();
    await insertOriginals(w.warehouse, [event()]);
    // event_data partly on one line, as an editor may leave it, with keys the stage's events do not have: the
    // warning shows above it, and the event is taller than the rows left.
    const written = (doc: Record<string, unknown>) =>
      JSON.stringify({ ...doc, event_id: '11111111-2222-4333-8444-555555555555', event_created_at: '2026-03-14 09:00:00.000001' }, null, 2).replace(
        '"event_data": {}',
        [
          '"event_data": {',
          '    "remittance_id": "rm_2", "Status": "Sent", "amount": 12.5, "currency": "EUR", "note": "sent by hand after the outage",',
          '    "beneficiary": {',
          '      "name": "Ana Lima",',
          '      "iban": "DE89370400440532013000",',
          '      "country": "DE"',
          '    }',
          '  }',
        ].join('\n'),
      );
    const app = renderApp(testServices(w, editorOf(written)), [{ name: 'insert', stage: 'remittance_was_sent_event' }]);
    await app.press('e');
    expect(await app.waitFor('none of them has')).toMatchInlineSnapshot(`
      "evfix · insert a missing event · remittance_was_sent_event      lines 1-10 of 16
      A RemittanceWasSent event that never arrived is written to the exceptions table
      (is_event_update = false). Press e to write it in your editor; event_data must
      be a JSON object.

      This event_data is not shaped like the RemittanceWasSent events of
      remittance_was_sent_event (compared with 1): none of them has currency, note,
      beneficiary.
      Insert it anyway? y goes on to the diff, e edits it again, esc leaves it as it
      is.

      {
        "event_id": "11111111-2222-4333-8444-555555555555",
        "event_created_at": "2026-03-14 09:00:00.000001",
        "user_id": null,
        "event_external_reference_id": null,
        "event_advisor_id": null,
        "event_data": {
          "remittance_id": "rm_2", "Status": "Sent", "amount": 12.5, "currency":
            "EUR", "note": "sent by hand after the outage",
          "beneficiary": {

      y insert it anyway  e edit it again  j/k scroll  ? help  esc back  q quit"
    `);
    expect(await app.waitForChange(() => app.stdin.write('G'))).toMatchInlineSnapshot(`
      "evfix · insert a missing event · remittance_was_sent_event      lines 7-16 of 16
      A RemittanceWasSent event that never arrived is written to the exceptions table
      (is_event_update = false). Press e to write it in your editor; event_data must
      be a JSON object.

      This event_data is not shaped like the RemittanceWasSent events of
      remittance_was_sent_event (compared with 1): none of them has currency, note,
      beneficiary.
      Insert it anyway? y goes on to the diff, e edits it again, esc leaves it as it
      is.

        "event_data": {
          "remittance_id": "rm_2", "Status": "Sent", "amount": 12.5, "currency":
            "EUR", "note": "sent by hand after the outage",
          "beneficiary": {
            "name": "Ana Lima",
            "iban": "DE89370400440532013000",
            "country": "DE"
          }
        }
      }

      y insert it anyway  e edit it again  j/k scroll  ? help  esc back  q quit"
    `);
    app.unmount();
  });

  it('inserts the odd event on the second y', async () => {
    const w = await makeWarehouse();
    await insertOriginals(w.warehouse, [event()]);
    const edit = editorOf((doc) => ({
      ...doc,
      event_created_at: '2026-03-14 09:00:00.000001',
      event_data: { remittance_id: 'rm_2', Status: 'Sent', amount: 1, note: 'by hand' },
    }));
    // The second session is held open until the test lets it save, so the screen is seen while the editor runs.
    let sessions = 0;
    let save!: () => void;
    const editor = async (text: string) => {
      if (++sessions === 2) await new Promise<void>((r) => (save = r));
      return edit(text);
    };
    const app = renderApp(testServices(w, editor), [{ name: 'insert', stage: 'remittance_was_sent_event' }]);
    await app.press('e');
    await app.waitFor('none of them has note');
    // Edited again and saved as it was: the same question, not "nothing changed".
    await app.press('e');
    await app.waitForFrame((f) => sessions === 2 && !f.includes('none of them has note'));
    save();
    await app.waitFor('none of them has note');
    expect(app.frame()).not.toContain('not changed');
    await app.press('y');
    await app.waitFor('summary/1');
    app.unmount();
  });
});

describe('RerunScreen and HistoryScreen', () => {
  it('wraps the rerun result at spaces: no line of it starts with one', async () => {
    const w = await makeWarehouse();
    // A thousand events in a stage table already built: with this stage's name the description's first line and
    // the result's fill the 80 columns exactly, and the space after each is where Ink's wrap started the next line.
    await insertOriginals(
      w.warehouse,
      Array.from({ length: 1000 }, () => event({ event_name: 'AccountWasOpened', data: { account_id: 'a_1' } })),
    );
    await w.service.call('rerun', { stage: 'account_was_opened_event', offset: 2 });
    const app = renderApp(testServices(w), [{ name: 'stages' }, { name: 'rerun', stage: 'account_was_opened_event', offset: 2 }]);
    await app.waitFor(/removes [\d,]+ row\(s\) of the window/);
    await app.press('y');
    const frame = await app.waitFor('row(s) written.');
    expect(
      frame
        .replace(/\(\d+\.\ds\)/, '(0.0s)')
        .split('\n')
        .slice(0, 7)
        .join('\n'),
    ).toMatchInlineSnapshot(`
      "evfix · rerun · account_was_opened_event
      Rebuild account_was_opened_event with current_date_offset = 2 (every row created
      since that day is recomputed)

      ✓ Rebuilt account_was_opened_event from 2026-03-13 00:00:00.000000: 1,000 row(s)
      removed, 1,000 row(s) written. (0.0s)
      "
    `);
    app.unmount();
  });

  it('reruns with a typed offset and lists the audit table newest first', async () => {
    const w = await makeWarehouse();
    const stage = stageNamed(w.config, 'remittance_was_sent_event');
    const a = event({ event_created_at: '2026-03-01 00:00:00.000000' });
    await insertOriginals(w.warehouse, [event(), a, { ...a, event_ingested_at: '2026-03-01 01:00:00.000000' }]);
    // Two plans applied earlier (by other operators, say): the history reads them from the warehouse.
    w.setNow('2026-03-14 10:00:00.000000');
    const dedupe = await w.service.call('makePlan', { op: 'dedupe', stage: stage.name, description: 'first' });
    await w.service.call('applyPlan', { plan: dedupe.id });
    w.setNow('2026-03-15 12:00:00.000000');
    const update = await w.service.call('makePlan', {
      op: 'update',
      stage: stage.name,
      selection: { where: ['$.Status="Pending"'] },
      edits: [{ op: 'set', path: '$.Status', value: '"Sent"', createIfMissing: true }],
      description: 'second',
    });
    await w.service.call('applyPlan', { plan: update.id });
    const services = testServices(w);
    const app = renderApp(services, [{ name: 'stages' }, { name: 'rerun', stage: stage.name }]);
    await app.waitFor('current_date_offset = 14');
    await app.press('o');
    await app.waitFor('> current_date_offset (days): 14');
    // Backspaces in the same read as a digit, as a held key arrives over SSH.
    await app.press('\x7f\x7f3');
    await app.waitFor('> current_date_offset (days): 3');
    await app.erase(1);
    await app.press('2x');
    await app.waitFor('a whole number of days');
    await app.erase(2);
    // An empty offset is not taken: enter keeps the field open, and no preview waits forever on it.
    await app.press(KEY.enter);
    expect(app.frame()).toContain('> current_date_offset (days):');
    expect(app.frame()).not.toContain('counting the rows');
    // A digit and enter in one read: the digit is the value and the enter submits it, as if typed one by one.
    await app.press('2\r');
    await app.waitFor('current_date_offset = 2');
    // The preview of what the rerun would do, computed without writing.
    await app.waitFor(/removes [\d,]+ row\(s\) of the window and writes [\d,]+/);
    expect(app.frame()).toContain('downstream models: unknown');
    await app.press('y');
    await app.waitFor('Rebuilt remittance_was_sent_event from 2026-03-13 00:00:00.000000');
    expect(await stageRows(w.warehouse, stage.name)).toHaveLength(1);
    await app.press(KEY.enter);
    await app.waitFor('stage tables');
    await app.press('h');
    // The title comes first and the audit table's rows once they are read: wait for the rows.
    const frame = await app.waitFor(/evfix · history[\s\S]*dedupe {2}remittance_was_sent_event/);
    expect(frame.indexOf('update  remittance_was_sent_event')).toBeLessThan(frame.indexOf('dedupe  remittance_was_sent_event'));
    expect(frame).toContain('description: second');
    await app.press('j');
    await app.waitFor('wrote 1 exclusion row(s) and 1 exception row(s)');
    expect(app.frame()).toContain('description: first');
    // enter reads the plan in full; esc is back at the list where it was.
    await app.press(KEY.enter);
    await app.waitFor(`evfix · history · plan ${dedupe.id}`);
    expect(app.frame()).toContain('description: first');
    expect(app.frame()).toMatch(/j\/k scroll .*esc close/);
    await app.press(KEY.escape);
    await app.waitFor('wrote 1 exclusion row(s) and 1 exception row(s)');
    expect(app.frame()).toContain('evfix · history');
    app.unmount();
  });
});

describe('History with four-eyes', () => {
  it('names the applier, the approver and the ticket of a plan', async () => {
    const w = await makeWarehouse({ approval: 'required', ticket_pattern: 'CHG-[0-9]+' });
    const a = event();
    await insertOriginals(w.warehouse, [a, { ...a, event_ingested_at: '2026-03-14 11:00:00.000000' }]);
    const plan = await w.service.call('makePlan', { op: 'dedupe', stage: 'remittance_was_sent_event', description: 'replayed' });
    const file = join(tempDir(), 'plan.json');
    writeFileSync(file, serializePlan(plan));
    const reviewer = createService({ ...w.ctx, operator: 'reviewer' }, new Journal(join(tempDir(), 'journal.jsonl')));
    await reviewer.call('readPlanFile', { file });
    const approval = await reviewer.call('approvePlan', { plan: plan.id });
    await w.service.call('applyPlan', { plan: plan.id, ticket: 'CHG-7' });
    const app = renderApp(testServices(w), [{ name: 'stages' }, { name: 'history' }]);
    const frame = await app.waitFor(`plan ${plan.id} by tester on `);
    expect(frame).toMatch(/· approved by reviewer/);
    await app.press(KEY.enter);
    const details = await app.waitFor(`evfix · history · plan ${plan.id}`);
    expect(details).toContain(`approved by reviewer at ${approval.approved_at} (the second operator)`);
    expect(details).toContain('by tester on ');
    expect(details).toContain('ticket: CHG-7');
    app.unmount();
  });
});

describe('Ctrl-C', () => {
  it('quits at once when nothing is being written', async () => {
    const app = renderApp(testServices(await makeWarehouse()));
    await app.waitFor('stage tables');
    await app.press(KEY.ctrlC);
    expect(app.quits()).toBe(1);
    // Interrupted: the exit status a shell reports for SIGINT, not 0.
    expect(app.quitCode()).toBe(130);
    app.unmount();
  });

  it('takes its write notice away once the write has finished, with no key pressed', async () => {
    const w = await makeWarehouse();
    const services = testServices(w);
    let finish!: () => void;
    void services.trackWrite(new Promise<void>((r) => (finish = r)));
    const app = renderApp(services);
    await app.waitFor('stage tables');
    await app.press(KEY.ctrlC);
    await app.waitFor('A write is in progress');
    finish();
    await app.waitForFrame((f) => !f.includes('A write is in progress'));
    expect(app.quits()).toBe(0);
    app.unmount();
  });

  it('asks first while a write is in flight, then waits for it', async () => {
    const w = await makeWarehouse();
    const services = testServices(w);
    let finish!: () => void;
    void services.trackWrite(new Promise<void>((r) => (finish = r)));
    const app = renderApp(services);
    await app.press(KEY.ctrlC);
    // The whole prompt, wrapped at 80 columns rather than cut before "rolled back".
    await app.waitFor(/A write is in progress\. Press Ctrl-C again to quit once it has\s+committed or\s+rolled back\./);
    expect(app.quits()).toBe(0);
    await app.press(KEY.ctrlC);
    await app.waitFor('Quitting as soon as the write');
    expect(app.quits()).toBe(0);
    finish();
    await new Promise((r) => setTimeout(r, 50));
    expect(app.quits()).toBe(1);
    app.unmount();
  });
});

describe('HistoryScreen revert', () => {
  it('fits the details line at 80 columns, and says what r does for the entry: revert it, or redo the plan it reverted', async () => {
    const w = await makeWarehouse();
    const a = event();
    await insertOriginals(w.warehouse, [a, { ...a, event_ingested_at: '2026-03-14 12:00:00.000000' }]);
    // A dedupe, its revert, and the dedupe made again, not in the stage table yet.
    w.setNow('2026-03-15 10:00:00.000000');
    const plan = await w.service.call('makePlan', { op: 'dedupe', stage: 'remittance_was_sent_event', description: 'replayed deliveries' });
    await w.service.call('applyPlan', { plan: plan.id });
    w.setNow('2026-03-15 11:00:00.000000');
    const revert = await w.service.call('makePlan', { op: 'revert', planId: plan.id });
    await w.service.call('applyPlan', { plan: revert.id });
    w.setNow('2026-03-15 12:00:00.000000');
    const again = await w.service.call('makePlan', { op: 'dedupe', stage: 'remittance_was_sent_event', description: 'replayed deliveries, again' });
    await w.service.call('applyPlan', { plan: again.id });
    const app = renderApp(testServices(w), [{ name: 'history' }]);
    const masked = (f: string) =>
      f
        .replaceAll(plan.id, '<dedupe>')
        .replaceAll(revert.id, '<revert>')
        .replaceAll(again.id, '<again>')
        .replace(/ on \S+/g, ' on <host>');
    expect(masked(await app.waitFor('1/3'))).toMatchInlineSnapshot(`
      "evfix · history                                                              1/3
      > 2026-03-15 12:00:00  dedupe  remittance_was_sent_event  rerun pending
        2026-03-15 11:00:00  revert  remittance_was_sent_event
        2026-03-15 10:00:00  dedupe  remittance_was_sent_event  (reverted)

      plan <again> by tester on <host>
      description: replayed deliveries, again
      wrote 1 exclusion row(s) and 1 exception row(s) · rerun pending














      j/k move  enter read in full  r revert (plan deleting its rows)  ? help"
    `);
    expect(masked(await app.waitForChange(() => app.stdin.write('j')))).toMatchInlineSnapshot(`
      "evfix · history                                                              2/3
        2026-03-15 12:00:00  dedupe  remittance_was_sent_event  rerun pending
      > 2026-03-15 11:00:00  revert  remittance_was_sent_event
        2026-03-15 10:00:00  dedupe  remittance_was_sent_event  (reverted)

      plan <revert> by tester on <host>
      description: Revert of plan <dedupe>: replayed deliveries
      deleted 1 exclusion row(s) and 1 exception row(s) · in the stage table
      reverts plan <dedupe> (r plans <dedupe> again)













      j/k move  enter read in full  r redo the reverted plan  ? help  esc back  q quit"
    `);
    app.unmount();
  });

  it('builds a revert of the chosen plan and confirms it like any other', async () => {
    const w = await makeWarehouse();
    const stage = stageNamed(w.config, 'remittance_was_sent_event');
    const a = event();
    await insertOriginals(w.warehouse, [a, { ...a, event_ingested_at: '2026-03-14 12:00:00.000000' }]);
    const services = testServices(w);
    const plan = await w.service.call('makePlan', { op: 'dedupe', stage: stage.name });
    await w.service.call('applyPlan', { plan: plan.id });
    const app = renderApp(services, [{ name: 'history' }]);
    await app.waitFor('dedupe  remittance_was_sent_event');
    await app.press('r');
    await app.waitFor(/confirm revert[\s\S]*1 row\(s\) deleted from s3\.backend_events_exclusions/);
    expect(app.frame()).toMatch(/1 row\(s\) deleted from s3\.backend_events_exceptions/);
    // It only deletes, and asks so.
    expect(app.frame()).toContain('Delete these rows? press y to delete');
    expect(app.frame()).not.toContain('Write these rows?');
    await app.press('y');
    await app.waitFor('Applied plan');
    expect(app.frame()).toContain('deleted 1 exclusion row(s) and 1 exception row(s)');
    expect(await tableCounts(w.warehouse)).toEqual({ events: 2, exceptions: 0, exclusions: 0 });
    // History marks the plan reverted, and a second revert is refused naming the revert.
    await app.press(KEY.enter);
    await app.waitFor('(reverted)');
    expect(app.frame()).toContain(`reverts plan ${plan.id} (r plans ${plan.id} again)`);
    await app.press('j');
    await app.press('r');
    await app.waitFor(/already reverted by plan [0-9a-f]{16}/);
    // r on the revert offers the dedupe again: a new plan, confirmed like any other.
    await app.press('k', 'r');
    await app.waitFor(`plan ${plan.id} again, undoing its revert`);
    expect(app.frame()).toMatch(/confirm dedupe[\s\S]*1 row\(s\) -> s3\.backend_events_exclusions/);
    await app.press('y');
    await app.waitFor('Applied plan');
    expect(await tableCounts(w.warehouse)).toEqual({ events: 2, exceptions: 1, exclusions: 1 });
    app.unmount();
  });
});

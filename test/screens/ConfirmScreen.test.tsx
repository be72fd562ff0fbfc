/** Confirm: nothing is cut at 80 columns; what does not fit scrolls, and the status line says which lines show. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal } from '../../src/data/journal.js';
import { createService } from '../../src/data/service/service.js';
import { event, insertOriginals, makeWarehouse, query, tempDir, type TestWarehouse } from '../helpers/warehouse.js';
import { KEY, renderApp, testServices } from '../helpers/tui.js';

/** Three duplicate groups in the remittance stage: a dedupe plan to confirm. */
async function duplicates(w: TestWarehouse) {
  const copies = [event(), event(), event()].flatMap((e) => [e, { ...e, event_ingested_at: '2026-03-14 11:00:00.000000' }]);
  await insertOriginals(w.warehouse, copies);
}

const audit = (w: TestWarehouse) => query(w.warehouse, `SELECT plan_id, operator, ticket, approved_by FROM s3.evfix_audit`).catch(() => []);

/** Every line of an 80x24 frame fits: 24 rows, none cut with an ellipsis. */
function fits(frame: string) {
  const lines = frame.split('\n');
  expect(lines.length).toBeLessThanOrEqual(24);
  expect(lines.filter((l) => l.endsWith('…') && !l.includes('computing…') && !l.includes('checking'))).toEqual([]);
}

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

  it('G and End scroll to the last line, g and Home back to the first', async () => {
    const w = await makeWarehouse();
    await duplicates(w);
    const services = testServices(w);
    const plan = await services.service.call('makePlan', { op: 'dedupe', stage: 'remittance_was_sent_event', description: 'replayed deliveries' });
    const app = renderApp(services, [{ name: 'stages' }, { name: 'confirm', plan }]);
    const first = await app.waitFor('stage table after the rerun: 3 added');
    const total = Number(/of (\d+) · dev/.exec(first)![1]);
    // The last lines of the SQL, the commit at the bottom of the document, just above the question.
    let frame = await app.waitForChange(() => app.stdin.write('G'));
    expect(frame).toMatchInlineSnapshot(`
      "confirm dedupe · remittance_was_sent_event               lines 75-92 of 92 · dev
          exclusion_description)
      WITH chosen AS (SELECT * FROM evfix_chosen)
      SELECT DISTINCT event_created_at, event_id, event_name,
        $applied_at::TIMESTAMP, $description
      FROM chosen;
      -- insert exceptions
      INSERT INTO "s3"."backend_events_exceptions"
        (event_created_at, event_id, event_name, user_id,
          event_external_reference_id, event_advisor_id, event_data,
          event_ingested_at, exception_added_timestamp, exception_description,
          is_event_update)
      WITH chosen AS (SELECT * FROM evfix_chosen)
      SELECT event_created_at, event_id, event_name, user_id,
        event_external_reference_id, event_advisor_id, event_data, event_ingested_at,
        $applied_at::TIMESTAMP, $description, false
      FROM chosen WHERE kept;
      -- commit
      COMMIT;
      Write these rows? press y to write, esc to go back (nothing is written)


      y write  j/k scroll  e edit description  ? help  esc back  q quit"
    `);
    frame = await app.waitForChange(() => app.stdin.write('g'));
    expect(frame).toContain(`lines 1-`);
    frame = await app.waitForChange(() => app.stdin.write('\x1b[F'));
    expect(frame).toMatch(new RegExp(`lines \\d+-${total} of ${total} · dev`));
    frame = await app.waitForChange(() => app.stdin.write('\x1b[H'));
    expect(frame).toContain(`dedupe plan ${plan.id} by tester`);
    app.unmount();
  });

  it('a revert only deletes: the question and the footer both say delete, and so does the result', async () => {
    const w = await makeWarehouse();
    await duplicates(w);
    const services = testServices(w);
    const dedupe = await services.service.call('makePlan', { op: 'dedupe', stage: 'remittance_was_sent_event', description: 'replayed deliveries' });
    await services.service.call('applyPlan', { plan: dedupe.id });
    const plan = await services.service.call('makePlan', { op: 'revert', planId: dedupe.id });
    const app = renderApp(services, [{ name: 'history' }, { name: 'confirm', plan }]);
    await app.waitFor('Delete these rows?');
    const frame = await app.waitForChange(() => app.stdin.write('G'));
    expect(frame).toMatchInlineSnapshot(`
      "confirm revert · remittance_was_sent_event               lines 44-61 of 61 · dev
        $audit_description, $audit_operator, $audit_host, $audit_selection,
        $audit_counts, $audit_fingerprint, $audit_job_id,
        $audit_applied_at::TIMESTAMP, $audit_window_from::TIMESTAMP,
        $audit_window_until::TIMESTAMP, $audit_oldest::TIMESTAMP, $audit_ticket,
        $audit_approved_by, $audit_approved_at::TIMESTAMP, $audit_revert_of,
        $audit_plan);
      -- delete exceptions
      DELETE FROM "s3"."backend_events_exceptions" AS c
      WHERE c.exception_added_timestamp = $written_at::TIMESTAMP AND
        c.exception_description = $written_description AND c.event_name = $event_name
        AND c.event_created_at >= $from AND c.event_created_at < $until;
      -- delete exclusions
      DELETE FROM "s3"."backend_events_exclusions" AS x
      WHERE x.exclusion_added_timestamp = $written_at::TIMESTAMP AND
        x.exclusion_description = $written_description AND x.event_name = $event_name
        AND x.event_created_at >= $from AND x.event_created_at < $until;
      -- commit
      COMMIT;
      Delete these rows? press y to delete, esc to go back (nothing is deleted)


      y delete  j/k scroll  e edit description  ? help  esc back  q quit"
    `);
    // Applied, it says what it deleted, with no "0 row(s) ->" lines for writes it never made.
    await app.press('y');
    expect((await app.waitFor('Applied plan')).replace(plan.id, '<plan id>').replace(/\(\d+\.\ds\)/, '(0.0s)')).toMatchInlineSnapshot(`
      "evfix · apply revert · remittance_was_sent_event
      ✓ Applied plan <plan id>
        deleted 3 exclusion row(s) and 3 exception row(s)
        recorded in s3.evfix_audit (0.0s)

      The stage table shows this once it is rerun: r opens the rerun of
      remittance_was_sent_event from current_date_offset = 1; enter goes back to the
      stage tables.














      r rerun screen  enter done, back to stage tables  ? help  esc back  q quit"
    `);
    app.unmount();
  });

  it("lists the groups whose copy the operator chose first, never inside 'and N more'", async () => {
    const w = await makeWarehouse();
    // Five groups of two copies; the copy is chosen for the last group by event_id, past the first three.
    const ids = [1, 2, 3, 4, 5].map((i) => `${i}0000000-0000-4000-8000-000000000000`);
    await insertOriginals(
      w.warehouse,
      ids.flatMap((id) => [event({ event_id: id }), event({ event_id: id, event_ingested_at: '2026-03-14 11:00:00.000000' })]),
    );
    const services = testServices(w);
    const plan = await services.service.call('makePlan', {
      op: 'dedupe',
      stage: 'remittance_was_sent_event',
      choices: [[ids[4]!, 1]],
      description: 'replayed deliveries',
    });
    const app = renderApp(services, [{ name: 'stages' }, { name: 'confirm', plan }]);
    const frame = await app.waitFor('stage table after the rerun: 5 added');
    expect(frame.replace(plan.id, '<plan id>')).toMatchInlineSnapshot(`
      "confirm dedupe · remittance_was_sent_event                lines 1-18 of 94 · dev
      dedupe plan <plan id> by tester: 10 event(s)
        created 2026-03-01 00:00:00 .. (no end)
        created 2026-03-14 10:00:00 .. 2026-03-14 10:00:00
                5 row(s) -> s3.backend_events_exclusions
                5 row(s) -> s3.backend_events_exceptions (is_event_update = false)
        5 duplicate group(s): all 10 copies excluded, one copy per group re-added
          (is_event_update = false)
        kept: the earliest ingested copy, or the copy chosen for 1 group(s); 1
          group(s) keep a later copy
        50000000-0000-4000-8000-000000000000 keeps copy 2 of 2 (chosen)
        10000000-0000-4000-8000-000000000000 keeps copy 1 of 2 (earliest ingested)
        and 3 more group(s): the earliest ingested copy
        rerun: remittance_was_sent_event, current_date_offset = 1 (from 2026-03-14)
        stage table after the rerun: 5 added, 0 removed, 0 changed, 0 unchanged
          + 10000000 2026-03-14 10:00 added
          + 20000000 2026-03-14 10:00 added
      description (e edits): replayed deliveries
      SQL (8 statement(s), 76 lines):
      Write these rows? press y to write, esc to go back (nothing is written)


      y write  j/k scroll  e edit description  ? help  esc back  q quit"
    `);
    app.unmount();
  });

  it('with ticket_pattern: a ticket field has the keys first; a ticket that does not match, or none, writes nothing; a matching one is stored', async () => {
    const w = await makeWarehouse({ ticket_pattern: 'CHG-[0-9]+' });
    await duplicates(w);
    const services = testServices(w);
    const plan = await services.service.call('makePlan', { op: 'dedupe', stage: 'remittance_was_sent_event', description: 'replayed deliveries' });
    const app = renderApp(services, [{ name: 'stages' }, { name: 'confirm', plan }]);
    let frame = await app.waitFor('> ticket: ');
    expect(frame).toContain('required, matching CHG-[0-9]+');
    fits(frame);
    // Typed whole-or-nothing: CHG-12x does not match, and enter keeps nothing.
    await app.press(...'CHG-12x', KEY.enter);
    frame = await app.waitFor('! does not match CHG-[0-9]+');
    fits(frame);
    // esc leaves the field without a ticket (what was typed is dropped); y then asks for one, and nothing is written.
    await app.press(KEY.escape, 'y');
    frame = await app.waitFor('a ticket is required before writing (ticket_pattern CHG-[0-9]+)');
    expect(frame).toContain('> ticket: ');
    fits(frame);
    expect(await audit(w)).toEqual([]);
    await app.press(...'CHG-12', KEY.enter);
    frame = await app.waitFor((f) => /^ {2}ticket: CHG-12/m.test(f) && f.includes('Write these rows?'));
    fits(frame);
    expect(frame).toMatch(/y write/);
    await app.press('y');
    await app.waitFor('Applied plan');
    expect(await audit(w)).toEqual([{ plan_id: plan.id, operator: 'tester', ticket: 'CHG-12', approved_by: null }]);
    app.unmount();
  });

  it('with approval required: y keeps the plan for a second operator and shows the command; once approved, y writes it', async () => {
    const w = await makeWarehouse({ approval: 'required' });
    await duplicates(w);
    const services = testServices(w);
    const plan = await services.service.call('makePlan', { op: 'dedupe', stage: 'remittance_was_sent_event', description: 'replayed deliveries' });
    const app = renderApp(services, [{ name: 'stages' }, { name: 'confirm', plan }]);
    let frame = await app.waitFor("Needs a second operator's approval before it is written");
    expect(frame).toContain('approval: none yet by a second operator (approval: required');
    expect(frame).toContain('y keep for approval');
    fits(frame);
    await app.press('y');
    frame = await app.waitFor('evfix approve ');
    fits(frame);
    expect(frame).toContain('y write once approved');
    const file = /evfix approve (\S+)/.exec(frame)![1]!;
    expect(file).toMatch(new RegExp(`plans/${plan.id}\\.json$`));
    expect(existsSync(file)).toBe(true);
    expect(await audit(w)).toEqual([]);

    // A second operator, with a state folder of their own, approves the kept file.
    const reviewer = createService({ ...w.ctx, operator: 'reviewer' }, new Journal(join(tempDir(), 'journal.jsonl')));
    await reviewer.call('readPlanFile', { file });
    await reviewer.call('approvePlan', { plan: plan.id });
    await app.press('y');
    await app.waitFor('Applied plan');
    expect(await audit(w)).toEqual([{ plan_id: plan.id, operator: 'tester', ticket: null, approved_by: 'reviewer' }]);
    app.unmount();
  });
});

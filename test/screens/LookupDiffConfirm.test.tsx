/** Update event data through the screens: lookup, typed edits or $EDITOR, diff, description, confirm. */
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/data/config.js';
import { PENDING_DESCRIPTION } from '../../src/data/operations/makePlan.js';
import { DuckdbEngine } from '../../src/data/duckdb/engine.js';
import { event, insertOriginals, makeWarehouse, query, stageNamed, tableCounts } from '../helpers/warehouse.js';
import { KEY, renderApp, testServices } from '../helpers/tui.js';

async function remittance(overrides: Partial<Config> = {}) {
  const w = await makeWarehouse();
  const e = event({ event_created_at: '2026-03-10 15:38:21.224000', data: { Status: 'Pending', amount: 12.5 } });
  await insertOriginals(w.warehouse, [e]);
  // The fixture is written first; the screens then get the configuration under test (read-only opens the file read-only).
  const config = { ...w.config, ...overrides };
  const warehouse = new DuckdbEngine(config as never, w.ctx.now);
  const tested = { ...w, config, ctx: { ...w.ctx, config, warehouse } };
  return { w: tested, e, stage: stageNamed(config, 'remittance_was_sent_event') };
}

async function removeAmount(app: ReturnType<typeof renderApp>, id: string) {
  await app.press(id, KEY.enter, KEY.enter);
  await app.waitFor('event_data now');
  await app.press('x');
  await app.waitFor('> remove path: $.');
  await app.press('amount', KEY.enter);
  await app.waitFor('1. remove $.amount');
  await app.press(KEY.enter);
  await app.waitFor('summary/1');
  await app.press('n');
  await app.waitFor('event 1/1');
  await app.press(KEY.enter);
  await app.waitFor('> exception_description');
  await app.press('why', KEY.enter);
}

describe('lookup, edit, diff and confirm', () => {
  it('asks before esc or q throws the changes away: on the form, and from the diff and confirm above it', async () => {
    const { w, e, stage } = await remittance();
    const app = renderApp(testServices(w), [{ name: 'stages' }, { name: 'lookup', stage: stage.name }]);
    await app.press(e.event_id, KEY.enter, KEY.enter);
    await app.waitFor('"Status": "Pending"');
    await app.press('s', 'Status', KEY.enter, 'Failed', KEY.enter);
    await app.waitFor('1. set $.Status = "Failed"');
    await app.press(KEY.escape);
    await app.waitFor('discard 1 change? y/N');
    await app.press('n');
    await app.waitForFrame((f) => !f.includes('y/N'));
    expect(app.frame()).toContain('1. set $.Status = "Failed"');
    // From the confirm screen, q would drop the change under it (and the description typed on the diff).
    await app.press(KEY.enter);
    await app.waitFor('summary/1');
    await app.press(KEY.enter, 'why', KEY.enter);
    await app.waitFor('Write these rows?');
    await app.press('q');
    await app.waitFor('quit and discard 1 change and the description? y/N');
    await app.press(KEY.escape);
    await app.waitForFrame((f) => !f.includes('y/N'));
    expect(app.quits()).toBe(0);
    expect(app.frame()).toContain('Write these rows?');
    // Back on the diff (esc writes nothing and loses nothing), then on the form: esc asks, y leaves.
    await app.press(KEY.escape);
    await app.waitFor('summary/1');
    await app.press(KEY.escape);
    await app.waitFor('discard the description? y/N');
    await app.press('y');
    await app.waitFor('1. set $.Status = "Failed"');
    await app.press(KEY.escape, 'y');
    await app.waitFor('evfix · stage tables');
    expect(await tableCounts(w.warehouse)).toEqual({ events: 1, exceptions: 0, exclusions: 0 });
    app.unmount();
  });

  it('in read-only mode does not ask: nothing done there can be written', async () => {
    const { w, e, stage } = await remittance({ read_only: true });
    const app = renderApp(testServices(w), [{ name: 'lookup', stage: stage.name }]);
    await app.press(e.event_id, KEY.enter, KEY.enter);
    await app.waitFor('"Status": "Pending"');
    await app.press('s', 'Status', KEY.enter, 'Failed', KEY.enter);
    await app.waitFor('1. set $.Status = "Failed"');
    await app.press('q');
    await app.waitForFrame(() => app.quits() === 1);
    expect(app.frame()).not.toContain('y/N');
    app.unmount();
  });

  it('takes the whole path typed over the initial "$.", and opens each set form fresh', async () => {
    const { w, e, stage } = await remittance();
    const app = renderApp(testServices(w), [{ name: 'lookup', stage: stage.name }]);
    await app.press(e.event_id, KEY.enter, e.event_created_at, KEY.enter);
    await app.waitFor('"Status": "Pending"');
    // One burst, the path typed whole: "$.$.Status" is the path $.Status, and the value goes to the value field.
    await app.press('s$.Status\rFailed\r');
    await app.waitFor('1. set $.Status = "Failed"');
    // The next set form starts empty: a new value is not appended to the last one.
    await app.press('s$.note\rchecked\r');
    await app.waitFor('2. set $.note = "checked"');
    app.unmount();
  });

  it('sets $.Status to "Failed" with a typed value, shows the diff, requires a description, and writes on y', async () => {
    const { w, e, stage } = await remittance();
    const app = renderApp(testServices(w), [{ name: 'lookup', stage: stage.name }]);
    await app.press('not-a-uuid');
    await app.waitFor('is not a UUID');
    await app.erase(10);
    await app.press(e.event_id, KEY.enter, e.event_created_at, KEY.enter);
    await app.waitFor('"Status": "Pending"');
    expect(app.frame()).toContain(`${e.event_id} @ 2026-03-10 15:38:21.224000 (original)`);
    await app.press('s');
    await app.waitFor('> path: $.');
    // The path's initial "$." is not an error until the operator types or submits it.
    expect(app.frame()).not.toContain('is not a JSON path');
    await app.press('Status', KEY.enter);
    // Enter on the path goes to the value; the type stays as chosen (string).
    await app.waitFor('> value (string)');
    expect(app.frame()).toContain('  type: [string]');
    await app.press('Failed', KEY.enter);
    await app.waitFor('1. set $.Status = "Failed"');
    expect(app.frame()).toContain('"Status": "Failed"');
    await app.press(KEY.enter);
    // The summary of the changes comes first: each before -> after pair with its count.
    await app.waitFor('summary/1');
    expect(app.frame()).toContain('"Pending" -> "Failed"   ×1');
    // Counted in events, not "changes" (the edits above are the changes).
    expect(app.frame()).toContain('1 event(s) to change in remittance_was_sent_event');
    await app.press('n');
    await app.waitFor('-   "Status": "Pending",');
    expect(app.frame()).toContain('event 1/1');
    expect(app.frame()).toContain('+   "Status": "Failed",');
    // Enter with no description refuses and puts the cursor in the field.
    await app.press(KEY.enter);
    await app.waitFor('write a description first');
    expect(app.frame()).toContain('> exception_description');
    // Esc leaves the field and stays on the diff; enter brings the field back.
    await app.press(KEY.escape);
    expect(app.frame()).toContain('event 1/1');
    expect(app.frame()).not.toContain('> exception_description');
    await app.press(KEY.enter);
    await app.waitFor('> exception_description');
    await app.press('Remittance was never sent updates', KEY.enter);
    await app.waitFor(/confirm update[\s\S]*Write these rows\?/);
    expect(app.frame()).toMatch(/1 row\(s\) -> s3\.backend_events_exceptions \(is_event_update = true\)/);
    expect(app.frame()).toContain('edits: set $.Status = "Failed"');
    await app.press('y');
    await app.waitFor('Applied plan');
    const rows = await query(w.warehouse, `SELECT CAST(event_data AS VARCHAR) AS d, exception_description AS why FROM s3.backend_events_exceptions`);
    // The document the review showed, compared as evfix compares documents: json_merge_patch puts an edited key
    // last, and key order is not kept (BigQuery keeps none either).
    expect(rows.map((r) => ({ d: JSON.parse(String(r.d)), why: r.why }))).toEqual([
      { d: { Status: 'Failed', amount: 12.5 }, why: 'Remittance was never sent updates' },
    ]);
    app.unmount();
  });

  it('takes text and enter arriving in one read as the value, then its enter', async () => {
    const { w, e, stage } = await remittance();
    const app = renderApp(testServices(w), [{ name: 'lookup', stage: stage.name }]);
    // event_id, enter, event_created_at, enter: one write, as a fast typist or a paste over SSH sends them.
    app.stdin.write(`${e.event_id}\r${e.event_created_at}\r`);
    await app.waitFor('"Status": "Pending"');
    expect(app.frame()).toContain(`${e.event_id} @ 2026-03-10 15:38:21.224000 (original)`);
    app.stdin.write('s');
    await app.waitFor('> path: $.');
    // The screen adds the edit from its own state: the enter must wait until that state holds "Failed".
    app.stdin.write('Status\rFailed\r');
    await app.waitFor('1. set $.Status = "Failed"');
    app.unmount();
  });

  it('takes a whole edit typed ahead in one write: keys wait for the field or screen they were meant for', async () => {
    const { w, e, stage } = await remittance();
    const app = renderApp(testServices(w), [{ name: 'lookup', stage: stage.name }]);
    await app.waitFor('> event_id');
    // "s" and what follows arrive while the event is being looked up: they wait for the edit view, then its form.
    app.stdin.write(`${e.event_id}\r${e.event_created_at}\rsStatus\rFailed\r`);
    await app.waitFor('1. set $.Status = "Failed"');
    expect(app.frame()).toContain('"Status": "Failed"');
    // The description, its enter and the y of the confirm screen, typed ahead of the plan's summary.
    app.stdin.write('\r\r');
    await app.waitFor('> exception_description');
    app.stdin.write('Never sent\ry');
    await app.waitFor('Applied plan');
    const rows = await query(w.warehouse, `SELECT CAST(event_data AS VARCHAR) AS d, exception_description AS why FROM s3.backend_events_exceptions`);
    // The document the review showed, compared as evfix compares documents: json_merge_patch puts an edited key
    // last, and key order is not kept (BigQuery keeps none either).
    expect(rows.map((r) => ({ d: JSON.parse(String(r.d)), why: r.why }))).toEqual([{ d: { Status: 'Failed', amount: 12.5 }, why: 'Never sent' }]);
    app.unmount();
  });

  it('opens help with ? where ? cannot be typed, types it in free text, and opens help with F1 everywhere', async () => {
    const { w, e, stage } = await remittance();
    const app = renderApp(testServices(w), [{ name: 'lookup', stage: stage.name }]);
    await app.waitFor('> event_id');
    expect(app.frame()).toMatch(/F1 help {2}esc back$/m);
    app.stdin.write('?');
    await app.waitFor('Keys: evfix · update event data');
    expect(app.frame()).not.toContain('is not a UUID');
    expect(app.frame()).toMatch(/^tab +next field$/m);
    app.stdin.write('\x1b');
    await app.waitFor('> event_id');
    app.stdin.write(`${e.event_id}\r\rs\t`);
    // On the type row: the footer says what ←/→ do.
    await app.waitFor('> type: [string]');
    expect(app.frame()).toMatch(/^enter next field {2}←\/→ change the type {2}tab\/shift-tab field {2}F1 help {2}esc back$/m);
    app.stdin.write('\t?');
    await app.waitFor('> value (string): ?');
    expect(app.frame()).not.toContain('Keys:');
    app.stdin.write('\x1bOP');
    await app.waitFor('Keys: evfix · update event data');
    app.stdin.write('\x1bOP');
    // The field is back with what was typed in it.
    await app.waitFor('> value (string): ?');
    app.unmount();
  });

  it('refuses a value that does not match its JSON type, and a change JSON_SET would ignore', async () => {
    const { w, e, stage } = await remittance();
    const app = renderApp(testServices(w), [{ name: 'lookup', stage: stage.name }]);
    await app.press(e.event_id, KEY.enter, KEY.enter);
    await app.waitFor('event_data now');
    await app.press('s');
    await app.waitFor('> path: $.');
    await app.press('amount', KEY.enter);
    await app.waitFor('> value (string)');
    await app.press('\x1b[Z', KEY.right);
    await app.waitFor('> type:  string  [number]');
    await app.press(KEY.enter, 'twelve');
    await app.waitFor('"twelve" is not a number');
    await app.erase(6);
    await app.press(KEY.tab);
    await app.waitFor('> path: $.amount');
    await app.press('.cents', KEY.tab, KEY.tab, '1', KEY.enter);
    await app.waitFor('$.amount is a number, not an object');
    expect(await tableCounts(w.warehouse)).toEqual({ events: 1, exceptions: 0, exclusions: 0 });
    app.unmount();
  });

  it('takes a document edited in $EDITOR, reopening it with the parse error when it is not JSON', async () => {
    const { w, e, stage } = await remittance();
    const seen: string[] = [];
    const editor = async (text: string) => {
      seen.push(text);
      if (seen.length === 1) return text.replace('"Pending"', '"Failed"').replace('12.5', '12.5,');
      return text.replace('12.5,', '12.5');
    };
    const app = renderApp(testServices(w, editor), [{ name: 'lookup', stage: stage.name }]);
    await app.press(e.event_id, KEY.enter, KEY.enter);
    await app.waitFor('event_data now');
    await app.press('e');
    await app.waitFor('1. set $.Status = "Failed"');
    expect(seen[1]).toMatch(/^\/\/ edited document: invalid JSON at character/);
    app.unmount();
  });

  it('applies the same change to several events', async () => {
    const { w, e, stage } = await remittance();
    const other = event({ data: { Status: 'Pending', amount: 1 } });
    await insertOriginals(w.warehouse, [other]);
    const app = renderApp(testServices(w), [{ name: 'lookup', stage: stage.name }]);
    await app.press(e.event_id, KEY.enter, KEY.enter);
    await app.waitFor('event_data now');
    await app.press('a');
    await app.waitFor('> event_id');
    await app.press(other.event_id, KEY.enter, KEY.enter);
    await app.waitFor('2 event(s)');
    await app.press('x');
    await app.waitFor('> remove path: $.');
    await app.press('amount', KEY.enter);
    await app.waitFor('1. remove $.amount');
    await app.press(KEY.enter);
    await app.waitFor('summary/2');
    await app.press('n');
    await app.waitFor('event 1/2');
    await app.press('n');
    expect(app.frame()).toContain('event 2/2');
    expect(app.frame()).toContain('-   "amount": 1');
    app.unmount();
  });

  it('in production needs the stage table name typed; in read-only mode offers no write', async () => {
    const prod = await remittance({ environment: 'prod' });
    let app = renderApp(testServices(prod.w), [{ name: 'lookup', stage: prod.stage.name }]);
    await removeAmount(app, prod.e.event_id);
    await app.waitFor('Type the stage table name');
    await app.press('y', KEY.enter);
    await app.waitFor('does not match');
    expect(await tableCounts(prod.w.warehouse)).toMatchObject({ exceptions: 0 });
    await app.erase(1);
    await app.press('remittance_was_sent_event', KEY.enter);
    await app.waitFor('Applied plan');
    app.unmount();

    const ro = await remittance({ read_only: true });
    app = renderApp(testServices(ro.w), [{ name: 'lookup', stage: ro.stage.name }]);
    await removeAmount(app, ro.e.event_id);
    await app.waitFor('Read-only mode: this plan cannot be written');
    expect(app.frame()).not.toContain('y write');
    await app.press('y');
    expect(app.frame()).not.toContain('Applied');
    expect(await tableCounts(ro.w.warehouse)).toMatchObject({ exceptions: 0 });
    app.unmount();
  });
});

describe('DiffScreen description field', () => {
  it('asks why in one plain placeholder: no parentheses of its own, which a terminal without colour nests in the ones it adds', async () => {
    const w = await makeWarehouse();
    await insertOriginals(w.warehouse, [event({ event_id: '96905cc1-0000-4000-8000-000000000001' })]);
    const plan = await w.service.call('makePlan', {
      op: 'update',
      stage: 'remittance_was_sent_event',
      selection: { where: ['$.Status="Pending"'] },
      edits: [{ op: 'set', path: '$.Status', value: '"Sent"', createIfMissing: true }],
      description: PENDING_DESCRIPTION,
    });
    const app = renderApp(testServices(w), [{ name: 'stages' }, { name: 'diff', plan }]);
    const frame = await app.waitFor('exception_description');
    expect(frame).toMatchInlineSnapshot(`
      "evfix · diff · remittance_was_sent_event                               summary/1
      1 event(s) to change in remittance_was_sent_event
      Summary: 1 row(s) to write for 1 selected event(s).

      $.Status:
        "Pending" -> "Sent"   ×1

      n or → goes through the events one at a time.









        exception_description: why is this changed? it is stored with every row




      n/p event  j/k scroll  tab description  enter confirm  ? help  esc back  q quit"
    `);
    app.unmount();
  });
});

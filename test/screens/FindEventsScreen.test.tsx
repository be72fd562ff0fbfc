/**
 * Find events through the screens: conditions and a window, the paged list of matches with its count, marks,
 * and the plans made of them (exclude, update), applied and read back from the warehouse.
 */
import { describe, expect, it } from 'vitest';
import { describeError } from '../../src/data/errors.js';
import { parseCondition } from '../../src/data/selection.js';
import type { EventRow } from '../../src/data/model.js';
import { event, insertException, insertOriginals, makeWarehouse, query, type TestWarehouse } from '../helpers/warehouse.js';
import { KEY, renderApp, testServices } from '../helpers/tui.js';

const STAGE = 'remittance_was_sent_event';

/** Remittances a minute apart from 2026-03-10 10:00: `pending` of them Pending (the first ones), the rest Sent. */
async function remittances(count: number, pending: number): Promise<{ w: TestWarehouse; rows: EventRow[] }> {
  const w = await makeWarehouse();
  const rows = Array.from({ length: count }, (_, i) => {
    const minute = String(i % 60).padStart(2, '0');
    const hour = String(10 + Math.floor(i / 60)).padStart(2, '0');
    return event({
      event_created_at: `2026-03-10 ${hour}:${minute}:00.000000`,
      data: { remittance_id: `rm_${i}`, Status: i < pending ? 'Pending' : 'Sent', amount: i },
    });
  });
  await insertOriginals(w.warehouse, rows);
  return { w, rows };
}

const open = (w: TestWarehouse) => renderApp(testServices(w), [{ name: 'stages' }, { name: 'actions', stage: STAGE }, { name: 'findEvents', stage: STAGE }]);

/** A frame's wrapped lines joined again (a continuation line is indented). */
const joined = (frame: string) => frame.replace(/\n +/g, ' ');

describe('find events', () => {
  it('lists the matches of a condition with their count, excludes the marked ones, and the warehouse holds the exclusions', async () => {
    const { w, rows } = await remittances(8, 5);
    const app = open(w);
    await app.waitFor('> where:');
    await app.press('$.Status="Pending"', KEY.enter);
    await app.waitFor('1. $.Status="Pending"');
    await app.press(KEY.enter);
    await app.waitFor('0 marked · 1/5');
    // Each row: created_at, event_id, a column for the exception mark, and the value at the path searched for.
    expect(app.frame()).toContain(`2026-03-10 10:00:00 ${rows[0]!.event_id}   "Pending"`);
    expect(app.frame()).not.toContain('from an exception row');
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
    expect(excluded).toEqual(
      [rows[0]!, rows[2]!].map((r) => ({ event_id: r.event_id, why: 'never sent twice' })).sort((a, b) => a.event_id.localeCompare(b.event_id)),
    );
    app.unmount();
  });

  it('marks an event whose version is an exception row, apart from its value, and says what the mark means', async () => {
    const { w, rows } = await remittances(4, 4);
    await insertException(
      w.warehouse,
      { ...rows[1]!, event_data: JSON.stringify({ remittance_id: 'rm_1', Status: 'Pending', amount: 99 }) },
      '2026-03-12 00:00:00.000000',
    );
    const app = open(w);
    await app.press('$.Status="Pending"', KEY.enter, KEY.enter);
    await app.waitFor('0 marked · 1/4');
    expect(app.frame()).toContain(`2026-03-10 10:01:00 ${rows[1]!.event_id} * "Pending"`);
    expect(app.frame()).toContain(`2026-03-10 10:00:00 ${rows[0]!.event_id}   "Pending"`);
    expect(app.frame()).toContain('* from an exception row · $.Status="Pending"');
    app.unmount();
  });

  it('updates every match of the conditions as one set-based plan when nothing is marked', async () => {
    const { w, rows } = await remittances(8, 5);
    const app = open(w);
    await app.press('$.Status="Pending"', KEY.enter, '$.amount>=1', KEY.enter, KEY.enter);
    await app.waitFor('0 marked · 1/4');
    await app.press('u');
    await app.waitFor('every match (4 now) of $.Status="Pending" · $.amount>=1');
    expect(app.frame()).toContain('"Status": "Pending"');
    await app.press('s', 'Status', KEY.enter, 'Failed', KEY.enter);
    await app.waitFor('1. set $.Status = "Failed"');
    await app.press(KEY.enter);
    await app.waitFor('summary/4');
    expect(app.frame()).toContain('"Pending" -> "Failed"   ×4');
    await app.press(KEY.enter);
    await app.waitFor('> exception_description');
    await app.press('never sent', KEY.enter);
    await app.waitFor(/confirm update[\s\S]*Write these rows\?/);
    // The plan selects by the conditions, not by a list of the events' keys.
    // The confirm screen wraps its lines (nothing is cut): read them joined.
    expect(joined(app.frame())).toContain('$.Status = "Pending"; $.amount >= 1');
    expect(joined(app.frame())).not.toContain('named by key');
    expect(app.frame()).toContain('4 row(s) -> s3.backend_events_exceptions (is_event_update = true)');
    await app.press('y');
    await app.waitFor('Applied plan');
    const written = await query(
      w.warehouse,
      `SELECT event_id, json_extract_string(event_data, '$.Status') AS status FROM s3.backend_events_exceptions ORDER BY event_id`,
    );
    expect(written).toEqual(rows.slice(1, 5).map((r) => ({ event_id: r.event_id, status: 'Failed' })));
    app.unmount();
  });

  it('says on the update screen when the changes would write nothing, and stays there to change them', async () => {
    const { w } = await remittances(4, 2);
    const app = open(w);
    await app.press('$.Status="Pending"', KEY.enter, KEY.enter);
    await app.waitFor('0 marked · 1/2');
    await app.press('u', 's', 'Status', KEY.enter, 'Pending', KEY.enter);
    await app.waitFor('1. set $.Status = "Pending"');
    await app.press(KEY.enter);
    // The flash wraps at spaces: read it with its lines joined.
    const frame = (await app.waitFor('nothing to write')).replace(/\s+/g, ' ');
    expect(frame).toContain('nothing to write: the 2 selected RemittanceWasSent event(s) in remittance_was_sent_event are already as asked; nothing to do');
    expect(frame).toContain('update found events');
    // The same screen takes the change again: undone, set as meant, and the plan is made.
    await app.press('u', 's', 'Status', KEY.enter, 'Failed', KEY.enter);
    await app.waitFor('1. set $.Status = "Failed"');
    await app.press(KEY.enter);
    expect(await app.waitFor('summary/2')).toContain('"Pending" -> "Failed"   ×2');
    expect(await query(w.warehouse, 'SELECT count(*)::INTEGER AS n FROM s3.backend_events_exceptions')).toEqual([{ n: 0 }]);
    app.unmount();
  });

  it('updates only the marked events, by key, and opens the lookup of the event under the cursor', async () => {
    const { w, rows } = await remittances(8, 5);
    const app = open(w);
    await app.press('$.Status="Pending"', KEY.enter, KEY.enter);
    await app.waitFor('0 marked · 1/5');
    await app.press('j', 'v', 'j', 'j', 'v');
    await app.waitFor('3 marked · 4/5');
    await app.press('u');
    await app.waitFor('3 marked event(s), still matching $.Status="Pending"');
    await app.press('x', 'amount', KEY.enter);
    await app.waitFor('1. remove $.amount');
    await app.press(KEY.enter);
    await app.waitFor('summary/3');
    await app.press(KEY.enter, 'checked', KEY.enter);
    await app.waitFor(/confirm update[\s\S]*Write these rows\?/);
    expect(joined(app.frame())).toContain('3 event(s) named by key;');
    await app.press('y');
    await app.waitFor('Applied plan');
    const written = await query(w.warehouse, `SELECT event_id, CAST(event_data AS VARCHAR) AS d FROM s3.backend_events_exceptions ORDER BY event_id`);
    expect(written.map((r) => r.event_id)).toEqual(rows.slice(1, 4).map((r) => r.event_id));
    expect(written.every((r) => !('amount' in JSON.parse(String(r.d))))).toBe(true);
    app.unmount();

    // Enter on a row opens the update form on that event, looked up as if its keys had been typed.
    const again = open(w);
    await again.press('$.Status="Pending"', KEY.enter, KEY.enter);
    await again.waitFor('0 marked · 1/5');
    await again.press('G', KEY.enter);
    await again.waitFor('event_data now');
    expect(again.frame()).toContain(`${rows[4]!.event_id} @ ${rows[4]!.event_created_at} (original)`);
    again.unmount();
  });

  it('takes the conditions, the search, marks and the exclusion typed ahead in one write', async () => {
    const { w, rows } = await remittances(8, 5);
    const app = open(w);
    await app.waitFor('> where:');
    // One write, as a paste or a fast typist over SSH sends it: the list's keys wait for the matches, the
    // description's for its field, and y for the confirm screen.
    app.stdin.write('$.Status="Pending"\r$.amount<4\r\r jj x\x15never sent twice\ry');
    await app.waitFor('Applied plan');
    const excluded = await query(w.warehouse, `SELECT event_id, exclusion_description AS why FROM s3.backend_events_exclusions ORDER BY event_id`);
    expect(excluded).toEqual([rows[0]!, rows[2]!].map((r) => ({ event_id: r.event_id, why: 'never sent twice' })));
    app.unmount();
  });

  it('excludes every match when nothing is marked, and the stage counts them', async () => {
    const { w, rows } = await remittances(8, 5);
    const app = open(w);
    app.stdin.write('$.Status="Sent"\r\r');
    await app.waitFor('0 marked · 1/3');
    app.stdin.write('a');
    await app.waitFor('all marked · 1/3');
    app.stdin.write('xall sent\r');
    await app.waitFor(/confirm exclude[\s\S]*3 row\(s\) -> s3\.backend_events_exclusions/);
    app.stdin.write('y');
    await app.waitFor('Applied plan');
    const excluded = await query(w.warehouse, `SELECT event_id FROM s3.backend_events_exclusions ORDER BY event_id`);
    expect(excluded.map((r) => r.event_id)).toEqual(rows.slice(5).map((r) => r.event_id));
    app.unmount();
  });

  it('refuses bad input with one message naming what is wrong, the words of --where', async () => {
    const { w } = await remittances(3, 1);
    const app = open(w);
    const flat = () => app.frame().replace(/\s+/g, ' ');
    const cliSays = (text: string) => {
      try {
        parseCondition(text);
      } catch (error) {
        return describeError(error);
      }
      throw new Error(`${text} parsed`);
    };
    for (const bad of ['$.Status=Pending', 'status="x"', '$.amount>"big"', '$.Status']) {
      app.stdin.write(`\x15${bad}\r`);
      await app.waitForFrame(() => flat().includes(cliSays(bad)));
      // One message, and the condition is not added.
      expect(flat().split(cliSays(bad)).length).toBe(2);
      expect(app.frame()).toContain('0 condition(s)');
    }
    // Typing clears the message; a bad bound is named too.
    app.stdin.write('\x15\tyesterday\r');
    await app.waitFor('from: "yesterday" is not a timestamp');
    expect(app.frame()).toContain('> created from: yesterday');
    // A window that ends before it starts is refused in the form, before anything is read.
    app.stdin.write('\x152026-03-12\t2026-03-10\r');
    await app.waitForFrame(() => flat().includes('until: 2026-03-10 00:00:00.000000 is not after from (2026-03-12 00:00:00.000000)'));
    expect(app.frame()).toContain('> created until: 2026-03-10');
    // Updating every event of the window takes a condition.
    // Both bounds emptied: the lookback, and with no condition every event of it.
    app.stdin.write('\x15\x1b[Z\x15\x1b[Z\r');
    await app.waitFor('0 marked · 1/3');
    app.stdin.write('u');
    await app.waitFor('no condition narrows the matches');
    app.unmount();
  });

  it('pages through many matches by keyset, and a plan of marks on pages since dropped names those events', async () => {
    const { w, rows } = await remittances(730, 730);
    const app = open(w);
    app.stdin.write('$.Status="Pending"\r\r');
    await app.waitFor('0 marked · 1/730');
    app.stdin.write(' ');
    await app.waitFor('1 marked · 1/730');
    // G goes to the last row read so far; each page read reveals the next, so G again goes further.
    for (let i = 0; !app.frame().includes('730/730'); i++) {
      expect(i).toBeLessThan(20);
      await app.waitForChange(() => app.stdin.write('G'));
    }
    await app.waitFor(`2026-03-10 22:09:00 ${rows[729]!.event_id}`);
    app.stdin.write(' ');
    await app.waitFor('2 marked · 730/730');
    app.stdin.write('u');
    await app.waitFor('2 marked event(s)');
    app.stdin.write('s$.Status\rFailed\r');
    await app.waitFor('1. set $.Status = "Failed"');
    app.stdin.write('\r');
    await app.waitFor('summary/2');
    app.stdin.write('\rfixed\r');
    await app.waitFor((f) => /confirm update[\s\S]*2 event\(s\) named by key/.test(joined(f)));
    app.stdin.write('y');
    await app.waitFor('Applied plan');
    const written = await query(w.warehouse, `SELECT event_id FROM s3.backend_events_exceptions ORDER BY event_id`);
    expect(written.map((r) => r.event_id)).toEqual([rows[0]!.event_id, rows[729]!.event_id]);
    app.unmount();
  });

  it('goes back from the conditions to the list with esc, and asks before leaving with marks or changes', async () => {
    const { w } = await remittances(8, 5);
    const app = open(w);
    app.stdin.write('$.Status="Pending"\r\r');
    await app.waitFor('0 marked · 1/5');
    app.stdin.write('c');
    await app.waitFor('> where:');
    app.stdin.write('\x1b');
    await app.waitFor('0 marked · 1/5');
    app.stdin.write(' \x1b');
    await app.waitFor('discard 1 marked event? y/N');
    // Any other key than y answers no (and does nothing else): the marks stay; q asks the same before quitting.
    app.stdin.write('j');
    await app.waitFor((f) => !f.includes('discard') && f.includes('1 marked · 1/5'));
    app.stdin.write('q');
    await app.waitFor('quit and discard 1 marked event? y/N');
    app.stdin.write('n\x1b');
    await app.waitFor('discard 1 marked event? y/N');
    app.stdin.write('y');
    await app.waitFor('evfix · remittance_was_sent_event');
    app.unmount();

    // The changes of an update of found events are kept the same way.
    const again = open(w);
    again.stdin.write('$.Status="Pending"\r\ru');
    await again.waitFor('every match (5 now)');
    again.stdin.write('x$.amount\r');
    await again.waitFor('1. remove $.amount');
    again.stdin.write('\x1b');
    await again.waitFor('discard 1 change? y/N');
    again.stdin.write('y');
    await again.waitFor('0 marked · 1/5');
    again.unmount();
  });
});

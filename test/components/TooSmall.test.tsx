/** TooSmall: a terminal below 80x24 gets a plain notice; q there quits as q does on a screen, and nothing is lost. */
import { describe, expect, it } from 'vitest';
import { event, insertOriginals, makeWarehouse } from '../helpers/warehouse.js';
import { renderApp, resize, testServices } from '../helpers/tui.js';

async function withDuplicates(groups: number) {
  const w = await makeWarehouse();
  const rows = [];
  for (let i = 0; i < groups; i++) {
    const a = event({ event_ingested_at: `2026-03-14 10:00:${String(i).padStart(2, '0')}.000000`, data: { Status: 'Pending', n: i } });
    rows.push(a, { ...a, event_ingested_at: '2026-03-14 12:00:00.000000', event_data: JSON.stringify({ Status: 'Sent', n: i }) });
  }
  await insertOriginals(w.warehouse, rows);
  return w;
}

describe('TooSmall', () => {
  it('asks before q drops the work of the screens underneath; only y quits; the resize itself keeps the work', async () => {
    const w = await withDuplicates(3);
    const app = renderApp(testServices(w), [{ name: 'stages' }, { name: 'duplicates', stage: 'remittance_was_sent_event' }]);
    await app.waitFor('0 marked · 1/3');
    await app.press(' ', 'j', ' ', 'j');
    await app.waitFor('2 marked · 3/3');

    resize(app.stdout, 60, 20);
    expect(await app.waitFor('Terminal is 60x20')).toMatchInlineSnapshot(`
      "Terminal is 60x20; evfix needs at least 80x24. Enlarge the
      window, or press q to quit."
    `);
    await app.press('q');
    expect(await app.waitFor('y/N')).toMatchInlineSnapshot(`
      "Terminal is 60x20; evfix needs at least 80x24. Enlarge the
      window, or press q to quit.
      quit and discard 2 marked groups? y/N"
    `);
    // Any key but y is No; keys typed at the notice never reach the hidden screen (space would unmark a group).
    await app.press('n', ' ', 'k', 'j');
    await app.waitForFrame((f) => !f.includes('y/N'));
    expect(app.quits()).toBe(0);

    // Back to a size that fits: the list is as it was left, marks, cursor and all.
    resize(app.stdout, 80, 24);
    expect(await app.waitFor('remittance_was_sent_event · duplicates')).toContain('2 marked · 3/3');
    expect(app.frame()).toMatch(/\[x\][^\n]*\n[^\n]*\[x\][^\n]*\n> \[ \]/);

    // Smaller again, through a width too narrow for anything: q asks, y quits.
    resize(app.stdout, 30, 10);
    await app.waitFor('Terminal is 30x10');
    await app.press('q');
    expect(await app.waitFor('y/N')).toMatchInlineSnapshot(`
      "Terminal is 30x10; evfix needs
      at least 80x24. Enlarge the
      window, or press q to quit.
      quit and discard 2 marked
      groups? y/N"
    `);
    await app.press('y');
    await app.waitForFrame(() => app.quits() === 1);
    expect(app.quitCode()).toBeUndefined();
    app.unmount();
  });

  it('quits at once when nothing would be lost', async () => {
    const w = await withDuplicates(1);
    const app = renderApp(testServices(w), [{ name: 'stages' }, { name: 'duplicates', stage: 'remittance_was_sent_event' }]);
    await app.waitFor('0 marked · 1/1');
    resize(app.stdout, 79, 24);
    await app.waitFor('Terminal is 79x24');
    await app.press('q');
    await app.waitForFrame(() => app.quits() === 1);
    app.unmount();
  });
});

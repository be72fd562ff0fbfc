/** ConfirmPrompt: default No; in production the stage table's name must be typed. */
import { describe, expect, it } from 'vitest';
import { ConfirmPrompt } from '../../src/components/ConfirmPrompt.js';
import { renderComponent } from '../helpers/tui.js';

describe('ConfirmPrompt', () => {
  it('asks for y, saying that esc writes nothing', async () => {
    const view = renderComponent(<ConfirmPrompt focus onConfirm={() => undefined} />);
    expect(await view.waitForFrame('Write these rows?')).toMatchInlineSnapshot(`"Write these rows? press y to write, esc to go back (nothing is written)"`);
    view.unmount();
  });

  it('asks to delete, not to write, when the plan only deletes rows (a revert)', async () => {
    const view = renderComponent(<ConfirmPrompt focus deletes onConfirm={() => undefined} />);
    expect(await view.waitForFrame('Delete these rows?')).toMatchInlineSnapshot(`"Delete these rows? press y to delete, esc to go back (nothing is deleted)"`);
    view.unmount();
  });

  it("says what the plan's counts say happens: write, delete, or both", async () => {
    const none = { exceptions: 0, exclusions: 0, deleted: { exceptions: 0, exclusions: 0 } };
    const view = renderComponent(<ConfirmPrompt focus counts={{ ...none, deleted: { exceptions: 0, exclusions: 3 } }} onConfirm={() => undefined} />);
    expect(await view.waitForFrame('Delete these rows?')).toMatchInlineSnapshot(`"Delete these rows? press y to delete, esc to go back (nothing is deleted)"`);
    view.rerender(<ConfirmPrompt focus counts={{ ...none, exceptions: 2, deleted: { exceptions: 1, exclusions: 0 } }} onConfirm={() => undefined} />);
    expect(await view.waitForFrame('Write and delete')).toMatchInlineSnapshot(`
      "Write and delete these rows? press y to write and delete, esc to go back
      (nothing is written or deleted)"
    `);
    view.rerender(<ConfirmPrompt focus counts={{ ...none, exclusions: 1 }} onConfirm={() => undefined} />);
    expect(await view.waitForFrame('Write these rows?')).toMatchInlineSnapshot(`"Write these rows? press y to write, esc to go back (nothing is written)"`);
    view.rerender(
      <ConfirmPrompt
        focus
        typedValue="remittance_was_sent_event"
        counts={{ ...none, deleted: { exceptions: 1, exclusions: 0 } }}
        onConfirm={() => undefined}
      />,
    );
    expect(await view.waitForFrame('Production')).toMatchInlineSnapshot(`
      "Production. Type the stage table name (remittance_was_sent_event) and press
      enter to delete:
      >"
    `);
    view.unmount();
  });

  it('in production writes only on the exact name and enter, typed in one burst or with corrections', async () => {
    let confirmed = 0;
    const view = renderComponent(<ConfirmPrompt typedValue="remittance_was_sent_event" focus onConfirm={() => confirmed++} />);
    await view.waitForFrame('Production.');
    view.type('remittance\r');
    expect(await view.waitForFrame('(does not match)')).toMatchInlineSnapshot(`
      "Production. Type the stage table name (remittance_was_sent_event) and press
      enter to write:
      > remittance   (does not match)"
    `);
    expect(confirmed).toBe(0);
    view.type('_was_sent_evenx\x7ft\r');
    await view.waitForFrame(() => confirmed === 1);
    expect(view.frame()).not.toContain('does not match');
    view.unmount();
  });
});

/** ErrorPanel: a failure in a red box, the whole message wrapped inside it, and what the operator can do next. */
import { describe, expect, it } from 'vitest';
import { ErrorPanel } from '../../src/components/ErrorPanel.js';
import { renderComponent } from '../helpers/tui.js';

describe('ErrorPanel', () => {
  it('at 80 columns wraps a long message inside the box, cutting none of it, and says what the keys do', async () => {
    const message =
      'remittance_was_sent_event: Binder Error: Referenced column "event_created_at" not found in FROM clause! Candidate bindings: "created_at", "event_ingested_at", "event_data"';
    const view = renderComponent(<ErrorPanel title="Could not list duplicates" message={message} hint="r tries again; esc goes back" />);
    expect(await view.waitForFrame('Could not')).toMatchInlineSnapshot(`
      "╭──────────────────────────────────────────────────────────────────────────────╮
      │ ! Could not list duplicates                                                  │
      │ remittance_was_sent_event: Binder Error: Referenced column                   │
      │ "event_created_at" not found in FROM clause! Candidate bindings:             │
      │ "created_at", "event_ingested_at", "event_data"                              │
      │ r tries again; esc goes back                                                 │
      ╰──────────────────────────────────────────────────────────────────────────────╯"
    `);
    view.unmount();
  });

  it('keeps the lines of a multi-line message and, with no hint, says esc goes back and r tries again', async () => {
    const view = renderComponent(<ErrorPanel title="Nothing was written" message={'conflict on commit\nthe stage table changed since the plan was made'} />);
    expect(await view.waitForFrame('Nothing')).toMatchInlineSnapshot(`
      "╭──────────────────────────────────────────────────────────────────────────────╮
      │ ! Nothing was written                                                        │
      │ conflict on commit                                                           │
      │ the stage table changed since the plan was made                              │
      │ esc goes back; r tries again                                                 │
      ╰──────────────────────────────────────────────────────────────────────────────╯"
    `);
    view.unmount();
  });
});

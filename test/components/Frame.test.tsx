/** Frame: title, body, a flash that wraps, and a footer that fits; never taller than its height. */
import { Box, Text } from 'ink';
import { describe, expect, it } from 'vitest';
import { GLOBAL_BINDINGS, LIST_BINDINGS } from '../../src/components/bindings.js';
import { Frame } from '../../src/components/Frame.js';
import { AppNotice } from '../../src/components/notice.js';
import { renderComponent } from '../helpers/tui.js';

const BINDINGS = [...LIST_BINDINGS, { keys: ['enter'], help: 'details', action: 'open', footer: 1 }, ...GLOBAL_BINDINGS];
// Taller than any frame here: the frame shows its top and cuts the rest.
const body = (
  <Box flexDirection="column" flexShrink={0}>
    {Array.from({ length: 30 }, (_, i) => (
      <Text key={i}>row {i + 1}</Text>
    ))}
  </Box>
);

describe('Frame', () => {
  it('draws title and status, the body cut to the rows left, and the footer, in 12 rows', async () => {
    const view = renderComponent(
      <Frame title="evfix · history" status="3/30" width={80} height={12} bindings={BINDINGS} helpOpen={false}>
        {body}
      </Frame>,
    );
    expect(await view.waitForFrame('row 1')).toMatchInlineSnapshot(`
      "evfix · history                                                             3/30
      row 1
      row 2
      row 3
      row 4
      row 5
      row 6
      row 7
      row 8
      row 9

      j/k move  enter details  ? help  esc back  q quit"
    `);
    view.unmount();
  });

  it('never cuts the title or the status: drops the leading evfix, then gives the status a line of its own', async () => {
    const frame = (title: string, status: string) => (
      <Frame title={title} status={status} width={80} height={8} bindings={BINDINGS} helpOpen={false}>
        {body}
      </Frame>
    );
    const view = renderComponent(frame('evfix · update event data · transaction_was_created_event', '1 event(s) · 1 change(s)'));
    expect(await view.waitForFrame('row 1')).toMatchInlineSnapshot(`
      "update event data · transaction_was_created_event       1 event(s) · 1 change(s)
      row 1
      row 2
      row 3
      row 4
      row 5

      j/k move  enter details  ? help  esc back  q quit"
    `);
    view.rerender(frame('evfix · remittance_was_sent_event · business-key duplicates', 'group 1/3 · 2 to exclude in 1 group(s)'));
    expect(await view.waitForFrame('business-key')).toMatchInlineSnapshot(`
      "remittance_was_sent_event · business-key duplicates
                                                group 1/3 · 2 to exclude in 1 group(s)
      row 1
      row 2
      row 3
      row 4

      j/k move  enter details  ? help  esc back  q quit"
    `);
    view.unmount();
  });

  it('wraps a long error onto as many lines as it needs, taking them from the body', async () => {
    const message =
      'remittance_was_sent_event: Binder Error: Referenced column "event_created_at" not found in FROM clause! Candidate bindings: "created_at", "event_ingested_at" (r reloads)';
    const view = renderComponent(
      <Frame title="evfix · stage tables" width={80} height={12} bindings={BINDINGS} helpOpen={false} flash={{ text: message, tone: 'danger' }}>
        {body}
      </Frame>,
    );
    const frame = await view.waitForFrame('row 1');
    expect(frame).toMatchInlineSnapshot(`
      "evfix · stage tables
      row 1
      row 2
      row 3
      row 4
      row 5
      row 6
      row 7
      ! remittance_was_sent_event: Binder Error: Referenced column "event_created_at"
      not found in FROM clause! Candidate bindings: "created_at", "event_ingested_at"
      (r reloads)
      j/k move  enter details  ? help  esc back  q quit"
    `);
    expect(frame.split('\n')).toHaveLength(12);
    view.unmount();
  });

  it('shows the App’s notice (an interrupted apply, Ctrl-C during a write) whole, over the screen’s flash', async () => {
    const notice =
      'plan 7f3a9c21 (dedupe card_was_shipped_event) was interrupted last time; the warehouse shows it was rolled back: nothing was written. Run it again from the duplicates screen.';
    const view = renderComponent(
      <AppNotice.Provider value={notice}>
        <Frame title="evfix · stage tables" width={80} height={10} bindings={BINDINGS} helpOpen={false} flash={{ text: 'not shown', tone: 'danger' }}>
          {body}
        </Frame>
      </AppNotice.Provider>,
    );
    const frame = await view.waitForFrame('rolled back');
    expect(frame).toMatchInlineSnapshot(`
      "evfix · stage tables
      row 1
      row 2
      row 3
      row 4
      row 5
      · plan 7f3a9c21 (dedupe card_was_shipped_event) was interrupted last time; the
      warehouse shows it was rolled back: nothing was written. Run it again from the
      duplicates screen.
      j/k move  enter details  ? help  esc back  q quit"
    `);
    expect(frame).toMatch(/duplicates screen\.\n/);
    view.unmount();
  });

  it('cuts a flash longer than half the frame, with …', async () => {
    const view = renderComponent(
      <Frame title="t" width={80} height={10} bindings={BINDINGS} helpOpen={false} flash={{ text: 'word '.repeat(200), tone: 'warn' }}>
        {body}
      </Frame>,
    );
    const frame = await view.waitForFrame('row 1');
    expect(frame.split('\n')).toHaveLength(10);
    expect(frame.split('\n').at(-2)).toMatch(/…$/);
    expect(frame.split('\n').filter((l) => l.startsWith('row'))).toHaveLength(3);
    view.unmount();
  });

  it('shows the help overlay in place of the body', async () => {
    const view = renderComponent(
      <Frame title="evfix · history" width={80} height={16} bindings={BINDINGS} helpOpen>
        {body}
      </Frame>,
    );
    expect(await view.waitForFrame('Keys:')).toMatchInlineSnapshot(`
      "evfix · history
      Keys: evfix · history
      j/↓     move down
      k/↑     move up
      PgDn    page down
      PgUp    page up
      g/Home  first row
      G/End   last row
      enter   details
      ?/F1    help
      esc     back
      q       quit
      press ?, F1 or esc to close


      j/k move  enter details  ? help  esc back  q quit"
    `);
    view.unmount();
  });
});

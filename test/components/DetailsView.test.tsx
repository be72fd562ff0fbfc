/** DetailsView: long text in full, wrapped and scrolled; esc closes it. */
import { describe, expect, it } from 'vitest';
import { DetailsView } from '../../src/components/DetailsView.js';
import { renderComponent } from '../helpers/tui.js';

const text = [
  'plan 7f3a9c21 by ann on duckdb:/home/ann/.local/share/evfix/demo.duckdb',
  '',
  'description: Remittances stuck in Pending after the March outage were sent by hand by the payments team; their status is corrected to Sent so that the monthly report counts them once.',
  '',
  ...Array.from({ length: 30 }, (_, i) => `line ${i + 1}`),
].join('\n');

describe('DetailsView', () => {
  it('wraps the text to 80 columns and says where it is', async () => {
    let closed = 0;
    const view = renderComponent(<DetailsView title="plan 7f3a9c21" text={text} width={80} height={12} active onClose={() => closed++} />);
    expect(await view.waitForFrame('plan 7f3a9c21 by ann')).toMatchInlineSnapshot(`
      "plan 7f3a9c21
      plan 7f3a9c21 by ann on duckdb:/home/ann/.local/share/evfix/demo.duckdb

      description: Remittances stuck in Pending after the March outage were sent by
      hand by the payments team; their status is corrected to Sent so that the monthly
      report counts them once.

      line 1
      line 2
      lines 1-8 of 36

      j/k scroll  PgDn/PgUp page  esc close  ? help"
    `);
    expect(closed).toBe(0);
    view.unmount();
  });

  it('scrolls with j/k and PgDn/PgUp (a burst in one read), and closes on esc', async () => {
    let closed = 0;
    const view = renderComponent(<DetailsView title="plan" text={text} width={80} height={12} active onClose={() => closed++} />);
    await view.waitForFrame('lines 1-8 of');
    view.type('jjj');
    await view.waitForFrame('lines 4-11 of');
    view.type('\x1b[6~');
    await view.waitForFrame('lines 12-19 of');
    view.type('k\x1b[5~');
    await view.waitForFrame('lines 3-10 of');
    view.type('G');
    expect(await view.waitForFrame(/lines \d+-36 of 36/)).toMatchInlineSnapshot(`
      "plan
      line 23
      line 24
      line 25
      line 26
      line 27
      line 28
      line 29
      line 30
      lines 29-36 of 36

      j/k scroll  PgDn/PgUp page  esc close  ? help"
    `);
    view.type('q');
    await view.waitForFrame(() => closed === 1);
    view.type('\x1b');
    await view.waitForFrame(() => closed === 2);
    view.unmount();
  });
});

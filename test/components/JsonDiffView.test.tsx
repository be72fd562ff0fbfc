/** JsonDiffView: a line diff whose -/+ markers say what changed without colour. */
import { describe, expect, it } from 'vitest';
import { JsonDiffView } from '../../src/components/JsonDiffView.js';
import { lineDiff } from '../../src/data/json/diff.js';
import { renderComponent } from '../helpers/tui.js';

const diff = lineDiff({ Status: 'Pending', amount: 12.5, note: 'x'.repeat(100) }, { Status: 'Failed', amount: 12.5, note: 'x'.repeat(100) });

describe('JsonDiffView', () => {
  it('marks the removed and the added line, and cuts lines at the width', async () => {
    const view = renderComponent(<JsonDiffView lines={diff} offset={0} height={10} />);
    expect(await view.waitForFrame('Status')).toMatchInlineSnapshot(`
      "  {
      -   "Status": "Pending",
      +   "Status": "Failed",
          "amount": 12.5,
          "note": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…
        }"
    `);
    view.unmount();
  });

  it('shows the lines from the offset, no more than the height', async () => {
    const view = renderComponent(<JsonDiffView lines={diff} offset={2} height={2} />);
    expect(await view.waitForFrame('"')).toMatchInlineSnapshot(`
      "+   "Status": "Failed",
          "amount": 12.5,"
    `);
    view.unmount();
  });
});

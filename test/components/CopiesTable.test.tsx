/** CopiesTable: copies side by side, the kept one named, differing rows marked with `*`. */
import { describe, expect, it } from 'vitest';
import { CopiesTable } from '../../src/components/CopiesTable.js';
import { renderComponent } from '../helpers/tui.js';

const rows = ['ingested', 'created', 'user_id', '$.Status', '$.amount', '$.remittance_id_with_a_long_name'];
const columns = [
  { heading: 'copy 1', values: { ingested: '2026-03-14 10:00:00.000000', created: '2026-03-10 15:38:21.224000', user_id: 'u_1', '$.Status': '"Pending"', '$.amount': '12.5', '$.remittance_id_with_a_long_name': '"rm_1"' } },
  { heading: 'copy 2', values: { ingested: '2026-03-14 12:00:00.000000', created: '2026-03-10 15:38:21.224000', user_id: 'u_1', '$.Status': '"Sent"', '$.amount': '12.5' } },
];

describe('CopiesTable', () => {
  it('shows two copies at 80 columns, keeping the second', async () => {
    const view = renderComponent(<CopiesTable rows={rows} columns={columns} kept={1} width={80} offset={0} height={10} />);
    expect(await view.waitForFrame('keep')).toMatchInlineSnapshot(`
      "                          copy 1                    keep copy 2
      * ingested                2026-03-14 10:00:00.0000… 2026-03-14 12:00:00.0000…
        created                 2026-03-10 15:38:21.2240… 2026-03-10 15:38:21.2240…
        user_id                 u_1                       u_1
      * $.Status                "Pending"                 "Sent"
        $.amount                12.5                      12.5
      * $.remittance_id_with_a… "rm_1"                    —"
    `);
    view.unmount();
  });

  it('scrolls by offset and shows only what fits the height', async () => {
    const view = renderComponent(<CopiesTable rows={rows} columns={columns} kept={0} width={80} offset={3} height={3} />);
    expect(await view.waitForFrame('keep')).toMatchInlineSnapshot(`
      "                          keep copy 1               copy 2
      * $.Status                "Pending"                 "Sent"
        $.amount                12.5                      12.5"
    `);
    view.unmount();
  });
});

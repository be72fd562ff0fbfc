/** CopiesTable: copies side by side, the kept one named, differing rows marked with `*`, every value in full. */
import { describe, expect, it } from 'vitest';
import { CopiesTable, copiesTableLines, wrapCell } from '../../src/components/CopiesTable.js';
import { renderComponent } from '../helpers/tui.js';

const USER = '83dea095-9a6d-43db-830c-3a4f5e6d7c8b';
const rows = ['ingested', 'created', 'user_id', '$.Status', '$.amount', '$.remittance_id_with_a_long_name', '$.note'];
const columns = [
  {
    heading: 'copy 1',
    values: {
      ingested: '2026-03-14 10:00:00.000000',
      created: '2026-03-10 15:38:21.224000',
      user_id: USER,
      '$.Status': '"Pending"',
      '$.amount': '12.5',
      '$.remittance_id_with_a_long_name': '"rm_1"',
      '$.note': '"sent again after the bank rejected the first transfer"',
    },
  },
  {
    heading: 'copy 2',
    values: {
      ingested: '2026-03-14 12:00:00.000000',
      created: '2026-03-10 15:38:21.224000',
      user_id: USER,
      '$.Status': '"Sent"',
      '$.amount': '12.5',
      '$.note': '"sent"',
    },
  },
];

describe('CopiesTable', () => {
  it('at 80 columns shows every value in full: long ones wrap inside their column, long paths inside the label column', async () => {
    const view = renderComponent(<CopiesTable rows={rows} columns={columns} kept={1} width={80} offset={0} height={20} />);
    expect(await view.waitForFrame('keep')).toMatchInlineSnapshot(`
      "                        copy 1                     keep copy 2
      * ingested              2026-03-14 10:00:00.000000 2026-03-14 12:00:00.000000
        created               2026-03-10 15:38:21.224000 2026-03-10 15:38:21.224000
        user_id               83dea095-9a6d-43db-830c-   83dea095-9a6d-43db-830c-
                              3a4f5e6d7c8b               3a4f5e6d7c8b
      * $.Status              "Pending"                  "Sent"
        $.amount              12.5                       12.5
      * $.remittance_id_with_ "rm_1"                     —
        a_long_name
      * $.note                "sent again after the bank "sent"
                              rejected the first
                              transfer""
    `);
    view.unmount();
  });

  it('at 120 columns wraps only what is longer than a column: ids and paths fit on one line', async () => {
    const view = renderComponent(<CopiesTable rows={rows} columns={columns} kept={0} width={120} offset={0} height={20} />, { columns: 120, rows: 40 });
    expect(await view.waitForFrame('keep')).toMatchInlineSnapshot(`
      "                                   keep copy 1                              copy 2
      * ingested                         2026-03-14 10:00:00.000000               2026-03-14 12:00:00.000000
        created                          2026-03-10 15:38:21.224000               2026-03-10 15:38:21.224000
        user_id                          83dea095-9a6d-43db-830c-3a4f5e6d7c8b     83dea095-9a6d-43db-830c-3a4f5e6d7c8b
      * $.Status                         "Pending"                                "Sent"
        $.amount                         12.5                                     12.5
      * $.remittance_id_with_a_long_name "rm_1"                                   —
      * $.note                           "sent again after the bank rejected the  "sent"
                                         first transfer""
    `);
    view.unmount();
  });

  it('scrolls by lines, shows only what fits the height, and never past the last line', async () => {
    expect(copiesTableLines(rows, columns, 80)).toBe(11);
    const view = renderComponent(<CopiesTable rows={rows} columns={columns} kept={0} width={80} offset={3} height={3} />);
    expect(await view.waitForFrame('keep')).toMatchInlineSnapshot(`
      "                        keep copy 1                copy 2
                              3a4f5e6d7c8b               3a4f5e6d7c8b
      * $.Status              "Pending"                  "Sent""
    `);
    view.rerender(<CopiesTable rows={rows} columns={columns} kept={0} width={80} offset={50} height={4} />);
    expect(await view.waitForFrame('transfer')).toMatchInlineSnapshot(`
      "                        keep copy 1                copy 2
      * $.note                "sent again after the bank "sent"
                              rejected the first
                              transfer""
    `);
    view.unmount();
  });

  it('wraps a cell at spaces, else after - . _ /, else where the column ends, measuring wide characters', () => {
    expect(wrapCell(USER, 27)).toEqual(['83dea095-9a6d-43db-830c-', '3a4f5e6d7c8b']);
    expect(wrapCell('$.recipient.bank.account_number', 20)).toEqual(['$.recipient.bank.', 'account_number']);
    expect(wrapCell('abcdefghijklmnopqrstuvwxyz', 10)).toEqual(['abcdefghij', 'klmnopqrst', 'uvwxyz']);
    expect(wrapCell('"株式会社テスト"', 10)).toEqual(['"株式会社', 'テスト"']);
    expect(wrapCell('12.5', 10)).toEqual(['12.5']);
  });
});

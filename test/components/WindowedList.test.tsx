/** WindowedList: only the visible rows, the cursor as `>`, marks as [x]. */
import { describe, expect, it } from 'vitest';
import { initialList, listReducer, rangeNote, type ListAction } from '../../src/components/listState.js';
import { listPosition, WindowedList } from '../../src/components/WindowedList.js';
import { renderComponent } from '../helpers/tui.js';

const groups = Array.from({ length: 40 }, (_, i) => `group ${String(i + 1).padStart(2, '0')}`);
const state = (actions: ListAction[]) => actions.reduce(listReducer, initialList(groups.length, 5));

describe('WindowedList', () => {
  it('draws the window around the cursor with marks, and the position for the status line', async () => {
    const list = state([{ type: 'toggle' }, { type: 'move', delta: 6 }, { type: 'range' }, { type: 'move', delta: 2 }]);
    const view = renderComponent(<WindowedList items={groups} state={list} markable render={(g) => g} />);
    expect(await view.waitForFrame('group')).toMatchInlineSnapshot(`
      "  [ ] group 05
        [ ] group 06
        [x] group 07
        [x] group 08
      > [x] group 09"
    `);
    // v is still open at row 7: the status says so (the marks follow the cursor from there).
    expect(listPosition(list)).toBe('9/40 (rows 5-9) · range from row 7');
    expect(rangeNote(listReducer(list, { type: 'range' }))).toBe('');
    view.unmount();
  });

  it('says so when there is nothing to show', async () => {
    const view = renderComponent(
      <WindowedList items={[]} state={initialList(0, 5)} render={(g) => String(g)} empty="No unresolved duplicates in the lookback window." />,
    );
    expect(await view.waitForFrame('No')).toMatchInlineSnapshot(`"No unresolved duplicates in the lookback window."`);
    view.unmount();
  });
});

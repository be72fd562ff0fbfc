/** The history screen's reducer, without rendering: the list of applied plans and the one read in full. */
import { describe, expect, it } from 'vitest';
import { historyReducer, initialHistory } from '../../src/screens/useHistoryState.js';

describe('history state', () => {
  it('moves over the plans read, and opens and closes the one under the cursor', () => {
    const listed = historyReducer(initialHistory(5), { type: 'list', action: { type: 'reset', count: 12 } });
    const last = historyReducer(listed, { type: 'list', action: { type: 'last' } });
    expect(last.list).toMatchObject({ cursor: 11, top: 7 });
    const reading = historyReducer(last, { type: 'read', reading: true });
    expect(reading).toMatchObject({ reading: true, list: { cursor: 11 } });
    expect(historyReducer(reading, { type: 'read', reading: false }).reading).toBe(false);
  });
});

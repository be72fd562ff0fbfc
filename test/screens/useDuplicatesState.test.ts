/** The duplicates screen's reducer, without rendering: marks, the group opened, the copy kept, what `d` plans. */
import { describe, expect, it } from 'vitest';
import type { DuplicateSummary } from '../../src/data/service/requests.js';
import {
  duplicatesReducer,
  groupsToDedupe,
  initialDuplicates,
  unsavedDuplicates,
  type DuplicatesAction,
  type DuplicatesState,
} from '../../src/screens/useDuplicatesState.js';

const groups: DuplicateSummary[] = ['a', 'b', 'c'].map((id) => ({ event_id: id, copies: 3, firstIngested: null, lastIngested: null, identical: false }));
const start = duplicatesReducer(initialDuplicates(10), { type: 'list', action: { type: 'reset', count: groups.length } });
const run = (actions: DuplicatesAction[], from: DuplicatesState = start) => actions.reduce(duplicatesReducer, from);

describe('duplicates state', () => {
  it('chooses the copy to keep round the group, both ways, per group', () => {
    const kept = run([
      { type: 'keep', eventId: 'a', copies: 3, step: 1 },
      { type: 'keep', eventId: 'a', copies: 3, step: 1 },
      { type: 'keep', eventId: 'a', copies: 3, step: 1 },
      { type: 'keep', eventId: 'b', copies: 3, step: -1 },
    ]);
    expect([...kept.keep]).toEqual([
      ['a', 0],
      ['b', 2],
    ]);
  });

  it('opens the group under the cursor and closes it, keeping the list as it was', () => {
    const opened = run([
      { type: 'list', action: { type: 'move', delta: 1 } },
      { type: 'open', row: 1 },
    ]);
    expect(opened.open).toBe(1);
    const closed = run([{ type: 'close' }], opened);
    expect(closed).toMatchObject({ open: null, list: { cursor: 1 } });
  });

  it('plans the marked groups in list order, the one under the cursor when none is, and every group when all are', () => {
    const marked = run([
      { type: 'list', action: { type: 'last' } },
      { type: 'list', action: { type: 'toggle' } },
      { type: 'list', action: { type: 'first' } },
      { type: 'list', action: { type: 'toggle' } },
    ]);
    expect(groupsToDedupe(marked.list, groups)).toEqual(['a', 'c']);
    expect(groupsToDedupe(run([{ type: 'list', action: { type: 'move', delta: 1 } }]).list, groups)).toEqual(['b']);
    expect(groupsToDedupe(run([{ type: 'list', action: { type: 'markAll' } }]).list, groups)).toBeUndefined();
    expect(groupsToDedupe(initialDuplicates(10).list, [])).toEqual([]);
  });

  it('names what leaving would drop: marked groups and chosen copies', () => {
    expect(unsavedDuplicates(start)).toBeNull();
    const work = run([
      { type: 'list', action: { type: 'toggle' } },
      { type: 'keep', eventId: 'b', copies: 3, step: 1 },
    ]);
    expect(unsavedDuplicates(work)).toBe('1 marked group and 1 chosen copy');
  });
});

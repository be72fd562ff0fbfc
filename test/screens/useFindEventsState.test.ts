/** The find-events screen's reducer, without rendering: the form, searching, the paged list, marks, esc. */
import { describe, expect, it } from 'vitest';
import type { EffectiveEvent } from '../../src/data/model.js';
import { PAGE_SIZE } from '../../src/screens/findPages.js';
import {
  chosen,
  conditionsText,
  dataPaths,
  findReducer,
  initialFind,
  stepsBack,
  windowText,
  type FindAction,
  type FindState,
} from '../../src/screens/useFindEventsState.js';

const run = (actions: FindAction[], from: FindState = initialFind(10)) => actions.reduce(findReducer, from);

const row = (i: number): EffectiveEvent => ({
  event_created_at: `2026-03-10 15:38:${String(i).padStart(2, '0')}.000000`,
  event_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  event_name: 'RemittanceWasSent',
  user_id: 'user-1',
  event_external_reference_id: null,
  event_advisor_id: null,
  event_data: '{}',
  event_ingested_at: '2026-03-10 15:39:00.000000',
  source: 'original',
});

/** A search whose first page has arrived with `total` matches (all on that page). */
const loaded = (total: number, from: FindState = initialFind(10)) => {
  const searching = run(
    [
      { type: 'submitWhere', text: '$.Status="Pending"' },
      { type: 'submitWhere', text: '' },
    ],
    from,
  );
  return run([{ type: 'page', generation: searching.search!.generation, page: 0, events: Array.from({ length: total }, (_, i) => row(i)), total }], searching);
};

describe('find-events state', () => {
  it('adds a typed condition with enter, refuses one that does not parse, and searches on an empty enter', () => {
    const added = run([
      { type: 'edit', field: 'where', value: '$.Status="Pending"' },
      { type: 'submitWhere', text: '$.Status="Pending"' },
    ]);
    expect(added).toMatchObject({ conditions: ['$.Status="Pending"'], where: '', phase: 'form', formError: null });
    const refused = run([{ type: 'submitWhere', text: '$.Status ~ 3' }]);
    expect(refused.conditions).toEqual([]);
    expect(refused.formError).toBeTruthy();
    const searched = run([{ type: 'submitWhere', text: '' }], added);
    expect(searched.phase).toBe('list');
    expect(searched.search?.input).toEqual({ where: ['$.Status="Pending"'] });
    expect(searched.loaded).toBe(false);
  });

  it('does not search a window that is not a time or runs backwards: the bound in question gets the focus', () => {
    const notTime = run([{ type: 'edit', field: 'from', value: 'yesterday' }, { type: 'submitSearch' }]);
    expect(notTime).toMatchObject({ phase: 'form', field: 'from', search: null });
    expect(notTime.formError).toMatch(/from/);
    const backwards = run([
      { type: 'edit', field: 'from', value: '2026-03-10' },
      { type: 'edit', field: 'until', value: '2026-03-01' },
      { type: 'submitSearch' },
    ]);
    expect(backwards).toMatchObject({ phase: 'form', field: 'until', search: null });
    expect(backwards.formError).toMatch(/not after/);
    // Typing again clears the message.
    expect(run([{ type: 'edit', field: 'until', value: '2026-03-11' }], backwards).formError).toBeNull();
  });

  it('takes a page of the current search, and drops a late page of an earlier one', () => {
    const list = loaded(3);
    expect(list).toMatchObject({ loaded: true, list: { count: 3 } });
    expect(list.pages.total).toBe(3);
    const again = run([{ type: 'searchAgain' }], list);
    expect(again.loaded).toBe(false);
    const late = run([{ type: 'page', generation: list.search!.generation, page: 0, events: [row(0)], total: 1 }], again);
    expect(late).toBe(again);
  });

  it('keeps moves typed past the rows known so far, and makes them as the pages that reveal more rows arrive', () => {
    // 483 matches; the first page (100 rows) reveals where the second starts: 200 rows reachable.
    const first = run([
      { type: 'submitWhere', text: '$.Status="Pending"' },
      { type: 'submitWhere', text: '' },
    ]);
    const generation = first.search!.generation;
    const page = (n: number) => Array.from({ length: PAGE_SIZE }, (_, i) => row(n * PAGE_SIZE + i));
    const opened = run([{ type: 'page', generation, page: 0, events: page(0), total: 483 }], first);
    expect(opened.list.count).toBe(2 * PAGE_SIZE);
    // 300 j in one burst: the cursor stops at the last row known, the rest is owed.
    const burst = run(
      Array.from({ length: 300 }, () => ({ type: 'list', action: { type: 'move', delta: 1 } }) as FindAction),
      opened,
    );
    expect([burst.list.cursor, burst.wanted]).toEqual([199, 300]);
    const second = run([{ type: 'page', generation, page: 1, events: page(1), total: 483 }], burst);
    expect([second.list.cursor, second.wanted]).toEqual([299, 300]);
    const third = run([{ type: 'page', generation, page: 2, events: page(2), total: 483 }], second);
    expect([third.list.cursor, third.wanted]).toEqual([300, null]);
    // A move back while owed counts from the row asked for; G asks for the last match.
    expect(run([{ type: 'list', action: { type: 'move', delta: -1 } }], burst)).toMatchObject({ list: { cursor: 199 }, wanted: 299 });
    expect(run([{ type: 'list', action: { type: 'last' } }], opened)).toMatchObject({ list: { cursor: 199 }, wanted: 482 });
  });

  it('marks rows, or every match as a set; with every match marked, space warns instead of marking one', () => {
    const list = loaded(5);
    const two = run(
      [
        { type: 'mark', how: 'toggle' },
        { type: 'list', action: { type: 'move', delta: 2 } },
        { type: 'mark', how: 'toggle' },
      ],
      list,
    );
    expect([...two.list.marked]).toEqual([0, 2]);
    expect(chosen(two)).toEqual({ every: false, count: 2 });
    // Nothing marked: the actions take every match.
    expect(chosen(list)).toEqual({ every: true, count: 5 });
    const all = run([{ type: 'all' }], two);
    expect(all.list.marked.size).toBe(0);
    expect(chosen(all)).toEqual({ every: true, count: 5 });
    const refused = run([{ type: 'mark', how: 'toggle' }], all);
    expect(refused.list.marked.size).toBe(0);
    expect(refused.flash).toEqual({ text: 'every match is marked; a unmarks them, then mark rows one by one', tone: 'warn' });
  });

  it('esc closes the description, and the conditions back to the list searched before; from the list or a first form it leaves', () => {
    expect(stepsBack(initialFind(10))).toBe(false);
    const list = loaded(2);
    expect(stepsBack(list)).toBe(false);
    const describing = run([{ type: 'phase', phase: 'describe' }], list);
    expect(stepsBack(describing)).toBe(true);
    expect(run([{ type: 'back' }], describing).phase).toBe('list');
    const changing = run([{ type: 'phase', phase: 'form' }], list);
    expect(run([{ type: 'back' }], changing).phase).toBe('list');
    expect(run([{ type: 'flash', flash: { text: 'x', tone: 'warn' } }, { type: 'back' }], list).flash).toBeNull();
  });

  it('says what was searched: the conditions, the window, the paths whose values the rows show', () => {
    const list = loaded(1);
    expect(conditionsText(list)).toBe('$.Status="Pending"');
    expect(windowText(list, 30)).toBe('created in the last 30 days');
    expect(dataPaths(list.search)).toEqual(['$.Status']);
    expect(conditionsText(initialFind(10))).toBe('no condition: every event of the window');
  });
});

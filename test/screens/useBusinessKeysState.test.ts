/** The business-key screen's reducer, without rendering: the path form, groups, marks across groups, esc. */
import { describe, expect, it } from 'vitest';
import type { EffectiveEvent } from '../../src/data/model.js';
import {
  businessKeysReducer,
  groupsWithMarks,
  initialBusinessKeys,
  stepsBack,
  type BusinessKeysAction,
  type BusinessKeysState,
  type KeyGroup,
} from '../../src/screens/useBusinessKeysState.js';

const ev = (id: string, source: 'original' | 'exception' = 'original'): EffectiveEvent => ({
  event_created_at: '2026-03-14 10:00:00.000000',
  event_id: id,
  event_name: 'TransactionWasCreated',
  user_id: 'u',
  event_external_reference_id: null,
  event_advisor_id: null,
  event_data: '{}',
  event_ingested_at: null,
  source,
});
const groups: KeyGroup[] = [
  { key: 'tx_1', events: [ev('a'), ev('b'), ev('c', 'exception')], differences: [] },
  { key: 'tx_2', events: [ev('d'), ev('e')], differences: [] },
];
const start = initialBusinessKeys({ path: '$.transaction_id', height: 10 });
const run = (actions: BusinessKeysAction[], from: BusinessKeysState = start) => actions.reduce(businessKeysReducer, from);
const shown = run([{ type: 'grouping' }, { type: 'showGroup', index: 0, count: 3 }]);

describe('business-key state', () => {
  it('starts on the path form with the configured key, and grouping clears the marks of the last path', () => {
    expect(start).toMatchObject({ phase: 'path', path: '$.transaction_id' });
    const marked = run([{ type: 'toggle', event: ev('a') }], shown);
    expect(run([{ type: 'choosePath' }, { type: 'grouping' }], marked)).toMatchObject({ phase: 'groups', group: 0, excluded: new Set() });
  });

  it('moves in a group with the list keys, and starts the next group on its first event', () => {
    const moved = run([{ type: 'list', action: { type: 'last' } }], shown);
    expect(moved.list.cursor).toBe(2);
    expect(run([{ type: 'list', action: { type: 'move', delta: 5 } }], shown).list.cursor).toBe(2);
    expect(run([{ type: 'showGroup', index: 1, count: 2 }], moved)).toMatchObject({ group: 1, list: { cursor: 0, count: 2 } });
  });

  it('marks event_ids to exclude across groups, but not an exception row', () => {
    const marked = run(
      [
        { type: 'toggle', event: ev('b') },
        { type: 'showGroup', index: 1, count: 2 },
        { type: 'toggle', event: ev('e') },
      ],
      shown,
    );
    expect([...marked.excluded]).toEqual(['b', 'e']);
    expect(groupsWithMarks(groups, marked.excluded)).toBe(2);
    expect([...run([{ type: 'toggle', event: ev('b') }], marked).excluded]).toEqual(['e']);
    const refused = run([{ type: 'toggle', event: ev('c', 'exception') }], shown);
    expect(refused.excluded.size).toBe(0);
    expect(refused.flash?.text).toMatch(/exception row/);
  });

  it('asks for the description only once something is marked; esc closes it, and the path form over read groups', () => {
    expect(run([{ type: 'describe' }], shown)).toMatchObject({ phase: 'groups', flash: { text: 'mark events to exclude with space first', tone: 'warn' } });
    const describing = run([{ type: 'toggle', event: ev('a') }, { type: 'describe' }], shown);
    expect(describing.phase).toBe('describe');
    expect(stepsBack(describing, true)).toBe(true);
    expect(run([{ type: 'back', grouped: true }], describing).phase).toBe('groups');
    const again = run([{ type: 'choosePath' }], shown);
    expect(run([{ type: 'back', grouped: true }], again).phase).toBe('groups');
    // The first path form, before any grouping: esc leaves the screen.
    expect(stepsBack(start, false)).toBe(false);
    expect(run([{ type: 'back', grouped: false }])).toBe(start);
  });
});

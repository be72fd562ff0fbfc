/** The lookup screen's reducer, without rendering: the find form, the events chosen, esc. (The changes: changesState.test.ts.) */
import { describe, expect, it } from 'vitest';
import type { EffectiveEvent } from '../../src/data/model.js';
import { closesForm, formOf, initialLookup, lookupReducer, type LookupAction, type LookupState } from '../../src/screens/useLookupState.js';

const event = (id: string, data: unknown = { Status: 'Pending', amount: 12.5 }): EffectiveEvent => ({
  event_created_at: '2026-03-10 15:38:21.224000',
  event_id: id,
  event_name: 'RemittanceWasSent',
  user_id: 'user-1',
  event_external_reference_id: null,
  event_advisor_id: null,
  event_data: JSON.stringify(data),
  event_ingested_at: '2026-03-10 15:38:22.000000',
  source: 'original',
});
const A = event('11111111-1111-4111-8111-111111111111');
const B = event('22222222-2222-4222-8222-222222222222', { Status: 'Pending' });

const run = (actions: LookupAction[], from: LookupState = initialLookup()) => actions.reduce(lookupReducer, from);

describe('lookup state', () => {
  it('starts on the find form, with the keys of the event it was opened on typed in', () => {
    expect(formOf(initialLookup())).toBe('find');
    expect(initialLookup()).toMatchObject({ eventId: '', createdAt: '', targets: [] });
    expect(initialLookup({ event_id: A.event_id, event_created_at: A.event_created_at })).toMatchObject({ eventId: A.event_id, createdAt: A.event_created_at });
  });

  it('tabs between event_id and event_created_at', () => {
    expect(run([{ type: 'tabKey', direction: 1 }]).keyField).toBe(1);
    expect(
      run([
        { type: 'tabKey', direction: 1 },
        { type: 'tabKey', direction: 1 },
      ]).keyField,
    ).toBe(0);
    expect(run([{ type: 'tabKey', direction: -1 }]).keyField).toBe(1);
  });

  it('adds a found event and closes the form; the same event again is refused with a warning', () => {
    const typed = run([
      { type: 'typeKey', field: 'eventId', text: A.event_id },
      { type: 'focusKey', field: 1 },
    ]);
    const found = run([{ type: 'found', event: A }], typed);
    expect(found).toMatchObject({ finding: false, eventId: '', createdAt: '', keyField: 0, targets: [A] });
    expect(formOf(found)).toBe('changes');
    const again = run([{ type: 'openFind' }, { type: 'found', event: A }], found);
    expect(again.targets).toEqual([A]);
    expect(again.changes.flash).toEqual({ text: 'that event is already in the list', tone: 'warn' });
  });

  it('checks changes against every event found', () => {
    const two = run([{ type: 'found', event: A }, { type: 'openFind' }, { type: 'found', event: B }]);
    expect(two.changes.documents).toEqual([A.event_data, B.event_data]);
    // B has no amount: removing it from both is refused.
    const refused = run([{ type: 'changes', action: { type: 'addEdits', edits: [{ op: 'remove', path: '$.amount' }] } }], two);
    expect(refused.changes.edits).toEqual([]);
    expect(refused.changes.flash?.tone).toBe('danger');
  });

  it('esc closes a form back to the changes, but leaves the screen from the changes or an empty find form', () => {
    expect(closesForm(initialLookup())).toBe(false);
    expect(run([{ type: 'closeForm' }]).finding).toBe(true);
    const found = run([{ type: 'found', event: A }]);
    expect(closesForm(found)).toBe(false);
    const setting = run([{ type: 'changes', action: { type: 'openSet' } }], found);
    expect(formOf(setting)).toBe('set');
    expect(closesForm(setting)).toBe(true);
    expect(formOf(run([{ type: 'closeForm' }], setting))).toBe('changes');
    const adding = run([{ type: 'openFind' }], found);
    expect(closesForm(adding)).toBe(true);
    expect(formOf(run([{ type: 'closeForm' }], adding))).toBe('changes');
  });
});

/** The lookup screen's reducer, without rendering: which form is open, what is typed, the events and changes. */
import { describe, expect, it } from 'vitest';
import type { EffectiveEvent } from '../../src/data/model.js';
import { closesForm, fieldCount, initialLookup, lookupReducer, previewLines, type LookupAction, type LookupState } from '../../src/screens/useLookupState.js';

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
    expect(initialLookup()).toMatchObject({ mode: 'find', eventId: '', createdAt: '', targets: [], edits: [] });
    expect(initialLookup({ event_id: A.event_id, event_created_at: A.event_created_at })).toMatchObject({ eventId: A.event_id, createdAt: A.event_created_at });
  });

  it('adds a found event and closes the form; the same event again is refused with a warning', () => {
    const typed = run([{ type: 'type', field: 'eventId', text: A.event_id }, { type: 'focus', field: 1 }]);
    const found = run([{ type: 'found', event: A }], typed);
    expect(found).toMatchObject({ mode: 'edit', eventId: '', createdAt: '', field: 0, targets: [A], flash: null });
    const again = run([{ type: 'openFind' }, { type: 'found', event: A }], found);
    expect(again.targets).toEqual([A]);
    expect(again.flash).toEqual({ text: 'that event is already in the list', tone: 'warn' });
  });

  it('opens each form fresh: set clears the path and value typed for the last change', () => {
    const typed = run([{ type: 'found', event: A }, { type: 'openSet' }, { type: 'type', field: 'path', text: '$.Status' }, { type: 'type', field: 'value', text: 'x' }, { type: 'focus', field: 2 }]);
    expect(run([{ type: 'closeForm' }, { type: 'openSet' }], typed)).toMatchObject({ mode: 'set', path: '$.', value: '', field: 0 });
    expect(run([{ type: 'closeForm' }, { type: 'openRemove' }], typed)).toMatchObject({ mode: 'remove', path: '$.' });
  });

  it('tabs around the fields of the form on screen: two to find, three to set, two when the type is null', () => {
    expect(run([{ type: 'tab', direction: 1 }, { type: 'tab', direction: 1 }]).field).toBe(0);
    expect(run([{ type: 'tab', direction: -1 }]).field).toBe(1);
    const set = run([{ type: 'found', event: A }, { type: 'openSet' }]);
    expect(fieldCount(set)).toBe(3);
    expect(run([{ type: 'tab', direction: -1 }], set).field).toBe(2);
    const nullSet = run([{ type: 'chooseType', valueType: 'null' }], set);
    expect(fieldCount(nullSet)).toBe(2);
    expect(run([{ type: 'tab', direction: -1 }], nullSet).field).toBe(1);
  });

  it('adds changes that apply to every chosen event, and refuses one that does not, saying why', () => {
    const two = run([{ type: 'found', event: A }, { type: 'openFind' }, { type: 'found', event: B }, { type: 'openRemove' }]);
    const removed = run([{ type: 'addEdits', edits: [{ op: 'remove', path: '$.Status' }] }], two);
    expect(removed).toMatchObject({ mode: 'edit', flash: null });
    expect(removed.edits).toEqual([{ op: 'remove', path: '$.Status' }]);
    // B has no amount: removing it from both is refused, and the form stays open.
    const refused = run([{ type: 'addEdits', edits: [{ op: 'remove', path: '$.amount' }] }], two);
    expect(refused.edits).toEqual([]);
    expect(refused.mode).toBe('remove');
    expect(refused.flash?.tone).toBe('danger');
    expect(run([{ type: 'undo' }], removed).edits).toEqual([]);
  });

  it('shows the first event after the changes', () => {
    const changed = run([{ type: 'found', event: A }, { type: 'addEdits', edits: [{ op: 'remove', path: '$.amount' }] }]);
    expect(previewLines(changed)).toEqual(['{', '  "Status": "Pending"', '}']);
    expect(previewLines(initialLookup())).toEqual([]);
  });

  it('esc closes a form back to the changes, but leaves the screen from the changes or an empty find form', () => {
    expect(closesForm(initialLookup())).toBe(false);
    const found = run([{ type: 'found', event: A }]);
    expect(closesForm(found)).toBe(false);
    const setting = run([{ type: 'openSet' }], found);
    expect(closesForm(setting)).toBe(true);
    expect(run([{ type: 'closeForm' }], setting).mode).toBe('edit');
  });
});

/** The changes of both update screens, without rendering: the forms, the edits, the check against the documents. */
import { describe, expect, it } from 'vitest';
import { changeFormKeys, changesReducer, firstAfter, initialChanges, type ChangesAction, type ChangesState } from '../../src/screens/changesState.js';

const A = JSON.stringify({ Status: 'Pending', amount: 12.5 });
const B = JSON.stringify({ Status: 'Pending' });
const run = (actions: ChangesAction[], from: ChangesState = initialChanges([A])) => actions.reduce(changesReducer, from);

describe('changes state', () => {
  it('opens each form fresh: set clears the path and value typed for the last change, and focuses the path', () => {
    const typed = run([
      { type: 'openSet' },
      { type: 'type', field: 'path', text: '$.Status' },
      { type: 'type', field: 'value', text: 'x' },
      { type: 'focus', field: 2 },
    ]);
    expect(typed).toMatchObject({ mode: 'set', path: '$.Status', value: 'x', field: 2 });
    expect(run([{ type: 'closeForm' }, { type: 'openSet' }], typed)).toMatchObject({ mode: 'set', path: '$.', value: '', field: 0 });
    expect(run([{ type: 'closeForm' }, { type: 'openRemove' }], typed)).toMatchObject({ mode: 'remove', path: '$.' });
  });

  it('tabs round the set form: three fields, two when the type is null', () => {
    const set = run([{ type: 'openSet' }]);
    expect(run([{ type: 'tab', direction: -1 }], set).field).toBe(2);
    expect(
      run(
        [
          { type: 'chooseType', valueType: 'null' },
          { type: 'tab', direction: -1 },
        ],
        set,
      ).field,
    ).toBe(1);
  });

  it('adds changes that apply to every document and closes the form; refuses one that does not, saying why, with the form open', () => {
    const both = initialChanges([A, B]);
    const removed = run([{ type: 'openRemove' }, { type: 'addEdits', edits: [{ op: 'remove', path: '$.Status' }] }], both);
    expect(removed).toMatchObject({ mode: 'changes', flash: null, edits: [{ op: 'remove', path: '$.Status' }] });
    // B has no amount: removing it from both is refused.
    const refused = run([{ type: 'openRemove' }, { type: 'addEdits', edits: [{ op: 'remove', path: '$.amount' }] }], both);
    expect(refused).toMatchObject({ mode: 'remove', edits: [] });
    expect(refused.flash?.tone).toBe('danger');
    // Without a document (a find with no example) nothing is checked here: the warehouse checks when planning.
    expect(run([{ type: 'addEdits', edits: [{ op: 'remove', path: '$.amount' }] }], initialChanges()).edits).toHaveLength(1);
    expect(run([{ type: 'undo' }], removed).edits).toEqual([]);
  });

  it('shows the first document after the changes', () => {
    expect(firstAfter(run([{ type: 'addEdits', edits: [{ op: 'remove', path: '$.amount' }] }]))).toEqual(['{', '  "Status": "Pending"', '}']);
    expect(firstAfter(initialChanges())).toEqual([]);
  });

  it('says what enter does in the set form: the next field, or adding the change', () => {
    const enter = (s: ChangesState) => changeFormKeys(s).find((b) => b.keys[0] === 'enter')?.help;
    const set = run([{ type: 'openSet' }]);
    expect(enter(set)).toBe('next field');
    expect(enter(run([{ type: 'focus', field: 2 }], set))).toBe('add the change');
    expect(
      enter(
        run(
          [
            { type: 'chooseType', valueType: 'null' },
            { type: 'focus', field: 1 },
          ],
          set,
        ),
      ),
    ).toBe('add the change');
    expect(enter(run([{ type: 'openRemove' }]))).toBe('remove this path');
  });
});

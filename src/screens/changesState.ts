/**
 * The changes of both update screens (one event looked up, and events found by their contents): the list of
 * edits, and the form that adds one (`s`: a path, its JSON type and the value; `x`: a path to remove). Each
 * added edit is checked at once against the documents the screen has (the events looked up, or an example of
 * those found): a change that does not apply is refused with the reason, not at the diff. Plain state and
 * actions; each screen's reducer holds one of these.
 */
import { describeError } from '../data/errors.js';
import { applyEdits, type Edit } from '../data/json/edit.js';
import { parseJson, prettyJson } from '../data/json/value.js';
import { formBindings } from '../components/bindings.js';
import type { Flash } from '../components/Frame.js';
import type { Binding } from '../components/keys.js';
import type { ValueType } from './editForm.js';
import { setFormFields } from './SetPathForm.js';

/** changes: the list, and the keys that add to it; set, remove: a change's form is open. */
export type ChangeMode = 'changes' | 'set' | 'remove';

export type ChangesState = {
  mode: ChangeMode;
  edits: Edit[];
  /** The event_data documents each edit is checked against; the first is shown after the changes. */
  documents: readonly string[];
  path: string;
  valueType: ValueType;
  value: string;
  /** The focused field of the set form. */
  field: number;
  flash: Flash;
};

export type ChangesAction =
  | { type: 'type'; field: 'path' | 'value'; text: string }
  | { type: 'chooseType'; valueType: ValueType }
  | { type: 'focus'; field: number }
  | { type: 'tab'; direction: 1 | -1 }
  /** Each form opens fresh: what was typed for the last change would be appended to, not replaced. */
  | { type: 'openSet' }
  | { type: 'openRemove' }
  /** Edits to add, if they apply to every document. */
  | { type: 'addEdits'; edits: Edit[] }
  | { type: 'undo' }
  /** esc on a form: back to the list of changes. */
  | { type: 'closeForm' }
  | { type: 'documents'; documents: readonly string[] }
  | { type: 'flash'; flash: Flash };

export const initialChanges = (documents: readonly string[] = []): ChangesState => ({
  mode: 'changes',
  edits: [],
  documents,
  path: '$.',
  valueType: 'string',
  value: '',
  field: 0,
  flash: null,
});

export function changesReducer(state: ChangesState, action: ChangesAction): ChangesState {
  switch (action.type) {
    case 'type':
      return { ...state, [action.field]: action.text };
    case 'chooseType':
      return { ...state, valueType: action.valueType };
    case 'focus':
      return { ...state, field: action.field };
    case 'tab': {
      const fields = state.mode === 'set' ? setFormFields(state.valueType) : 1;
      return { ...state, field: (state.field + action.direction + fields) % fields };
    }
    case 'openSet':
      return { ...state, mode: 'set', field: 0, path: '$.', value: '' };
    case 'openRemove':
      return { ...state, mode: 'remove', path: '$.' };
    case 'addEdits':
      try {
        for (const document of state.documents) applyEdits(parseJson(document), [...state.edits, ...action.edits]);
        return { ...state, edits: [...state.edits, ...action.edits], mode: 'changes', flash: null };
      } catch (error) {
        return { ...state, flash: { text: describeError(error), tone: 'danger' } };
      }
    case 'undo':
      return { ...state, edits: state.edits.slice(0, -1) };
    case 'closeForm':
      return { ...state, mode: 'changes' };
    case 'documents':
      return { ...state, documents: action.documents };
    case 'flash':
      return { ...state, flash: action.flash };
  }
}

/** The first document after the changes, as lines; none without a document, or while the changes do not apply. */
export function firstAfter(state: ChangesState): string[] {
  const first = state.documents[0];
  if (first === undefined) return [];
  try {
    return prettyJson(applyEdits(parseJson(first), state.edits)).split('\n');
  } catch {
    return [];
  }
}

/** The keys of the open form, for the footer and the help overlay (the fields handle them). */
export function changeFormKeys({ mode, field, valueType }: ChangesState): Binding[] {
  if (mode === 'set')
    return formBindings({
      enter: field === 2 || (field === 1 && valueType === 'null') ? 'add the change' : 'next field',
      fields: true,
      choice: field === 1 ? 'type' : undefined,
    });
  return formBindings({ enter: 'remove this path' });
}

/**
 * The lookup screen's state: the form on screen (find an event, set a path, remove one), what is typed in it,
 * the events chosen and the changes described for them. A reducer of plain actions, testable without
 * rendering; the hook adds the work that waits on the service or the editor, and dispatches what it finds.
 */
import { useCallback, useEffect, useReducer } from 'react';
import type { StageConfig } from '../data/config.js';
import { describeError } from '../data/errors.js';
import { applyEdits, editsBetween, type Edit } from '../data/json/edit.js';
import { parseJson, prettyJson } from '../data/json/value.js';
import { keyOf, parseEventId, type EffectiveEvent, type EventKey } from '../data/model.js';
import { PENDING_DESCRIPTION } from '../data/operations/makePlan.js';
import type { Service } from '../data/service/service.js';
import { canonicalTimestamp } from '../data/timestamp.js';
import type { Flash } from '../components/Frame.js';
import type { ValueType } from './editForm.js';
import type { EditText } from './navigation.js';
import { setFormFields } from './SetPathForm.js';
import { useTask } from './useTask.js';
import { validateEventId, validateTimestamp } from './validators.js';

/** find: the event's keys; edit: the changes so far, and the keys that add one; set, remove: a change's form. */
export type LookupMode = 'find' | 'edit' | 'set' | 'remove';

/** The text fields of the forms. */
export type LookupText = 'eventId' | 'createdAt' | 'path' | 'value';

export type LookupState = {
  mode: LookupMode;
  eventId: string;
  createdAt: string;
  path: string;
  valueType: ValueType;
  value: string;
  /** The focused field of the form on screen. */
  field: number;
  /** The events the changes are for; the first is the one shown. */
  targets: EffectiveEvent[];
  edits: Edit[];
  flash: Flash;
};

export type LookupAction =
  | { type: 'type'; field: LookupText; text: string }
  | { type: 'chooseType'; valueType: ValueType }
  | { type: 'focus'; field: number }
  | { type: 'tab'; direction: 1 | -1 }
  /** An event was looked up: it joins the list (unless it is there already) and the form closes. */
  | { type: 'found'; event: EffectiveEvent }
  /** Each form opens fresh: what was typed for the last change would be appended to, not replaced. */
  | { type: 'openSet' }
  | { type: 'openRemove' }
  | { type: 'openFind' }
  /** Changes to add: checked against every chosen event now, not at the diff. */
  | { type: 'addEdits'; edits: Edit[] }
  | { type: 'undo' }
  /** esc on a form: back to the changes, or to the find form while no event is chosen. */
  | { type: 'closeForm' }
  | { type: 'flash'; flash: Flash };

/** Opened on an event (from the find-events list), its keys stand typed. */
export const initialLookup = (event?: EventKey): LookupState => ({
  mode: 'find',
  eventId: event?.event_id ?? '',
  createdAt: event?.event_created_at ?? '',
  path: '$.',
  valueType: 'string',
  value: '',
  field: 0,
  targets: [],
  edits: [],
  flash: null,
});

/** Fields tab moves between: event_id and event_created_at; path, type and value; or the one path. */
export const fieldCount = (state: LookupState) => (state.mode === 'find' ? 2 : state.mode === 'set' ? setFormFields(state.valueType) : 1);

/** Whether esc closes a form here (true) or is the screen's (leaving it). */
export const closesForm = (state: LookupState) => state.mode !== 'edit' && !(state.mode === 'find' && state.targets.length === 0);

function addEdits(state: LookupState, added: Edit[]): LookupState {
  try {
    for (const t of state.targets) applyEdits(parseJson(t.event_data), [...state.edits, ...added]);
    return { ...state, edits: [...state.edits, ...added], mode: 'edit', flash: null };
  } catch (error) {
    return { ...state, flash: { text: describeError(error), tone: 'danger' } };
  }
}

export function lookupReducer(state: LookupState, action: LookupAction): LookupState {
  switch (action.type) {
    case 'type':
      return { ...state, [action.field]: action.text };
    case 'chooseType':
      return { ...state, valueType: action.valueType };
    case 'focus':
      return { ...state, field: action.field };
    case 'tab': {
      const fields = fieldCount(state);
      return { ...state, field: (state.field + action.direction + fields) % fields };
    }
    case 'found': {
      const known = state.targets.some((t) => keyOf(t) === keyOf(action.event));
      return {
        ...state,
        targets: known ? state.targets : [...state.targets, action.event],
        flash: known ? { text: 'that event is already in the list', tone: 'warn' } : state.flash,
        eventId: '',
        createdAt: '',
        field: 0,
        mode: 'edit',
      };
    }
    case 'openSet':
      return { ...state, mode: 'set', field: 0, path: '$.', value: '' };
    case 'openRemove':
      return { ...state, mode: 'remove', path: '$.' };
    case 'openFind':
      return { ...state, mode: 'find', field: 0 };
    case 'addEdits':
      return addEdits(state, action.edits);
    case 'undo':
      return { ...state, edits: state.edits.slice(0, -1) };
    case 'closeForm':
      return { ...state, mode: state.targets.length ? 'edit' : 'find' };
    case 'flash':
      return { ...state, flash: action.flash };
  }
}

/** The first event's document after the changes, as lines; none while no event is chosen or the changes do not apply. */
export function previewLines(state: LookupState): string[] {
  const first = state.targets[0];
  if (!first) return [];
  try {
    return prettyJson(applyEdits(parseJson(first.event_data), state.edits)).split('\n');
  } catch {
    return [];
  }
}

/** Lines starting with // are evfix's notes in the editor file; they are not part of the document. */
const stripNotes = (text: string) => text.split('\n').filter((l) => !l.startsWith('//')).join('\n');

/**
 * The state and the work: `find` looks the typed event up, `editDocument` opens the first event's document
 * after the changes in $EDITOR and adds what was changed, `plan` makes the update plan of the changes.
 */
export function useLookupState(options: { service: Service; stage: StageConfig; editText: EditText; event?: EventKey }) {
  const { service, stage, editText } = options;
  const [state, dispatch] = useReducer(lookupReducer, options.event, initialLookup);

  const lookup = useTask(
    useCallback(
      async (id: string, at: string) => {
        const found = await service.call('lookup', { eventId: parseEventId(id), createdAt: at ? canonicalTimestamp(at, 'event_created_at') : undefined });
        if (!found.originals.length && !found.exceptions.length) throw new Error(`no rows for event ${id}${at ? ` created at ${at}` : ''}`);
        const shown = found.effective.filter((e) => e.event_name === stage.event_name);
        if (!found.effective.length) throw new Error(`event ${id} is excluded (every copy): the stage table does not show it, so there is nothing to update`);
        if (!shown.length) throw new Error(`event ${id} is a ${found.effective[0]!.event_name} event, not ${stage.event_name}`);
        // An unresolved duplicate shows several copies; an update edits the version the stage would keep.
        return shown.find((e) => e.source === 'exception') ?? shown[0]!;
      },
      [service, stage],
    ),
  );
  const { targets, edits } = state;
  const planTask = useTask(
    useCallback(
      () =>
        service.call('makePlan', {
          op: 'update',
          stage: stage.name,
          selection: { keys: targets.map((t) => ({ event_id: t.event_id, event_created_at: t.event_created_at })) },
          edits,
          description: PENDING_DESCRIPTION,
        }),
      [service, stage, targets, edits],
    ),
  );

  const find = async () => {
    if (validateEventId(state.eventId) || (state.createdAt && validateTimestamp(state.createdAt))) return;
    const event = await lookup.run(state.eventId, state.createdAt);
    if (event) dispatch({ type: 'found', event });
  };

  // Once, with the keys the route gave.
  useEffect(() => void (options.event && find()), []);

  const editDocument = async () => {
    const first = targets[0];
    if (!first) return;
    const current = applyEdits(parseJson(first.event_data), edits);
    let text = prettyJson(current) + '\n';
    let note = `// Edit event_data of ${first.event_id}; save and quit to continue. Lines starting with // are ignored.\n`;
    for (;;) {
      const saved = await editText(note + text, '.json');
      try {
        const derived = editsBetween(current, parseJson(stripNotes(saved), 'edited document'));
        return dispatch(derived.length ? { type: 'addEdits', edits: derived } : { type: 'flash', flash: { text: 'the document was not changed', tone: 'warn' } });
      } catch (error) {
        text = stripNotes(saved);
        note = `// ${describeError(error)}\n// Fix it, or empty the file to give up.\n`;
        if (!text.trim()) return dispatch({ type: 'flash', flash: { text: 'editing abandoned', tone: 'warn' } });
      }
    }
  };

  /** The update plan of the changes, or undefined (with a flash) when there are none or it failed. */
  const plan = async () => {
    if (!edits.length) return dispatch({ type: 'flash', flash: { text: 'describe a change first (s, x or e)', tone: 'warn' } });
    return planTask.run();
  };

  return { state, dispatch, lookup: lookup.task, planning: planTask.task, find, editDocument, plan };
}

/**
 * The lookup screen's state: the form on screen (find an event, set a path, remove one), what is typed in it,
 * the events chosen and the changes described for them. A reducer of plain actions, testable without
 * rendering; the hook adds the work that waits on the service or the editor, and dispatches what it finds.
 */
import { useCallback, useEffect, useReducer } from 'react';
import type { StageConfig } from '../data/config.js';
import { describeError } from '../data/errors.js';
import { applyEdits, editsBetween } from '../data/json/edit.js';
import { parseJson, prettyJson } from '../data/json/value.js';
import { keyOf, parseEventId, type EffectiveEvent, type EventKey } from '../data/model.js';
import { PENDING_DESCRIPTION } from '../data/operations/makePlan.js';
import type { Service } from '../data/service/service.js';
import { canonicalTimestamp } from '../data/timestamp.js';
import { changesReducer, initialChanges, type ChangeMode, type ChangesAction, type ChangesState } from './changesState.js';
import type { EditText } from './navigation.js';
import { useTask } from './useTask.js';
import { validateEventId, validateTimestamp } from './validators.js';

export type LookupState = {
  /** The find form is open: the keys of an event to add. */
  finding: boolean;
  eventId: string;
  createdAt: string;
  /** The focused field of the find form: event_id or event_created_at. */
  keyField: number;
  /** The events the changes are for; the first is the one shown. */
  targets: EffectiveEvent[];
  /** The changes, checked against every target's document. */
  changes: ChangesState;
};

export type LookupAction =
  | { type: 'typeKey'; field: 'eventId' | 'createdAt'; text: string }
  | { type: 'focusKey'; field: number }
  | { type: 'tabKey'; direction: 1 | -1 }
  /** An event was looked up: it joins the list (unless it is there already) and the find form closes. */
  | { type: 'found'; event: EffectiveEvent }
  /** a: the find form, for another event. */
  | { type: 'openFind' }
  /** esc on a form: back to the changes (the find form stays while no event is chosen). */
  | { type: 'closeForm' }
  | { type: 'changes'; action: ChangesAction };

/** Opened on an event (from the find-events list), its keys stand typed. */
export const initialLookup = (event?: EventKey): LookupState => ({
  finding: true,
  eventId: event?.event_id ?? '',
  createdAt: event?.event_created_at ?? '',
  keyField: 0,
  targets: [],
  changes: initialChanges(),
});

/** The form on screen: find, set or remove; or none ('changes'), when the screen's own keys work. */
export const formOf = (state: LookupState): 'find' | ChangeMode => (state.finding ? 'find' : state.changes.mode);

/** Whether esc closes a form here (true) or is the screen's (leaving it). */
export const closesForm = (state: LookupState) => (state.finding ? state.targets.length > 0 : state.changes.mode !== 'changes');

export function lookupReducer(state: LookupState, action: LookupAction): LookupState {
  switch (action.type) {
    case 'typeKey':
      return { ...state, [action.field]: action.text };
    case 'focusKey':
      return { ...state, keyField: action.field };
    case 'tabKey':
      return { ...state, keyField: (state.keyField + action.direction + 2) % 2 };
    case 'found': {
      const known = state.targets.some((t) => keyOf(t) === keyOf(action.event));
      const targets = known ? state.targets : [...state.targets, action.event];
      const changes = changesReducer(state.changes, { type: 'documents', documents: targets.map((t) => t.event_data) });
      return {
        ...state,
        targets,
        changes: known ? changesReducer(changes, { type: 'flash', flash: { text: 'that event is already in the list', tone: 'warn' } }) : changes,
        eventId: '',
        createdAt: '',
        keyField: 0,
        finding: false,
      };
    }
    case 'openFind':
      return { ...state, finding: true, keyField: 0 };
    case 'closeForm':
      if (state.finding) return { ...state, finding: state.targets.length === 0 };
      return { ...state, changes: changesReducer(state.changes, action) };
    case 'changes':
      return { ...state, changes: changesReducer(state.changes, action.action) };
  }
}

/** Lines starting with // are evfix's notes in the editor file; they are not part of the document. */
const stripNotes = (text: string) =>
  text
    .split('\n')
    .filter((l) => !l.startsWith('//'))
    .join('\n');

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
  const { targets } = state;
  const { edits } = state.changes;
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

  /** An action on the changes. */
  const change = (action: ChangesAction) => dispatch({ type: 'changes', action });

  const find = async () => {
    if (validateEventId(state.eventId) || (state.createdAt && validateTimestamp(state.createdAt))) return;
    const event = await lookup.run(state.eventId, state.createdAt);
    if (event) dispatch({ type: 'found', event });
  };

  // Once, with the keys the route gave.
  // biome-ignore lint/correctness/useExhaustiveDependencies: once on mount; later edits of the fields are the operator's typing, not a new lookup
  useEffect(() => void (options.event && find()), []);

  const editDocument = async () => {
    const first = targets[0];
    if (!first) return;
    const current = applyEdits(parseJson(first.event_data), edits);
    let text = `${prettyJson(current)}\n`;
    let note = `// Edit event_data of ${first.event_id}; save and quit to continue. Lines starting with // are ignored.\n`;
    for (;;) {
      const saved = await editText(note + text, '.json');
      try {
        const derived = editsBetween(current, parseJson(stripNotes(saved), 'edited document'));
        return change(derived.length ? { type: 'addEdits', edits: derived } : { type: 'flash', flash: { text: 'the document was not changed', tone: 'warn' } });
      } catch (error) {
        text = stripNotes(saved);
        note = `// ${describeError(error)}\n// Fix it, or empty the file to give up.\n`;
        if (!text.trim()) return change({ type: 'flash', flash: { text: 'editing abandoned', tone: 'warn' } });
      }
    }
  };

  /** The update plan of the changes, or undefined (with a flash) when there are none or it failed. */
  const plan = async () => {
    if (!edits.length) return change({ type: 'flash', flash: { text: 'describe a change first (s, x or e)', tone: 'warn' } });
    return planTask.run();
  };

  return { state, dispatch, change, lookup: lookup.task, planning: planTask.task, find, editDocument, plan };
}

/**
 * The insert screen's state: the event as last written in the editor (from a template), the last text a plan
 * was made of, the warning about an event shaped unlike the stage's, and the flash. A reducer of plain
 * actions, testable without rendering; the hook adds the editor, the key check and the plan.
 */
import { randomUUID } from 'node:crypto';
import { useCallback, useReducer } from 'react';
import type { StageConfig } from '../data/config.js';
import { PENDING_DESCRIPTION } from '../data/operations/makePlan.js';
import type { Plan } from '../data/plan.js';
import type { Service } from '../data/service/service.js';
import { formatTimestamp, nowMicros } from '../data/timestamp.js';
import type { Flash } from '../components/Frame.js';
import type { EditText } from './navigation.js';
import { useTask } from './useTask.js';

/** An event whose event_data keys are not the stage's usual ones: `text` is the event warned about. */
export type KeyWarning = { text: string; sampled: number; missing: string[]; unusual: string[] };

export type InsertState = {
  /** What the editor starts from the first time; the event is unsaved work once it differs. */
  template: string;
  text: string;
  /** The last text a plan was made of: saved unchanged again, it goes to its diff again rather than to "nothing changed". */
  planned: string | null;
  warning: KeyWarning | null;
  flash: Flash;
};

export type InsertAction =
  /** The editor opens: the flash and the warning go. */
  | { type: 'editing' }
  | { type: 'written'; text: string }
  | { type: 'warn'; warning: KeyWarning }
  | { type: 'dismissWarning' }
  | { type: 'planned'; text: string }
  | { type: 'flash'; flash: Flash };

export const initialInsert = (template: string): InsertState => ({ template, text: template, planned: null, warning: null, flash: null });

/** A new event: a fresh event_id, created now, everything else to fill in. */
export const eventTemplate = () =>
  JSON.stringify(
    {
      event_id: randomUUID(),
      event_created_at: formatTimestamp(nowMicros()),
      user_id: null,
      event_external_reference_id: null,
      event_advisor_id: null,
      event_data: {},
    },
    null,
    2,
  );

export function insertReducer(state: InsertState, action: InsertAction): InsertState {
  switch (action.type) {
    case 'editing':
      return { ...state, flash: null, warning: null };
    case 'written':
      return { ...state, text: action.text };
    case 'warn':
      return { ...state, warning: action.warning };
    case 'dismissWarning':
      return { ...state, warning: null };
    case 'planned':
      return { ...state, planned: action.text };
    case 'flash':
      return { ...state, flash: action.flash };
  }
}

/**
 * What a save from the editor leads to: the same warning again (saved as it was after the warning), nothing
 * (saved as it was, and not planned yet), or a check of the event written.
 */
export function afterSave(state: InsertState, warned: KeyWarning | null, saved: string): 'warnAgain' | 'unchanged' | 'check' {
  if (warned && saved === warned.text) return 'warnAgain';
  if (saved === state.text && saved !== state.planned) return 'unchanged';
  return 'check';
}

export function useInsertState(service: Service, stage: StageConfig, editText: EditText) {
  const [state, dispatch] = useReducer(insertReducer, undefined, () => initialInsert(eventTemplate()));
  const planTask = useTask(
    useCallback((text: string) => service.call('makePlan', { op: 'insert', stage: stage.name, text, description: PENDING_DESCRIPTION }), [service, stage]),
  );
  const checkTask = useTask(useCallback((text: string) => service.call('insertKeyCheck', { stage: stage.name, text }), [service, stage]));

  /** The insert plan of `text`, or undefined when it could not be made (planning says why). */
  const plan = async (text: string): Promise<Plan | undefined> => {
    dispatch({ type: 'dismissWarning' });
    const made = await planTask.run(text);
    if (made) dispatch({ type: 'planned', text });
    return made;
  };

  /** The event in the editor, then checked and planned; the plan, or undefined when the screen stays. */
  const edit = async (): Promise<Plan | undefined> => {
    const warned = state.warning;
    dispatch({ type: 'editing' });
    const saved = await editText(state.text, '.json');
    const outcome = afterSave(state, warned, saved);
    if (outcome === 'warnAgain') return void dispatch({ type: 'warn', warning: warned! });
    if (outcome === 'unchanged') {
      // Nothing to do. What was wrong with it last time (shown in the flash) still is.
      if (planTask.task.status !== 'failed')
        dispatch({ type: 'flash', flash: { text: 'the event was not changed: nothing to insert (e writes it)', tone: 'warn' } });
      return;
    }
    dispatch({ type: 'written', text: saved });
    const keys = await checkTask.run(saved);
    if (keys && (keys.missing.length || keys.unusual.length)) return void dispatch({ type: 'warn', warning: { text: saved, ...keys } });
    return plan(saved);
  };

  return { state, dispatch, planning: planTask.task, checking: checkTask.task, edit, plan };
}

/**
 * The update-found-events screen's state: the changes (changesState.ts), checked against the example event
 * the find gave, and the plan they make over the selection. The reducer is the shared changes reducer; the
 * hook adds the plan.
 */
import { useCallback, useReducer } from 'react';
import type { StageConfig } from '../data/config.js';
import type { Edit } from '../data/json/edit.js';
import { PENDING_DESCRIPTION, type SelectionInput } from '../data/operations/makePlan.js';
import type { Service } from '../data/service/service.js';
import { changesReducer, initialChanges } from './changesState.js';
import { useTask } from './useTask.js';

export function useUpdateSelectionState(service: Service, stage: StageConfig, selection: SelectionInput, example: string | undefined) {
  // The example is checked as each change is added; every other event is checked by the warehouse when the plan is made.
  const [state, dispatch] = useReducer(changesReducer, example === undefined ? [] : [example], initialChanges);
  const planTask = useTask(
    useCallback(
      (changes: Edit[]) => service.call('makePlan', { op: 'update', stage: stage.name, selection, edits: changes, description: PENDING_DESCRIPTION }),
      [service, stage, selection],
    ),
  );

  /** The update plan of the changes, or undefined (with a flash) when there are none or it failed. */
  const plan = async () => {
    if (!state.edits.length) return dispatch({ type: 'flash', flash: { text: 'describe a change first (s sets a path, x removes one)', tone: 'warn' } });
    return planTask.run(state.edits);
  };

  return { state, dispatch, planning: planTask.task, plan };
}

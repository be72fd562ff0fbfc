/**
 * The history screen's state: the list of applied plans (the shared list reducer) and whether the one under
 * the cursor is open in full. A reducer of plain actions, testable without rendering; the hook adds the
 * audit read, again each time the screen comes back into view, and the revert plan.
 */
import { useCallback, useEffect, useReducer } from 'react';
import type { AuditEntry } from '../data/service/requests.js';
import type { Service } from '../data/service/service.js';
import { initialList, listReducer, type ListAction, type ListState } from '../components/listState.js';
import { useTask } from './useTask.js';

export type HistoryState = { list: ListState; reading: boolean };

export type HistoryAction = { type: 'list'; action: ListAction } | { type: 'read'; reading: boolean };

export const initialHistory = (height: number): HistoryState => ({ list: initialList(0, height), reading: false });

export function historyReducer(state: HistoryState, action: HistoryAction): HistoryState {
  switch (action.type) {
    case 'list':
      return { ...state, list: listReducer(state.list, action.action) };
    case 'read':
      return { ...state, reading: action.reading };
  }
}

const NO_ENTRIES: AuditEntry[] = [];

export function useHistoryState(service: Service, active: boolean, listHeight: number) {
  const [state, dispatch] = useReducer(historyReducer, listHeight, initialHistory);
  const load = useTask(useCallback(() => service.call('history', {}), [service]));
  // Read again whenever the screen comes back into view: a plan may have been applied or reverted meanwhile.
  const { run: read } = load;
  useEffect(() => {
    if (active) void read();
  }, [active, read]);
  const entries = load.task.status === 'done' ? load.task.value : NO_ENTRIES;
  useEffect(() => dispatch({ type: 'list', action: { type: 'reset', count: entries.length } }), [entries.length]);
  const revert = useTask(useCallback((id: string) => service.call('makePlan', { op: 'revert', planId: id }), [service]));
  const entry = entries[state.list.cursor];
  /** The plan reverting the entry under the cursor, or undefined (reverting says why). */
  const planRevert = async () => (entry ? revert.run(entry.plan_id) : undefined);
  // Until the list has taken the entries' count (an effect after they arrive), keys typed ahead wait.
  const settled = load.task.status === 'done' && state.list.count === entries.length;
  return { state, dispatch, entries, entry, reading: load.task, reverting: revert.task, planRevert, settled };
}

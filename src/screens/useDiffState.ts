/**
 * The diff screen's state: which page is shown (the summary, or one change), the changes read so far (the
 * plan's sample, then pages read from the warehouse as they are reached), and the description being written.
 * A reducer of plain actions, testable without rendering; the hook reads the next page when it is needed.
 */
import { useEffect, useReducer, useRef } from 'react';
import { describeError } from '../data/errors.js';
import { PENDING_DESCRIPTION } from '../data/operations/makePlan.js';
import { changeCount, type Change, type Plan } from '../data/plan.js';
import type { Service } from '../data/service/service.js';
import type { Flash } from '../components/Frame.js';

export type DiffState = {
  /** -1 is the summary page, shown first; 0.. are the changes. */
  index: number;
  /** Changes in the plan. */
  total: number;
  /** The changes read so far, in order. */
  loaded: readonly Change[];
  /** Why the next change could not be read, if it could not. */
  changeError: string | null;
  description: string;
  /** The description field has the keys: the diff is read first, enter (or tab) then moves there. */
  editing: boolean;
  flash: Flash;
};

export type DiffAction =
  | { type: 'step'; by: 1 | -1 }
  | { type: 'typeDescription'; text: string }
  | { type: 'edit'; editing: boolean }
  /** enter with no description yet: the field opens, and says why. */
  | { type: 'askDescription' }
  | { type: 'page'; changes: readonly Change[] }
  | { type: 'pageFailed'; message: string }
  | { type: 'flash'; flash: Flash };

export const initialDiff = (plan: Plan): DiffState => ({
  index: -1,
  total: changeCount(plan),
  loaded: plan.sample,
  changeError: null,
  description: plan.description === PENDING_DESCRIPTION ? '' : plan.description,
  editing: false,
  flash: null,
});

export function diffReducer(state: DiffState, action: DiffAction): DiffState {
  switch (action.type) {
    case 'step':
      return { ...state, index: Math.max(-1, Math.min(state.total - 1, state.index + action.by)) };
    case 'typeDescription':
      return { ...state, description: action.text };
    case 'edit':
      return { ...state, editing: action.editing };
    case 'askDescription':
      return { ...state, editing: true, flash: { text: 'write a description first: it is stored with every row', tone: 'warn' } };
    case 'page':
      return {
        ...state,
        loaded: [...state.loaded, ...action.changes],
        changeError: action.changes.length ? null : 'no more changes: the warehouse changed since the plan was made (apply will say so)',
      };
    case 'pageFailed':
      return { ...state, changeError: action.message };
    case 'flash':
      return { ...state, flash: action.flash };
  }
}

/** Changes read per page past the plan's own sample. */
const PAGE = 50;

export function useDiffState(service: Service, plan: Plan) {
  const [state, dispatch] = useReducer(diffReducer, plan, initialDiff);
  const { index, loaded, total } = state;
  // The page being read, by how many changes it follows: one read per page, however many keys move on while it
  // runs (a read per key, each dropped by the next, had a burst of n run hundreds of them at once).
  const reading = useRef<number | undefined>(undefined);
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );
  // The change shown is not read yet: read the next page.
  useEffect(() => {
    if (index < loaded.length || loaded.length >= total || reading.current === loaded.length) return;
    reading.current = loaded.length;
    const last = loaded[loaded.length - 1];
    service
      .call('planChanges', { plan: plan.id, after: last ? { event_created_at: last.event_created_at, event_id: last.event_id } : undefined, limit: PAGE })
      .then(
        (changes) => mounted.current && dispatch({ type: 'page', changes }),
        (error: unknown) => mounted.current && dispatch({ type: 'pageFailed', message: describeError(error) }),
      )
      .finally(() => {
        reading.current = undefined;
      });
  }, [plan, index, loaded, total, service]);
  return { state, dispatch, change: index >= 0 ? loaded[index] : undefined };
}

/**
 * The duplicates screen's state: the list of groups (cursor, window, marks), the group opened, the copy chosen
 * to keep in each group, and the flash. A reducer of plain actions, testable without rendering; the hook adds
 * the reads (the groups, one group's copies) and the plan of the marked groups.
 */
import { useCallback, useEffect, useReducer, useRef } from 'react';
import type { StageConfig } from '../data/config.js';
import type { DuplicateSummary, Reply } from '../data/service/requests.js';
import type { Service } from '../data/service/service.js';
import type { Flash } from '../components/Frame.js';
import { initialList, listReducer, type ListAction, type ListState } from '../components/listState.js';
import { count, listed } from '../components/unsavedWork.js';
import type { Plan } from '../data/plan.js';
import { useTask } from './useTask.js';

export type DuplicateGroup = Reply<'groupCopies'>[number];

export type DuplicatesState = {
  list: ListState;
  /** The row whose group is open, or null on the list. */
  open: number | null;
  /** The copy kept, by event_id, where one other than the first was chosen. */
  keep: ReadonlyMap<string, number>;
  flash: Flash;
};

export type DuplicatesAction =
  | { type: 'list'; action: ListAction }
  | { type: 'open'; row: number }
  | { type: 'close' }
  /** h/l in a group: the previous or next copy to keep, round the group's `copies`. */
  | { type: 'keep'; eventId: string; copies: number; step: 1 | -1 }
  | { type: 'flash'; flash: Flash };

export const initialDuplicates = (height: number): DuplicatesState => ({ list: initialList(0, height), open: null, keep: new Map(), flash: null });

export function duplicatesReducer(state: DuplicatesState, action: DuplicatesAction): DuplicatesState {
  switch (action.type) {
    case 'list':
      return { ...state, list: listReducer(state.list, action.action) };
    case 'open':
      return { ...state, open: action.row };
    case 'close':
      return { ...state, open: null };
    case 'keep': {
      const current = state.keep.get(action.eventId) ?? 0;
      return { ...state, keep: new Map(state.keep).set(action.eventId, (current + action.step + action.copies) % action.copies) };
    }
    case 'flash':
      return { ...state, flash: action.flash };
  }
}

/**
 * The event_ids `d` plans: the marked groups in list order, or the one under the cursor when none is marked;
 * undefined when every group is marked (the plan is every unresolved group of the window: the warehouse finds
 * them again).
 */
export function groupsToDedupe(list: ListState, groups: readonly DuplicateSummary[]): string[] | undefined {
  if (list.marked.size > 0 && list.marked.size === groups.length) return undefined;
  if (list.marked.size) return [...list.marked].sort((a, b) => a - b).map((i) => groups[i]!.event_id);
  const cursor = groups[list.cursor];
  return cursor ? [cursor.event_id] : [];
}

/** What leaving would drop ("2 marked groups and 1 chosen copy"), or null. */
export function unsavedDuplicates({ list, keep }: DuplicatesState): string | null {
  const lost = [
    ...(list.marked.size ? [count(list.marked.size, 'marked group')] : []),
    ...(keep.size ? [count(keep.size, 'chosen copy', 'chosen copies')] : []),
  ];
  return lost.length ? listed(lost) : null;
}

// One empty list for every render while loading: a fresh [] each time would re-run the reset effect forever.
const NO_GROUPS: DuplicateSummary[] = [];

/** The state, the groups and the open group's copies as they are read, and the work: open, reload, plan. */
export function useDuplicatesState(service: Service, stage: StageConfig, listHeight: number) {
  const [state, dispatch] = useReducer(duplicatesReducer, listHeight, initialDuplicates);
  // The list holds one summary per group; copies are read for the group opened.
  const groupsTask = useTask(useCallback(() => service.call('duplicateGroups', { stage: stage.name }), [service, stage]));
  const copiesTask = useTask(
    useCallback(async (eventId: string) => (await service.call('groupCopies', { stage: stage.name, eventIds: [eventId] }))[0], [service, stage]),
  );
  const planTask = useTask(
    useCallback(
      (eventIds: string[] | undefined, keep: ReadonlyMap<string, number>) =>
        service.call('makePlan', { op: 'dedupe', stage: stage.name, eventIds, choices: [...keep] }),
      [service, stage],
    ),
  );
  const { run: load } = groupsTask;
  const groups = groupsTask.task.status === 'done' ? groupsTask.task.value : NO_GROUPS;
  useEffect(() => void load(), [load]);
  useEffect(() => dispatch({ type: 'list', action: { type: 'reset', count: groups.length } }), [groups]);
  useEffect(() => dispatch({ type: 'list', action: { type: 'resize', height: listHeight } }), [listHeight]);

  const openSummary = state.open !== null ? groups[state.open] : undefined;
  const copies = copiesTask.task;
  const openGroup = openSummary && copies.status === 'done' && copies.value?.event_id === openSummary.event_id ? copies.value : undefined;

  const open = () => {
    const group = groups[state.list.cursor];
    if (!group) return false;
    dispatch({ type: 'open', row: state.list.cursor });
    void copiesTask.run(group.event_id);
    return true;
  };

  // Set from the first `d` until its plan is made: the marked groups are put in order before planning starts,
  // and a second `d` meanwhile must not plan them twice.
  const planning = useRef(false);
  /** The dedupe plan of the marked groups, or undefined (with a flash when there is no group). */
  const plan = async (): Promise<Plan | undefined> => {
    if (planning.current) return;
    planning.current = true;
    try {
      const chosen = groupsToDedupe(state.list, groups);
      if (chosen && !chosen.length) return void dispatch({ type: 'flash', flash: { text: 'no group to dedupe', tone: 'warn' } });
      return await planTask.run(chosen, state.keep);
    } finally {
      planning.current = false;
    }
  };

  // The list takes the groups' count in an effect after they arrive: until then a key typed ahead (`a`) would act
  // on the empty list it had while loading, so the screen stays busy and the key waits.
  const settled = state.list.count === groups.length;
  return { state, dispatch, groups, groupsTask: groupsTask.task, copies, openSummary, openGroup, planning: planTask.task, open, reload: load, plan, settled };
}

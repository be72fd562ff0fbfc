/**
 * The business-key screen's state: the key path typed, the group shown and the cursor in its events (the
 * shared list reducer), the event_ids marked to exclude across every group, and the exclusion's description.
 * A reducer of plain actions, testable without rendering; the hook adds the grouping read and the plan.
 */
import { useCallback, useEffect, useReducer } from 'react';
import type { StageConfig } from '../data/config.js';
import { describeError } from '../data/errors.js';
import { normalizePath } from '../data/json/path.js';
import type { EffectiveEvent } from '../data/model.js';
import type { Reply } from '../data/service/requests.js';
import type { Service } from '../data/service/service.js';
import type { Flash } from '../components/Frame.js';
import { initialList, listReducer, type ListAction, type ListState } from '../components/listState.js';
import { useTask } from './useTask.js';

export type KeyGroup = Reply<'businessKeyGroups'>[number];

export type BusinessKeysState = {
  /** The key path form, the groups, or the exclusion's description asked under a group. */
  phase: 'path' | 'groups' | 'describe';
  path: string;
  /** The group shown; `list` is the cursor in its events. */
  group: number;
  list: ListState;
  /** Marked to exclude, by event_id: marks stay as the operator moves between groups. */
  excluded: ReadonlySet<string>;
  description: string;
  flash: Flash;
};

export type BusinessKeysAction =
  | { type: 'type'; field: 'path' | 'description'; text: string }
  /** `/`: the path form again. */
  | { type: 'choosePath' }
  /** A path was submitted and is being grouped by: the marks of the last path go. */
  | { type: 'grouping' }
  /** Shows group `index`, of `count` events, with the cursor on its first. */
  | { type: 'showGroup'; index: number; count: number }
  | { type: 'list'; action: ListAction }
  /** space: the event marked to exclude or kept; an exception row cannot be excluded. */
  | { type: 'toggle'; event: EffectiveEvent }
  /** d: the description, once something is marked. */
  | { type: 'describe' }
  /** The plan is made: back to the groups, under the confirm screen. */
  | { type: 'planned' }
  /** esc: the description back to the groups, the path form back to the groups it replaced. */
  | { type: 'back'; grouped: boolean }
  | { type: 'flash'; flash: Flash };

export const initialBusinessKeys = (options: { path: string; height: number }): BusinessKeysState => ({
  phase: 'path',
  path: options.path,
  group: 0,
  list: initialList(0, options.height),
  excluded: new Set(),
  description: '',
  flash: null,
});

/** Whether esc is the screen's: closing the description, or the path form over groups already read (`grouped`). */
export const stepsBack = (state: BusinessKeysState, grouped: boolean) => state.phase === 'describe' || (state.phase === 'path' && grouped);

const warn = (text: string): Flash => ({ text, tone: 'warn' });

export function businessKeysReducer(state: BusinessKeysState, action: BusinessKeysAction): BusinessKeysState {
  switch (action.type) {
    case 'type':
      return { ...state, [action.field]: action.text };
    case 'choosePath':
      return { ...state, phase: 'path' };
    case 'grouping':
      return { ...state, phase: 'groups', group: 0, list: initialList(0, state.list.height), excluded: new Set() };
    case 'showGroup':
      return { ...state, group: action.index, list: initialList(action.count, state.list.height) };
    case 'list':
      return { ...state, list: listReducer(state.list, action.action) };
    case 'toggle': {
      if (action.event.source === 'exception') return { ...state, flash: warn('this version is an exception row; exclusions do not remove exception rows') };
      const excluded = new Set(state.excluded);
      if (excluded.has(action.event.event_id)) excluded.delete(action.event.event_id);
      else excluded.add(action.event.event_id);
      return { ...state, excluded };
    }
    case 'describe':
      return state.excluded.size ? { ...state, phase: 'describe' } : { ...state, flash: warn('mark events to exclude with space first') };
    case 'planned':
      return { ...state, phase: 'groups' };
    case 'back':
      return stepsBack(state, action.grouped) ? { ...state, phase: 'groups' } : state;
    case 'flash':
      return { ...state, flash: action.flash };
  }
}

/** Groups with at least one event marked, for the status line's tally. */
export const groupsWithMarks = (groups: readonly KeyGroup[], excluded: ReadonlySet<string>) =>
  groups.filter((g) => g.events.some((e) => excluded.has(e.event_id))).length;

// One empty list for every render until the groups are read: a fresh [] each time would re-run the effect below forever.
const NO_GROUPS: KeyGroup[] = [];

/** `listHeight`: the rows of a group's events shown at once. */
export function useBusinessKeysState(service: Service, stage: StageConfig, listHeight: number) {
  const [state, dispatch] = useReducer(businessKeysReducer, { path: stage.business_keys[0] ?? '$.', height: listHeight }, initialBusinessKeys);
  const load = useTask(useCallback((p: string) => service.call('businessKeyGroups', { stage: stage.name, path: p }), [service, stage]));
  const planTask = useTask(
    useCallback(
      (ids: string[], text: string) => service.call('makePlan', { op: 'exclude', stage: stage.name, eventIds: ids, description: text }),
      [service, stage],
    ),
  );
  const groups = load.task.status === 'done' ? load.task.value : NO_GROUPS;
  // Read groups start on the first.
  useEffect(() => dispatch({ type: 'showGroup', index: 0, count: groups[0]?.events.length ?? 0 }), [groups]);
  useEffect(() => dispatch({ type: 'list', action: { type: 'resize', height: listHeight } }), [listHeight]);

  /** n/p: the next or previous group, if there is one. */
  const step = (by: 1 | -1) => {
    const index = Math.max(0, Math.min(groups.length - 1, state.group + by));
    dispatch({ type: 'showGroup', index, count: groups[index]?.events.length ?? 0 });
  };

  const group = async (path: string) => {
    try {
      normalizePath(path);
    } catch (error) {
      return dispatch({ type: 'flash', flash: { text: describeError(error), tone: 'danger' } });
    }
    dispatch({ type: 'grouping' });
    await load.run(path);
  };

  /** The exclusion plan of the marked events, or undefined when it failed (planning says why). */
  const plan = async (description: string) => {
    const made = await planTask.run([...state.excluded], description);
    if (made) dispatch({ type: 'planned' });
    return made;
  };

  return { state, dispatch, groups, grouping: load.task, planning: planTask.task, step, group, plan };
}
